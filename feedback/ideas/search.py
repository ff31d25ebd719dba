"""Text search over ideas in every language: one folding rule applied to the stored text and to
what the reader types, so "Ĉambro", "cambro" and "CAMBRO" find each other on SQLite and
PostgreSQL alike (SQLite's LOWER() only folds ASCII)."""

import re
import unicodedata

from sqlalchemy import and_, case, literal, or_

_WORD = re.compile(r"\w+", re.UNICODE)
# Words too common to say two ideas are alike (English, Esperanto, Arabic).
STOP_WORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "that",
        "this",
        "from",
        "have",
        "more",
        "please",
        "would",
        "could",
        "should",
        "your",
        "our",
        "are",
        "was",
        "not",
        "but",
        "all",
        "can",
        "will",
        "add",
        "get",
        "make",
        "use",
        "able",
        "its",
        "more",
        "some",
        "than",
        "then",
        "them",
        "they",
        "there",
        "when",
        "which",
        "what",
        "kaj",
        "por",
        "kun",
        "estas",
        "ke",
        "la",
        "de",
        "en",
        "al",
        "ne",
        "pli",
        "mia",
        "via",
        "sia",
        "bonvolu",
        "povus",
        "في",
        "من",
        "على",
        "إلى",
        "عن",
        "مع",
        "أن",
        "هذا",
        "هذه",
        "التي",
        "الذي",
    ]
)
MAX_TERMS = 8
MIN_TERM = 3


def fold(text: str | None) -> str:
    """``text`` lower-cased with accents and Arabic vowel marks removed, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def searchable(title: str, description: str) -> str:
    """The ``search_text`` stored for an idea."""
    return fold(f"{title} {description}")


def _escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def terms(text: str | None) -> list[str]:
    """The distinct folded words of ``text`` worth matching on, longest first, at most a few."""
    words = {w for w in _WORD.findall(fold(text)) if len(w) >= MIN_TERM and w not in STOP_WORDS}
    return sorted(words, key=lambda w: (-len(w), w))[:MAX_TERMS]


def contains(column, term: str):
    """SQL: ``column`` contains the folded ``term`` (LIKE with wildcards escaped)."""
    return column.like(f"%{_escape(term)}%", escape="\\")


def matches_all(column, text: str | None):
    """SQL: every word of ``text`` appears in ``column`` (the board's search box); None if no word."""
    words = [w for w in _WORD.findall(fold(text)) if w]
    if not words:
        return None
    return and_(*(contains(column, w) for w in words[:MAX_TERMS]))


def match_score(column, words: list[str]):
    """SQL: how many of ``words`` appear in ``column`` (similar ideas are ranked by it)."""
    score = literal(0)
    for word in words:
        score = score + case((contains(column, word), 1), else_=0)
    return score, or_(*(contains(column, w) for w in words))
