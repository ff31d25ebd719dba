"""Finding English in what a reader of another language sees: the words, and the visible text
of a page or an e-mail. Shared by the rendered page and mail tests."""

import re
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from feedback.i18n.catalogs import po_path

# Made-up words for whatever people type in the tests (names, comments, notices): none is an
# English word, so English found on a page is the interface's.
MADE_UP = ("Vrokzal", "Kvaxow", "Zirbeq", "Ulmotr", "Dwexap", "Hrinsk")
ATTRIBUTES_READ_OUT = ("title", "aria-label", "placeholder", "alt")
WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
URL = re.compile(r"https?://\S+")  # a link's path (/queue/, /preferences) is not prose
NOT_WORDS = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[^}]*\}|<[^>]+>|&[a-z]+;")


def _catalog(language):
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language)


def english_words(language: str) -> set[str]:
    """Words of the English messages that no translation into ``language`` uses: on a page in
    that language each is a message left in English. (Words a translation keeps — Kontento,
    CSAT, NPS, SLA … — are not counted.)"""
    english, kept = set(), set()
    for message in _catalog(language):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        english |= {w.lower() for i in ids for w in WORD.findall(NOT_WORDS.sub(" ", i)) if len(w) > 1}
        kept |= {w.lower() for s in strings for w in WORD.findall(NOT_WORDS.sub(" ", s))}
    return english - kept


class _VisibleText(HTMLParser):
    """The text a reader sees or hears: no script, style or code, no attribute but those read out,
    nothing marked as another language than the page's (the switcher's "English")."""

    # Code (a CSV header to copy, a category's slug) is machine text, the same in every language.
    SKIP = {"script", "style", "template", "code", "kbd", "samp"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language, self.parts, self._stack = language, [], []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other_language = attrs.get("lang") not in (None, self.language)
        hidden = tag in self.SKIP or other_language
        if not hidden and not self._hidden():
            self.parts += [attrs[a] for a in ATTRIBUTES_READ_OUT if attrs.get(a)]
        if tag not in self.VOID:
            self._stack.append((tag, hidden))

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _hidden in self._stack):  # not a stray </p> or <br/>
            while self._stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


def visible_text(html: str, language: str) -> str:
    """What a reader of a page in ``language`` sees or hears of ``html``, as one line."""
    parser = _VisibleText(language)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_on(html: str, language: str, words: set[str]) -> list[tuple[str, str]]:
    """The English words in the visible text of ``html``, each with the text around it."""
    return english_in(visible_text(html, language), words)


def english_in(text: str, words: set[str]) -> list[tuple[str, str]]:
    """The English words in plain ``text`` outside its web addresses, each with the text around it."""
    text = URL.sub(" ", text)
    return [
        (match.group(0), text[max(0, match.start() - 40) : match.end() + 40])
        for match in WORD.finditer(text)
        if match.group(0).lower() in words
    ]


def report(english: dict) -> str:
    """One line per visit: the English words, and where the first of them stood."""
    lines = []
    for where, found in english.items():
        words = sorted({word for word, _context in found})
        lines.append(f"{where}: {', '.join(words)} (…{found[0][1]}…)")
    return "English where another language was due:\n" + "\n".join(lines)
