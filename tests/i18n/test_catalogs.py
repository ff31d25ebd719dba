"""The catalogues are complete and safe: every message the code asks for is translated in
every language, nothing is fuzzy, placeholders and markup survive, and no template text
escapes gettext.

Which messages the code asks for is found here by walking every file under templates/ and
feedback/ ourselves, not through babel.cfg and `flask translate`: a folder that configuration
skips (as pybabel's default once skipped templates/_macros, the pager) must not be a folder this
test cannot see.
"""

import ast
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_file
from babel.messages.pofile import read_po

from feedback.i18n.catalogs import KEYWORDS, languages, po_path, source_messages

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|<[^>]+>")
ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# How each kind of source file is read. A file of any other kind fails the walk below, so a new
# kind of template (say .xml) cannot slip past without someone deciding how to extract it.
EXTRACTORS = {
    ("templates", ".html"): "jinja2",
    ("templates", ".txt"): "jinja2",
    ("feedback", ".py"): "python",
}
NOT_SOURCE = {".po", ".mo", ".pyc"}  # the catalogues themselves, and Python's byte code
# Text that is the same in every language: the product's name, separators, a code sample.
NOT_TRANSLATED = {"Kontento", "· Kontento", "· NPS"}
CODE_SAMPLES = ("ada@example.com,",)


def _source_files() -> list[tuple[Path, str | None]]:
    """Every file under templates/ and feedback/, with the Babel extractor for its kind."""
    return [
        (path, EXTRACTORS.get((top, path.suffix)))
        for top in ("templates", "feedback")
        for path in sorted((ROOT / top).rglob("*"))
        if path.is_file() and path.suffix not in NOT_SOURCE
    ]


@cache
def _messages_by_file() -> dict[str, set[str]]:
    """The message ids each source file asks to translate (plural ones by their singular)."""
    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(KEYWORDS)}
    found = {}
    for path, method in _source_files():
        # silent=false: a template Jinja cannot parse fails here instead of yielding no messages.
        options = {"silent": "false"} if method == "jinja2" else {}
        messages = extract_from_file(method, path, keywords=keywords, options=options)  # (line, id, …)
        found[str(path.relative_to(ROOT))] = {m[1][0] if isinstance(m[1], tuple) else m[1] for m in messages}
    return found


def test_every_source_file_is_a_kind_we_extract_messages_from():
    unknown = [str(path.relative_to(ROOT)) for path, method in _source_files() if method is None]
    assert not unknown, f"add these kinds to EXTRACTORS (and to babel.cfg): {unknown}"


def test_every_source_file_is_covered_by_translate_update():
    extracted = source_messages()  # what `flask translate update` puts in the catalogues
    uncovered = {
        name: sorted(ids - extracted) for name, ids in _messages_by_file().items() if ids - extracted
    }
    assert not uncovered, f"babel.cfg / `flask translate` skip these files' messages: {uncovered}"


GETTEXT = {"_", "_l", "N_", "gettext", "ngettext", "pgettext", "lazy_gettext", "lazy_ngettext"}


# A gettext call inside an f-string is one the extraction does not see (on Python 3.11 the
# f-string is a single token to it): the message never reaches the catalogues.
def _gettext_in_f_strings(source: str):
    """Each gettext call inside an f-string of ``source``, with its message (if a literal)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "id", None) in GETTEXT:
                    first = call.args[0] if call.args else None
                    yield call, first.value if isinstance(first, ast.Constant) else None


def test_no_gettext_call_hides_inside_an_f_string():
    hidden = [
        f"{path.relative_to(ROOT)}:{call.lineno} {ast.unparse(call)}"
        for path, method in _source_files()
        if method == "python"
        for call, _message in _gettext_in_f_strings(path.read_text())
    ]
    assert not hidden, f"move these out of their f-strings, into a variable: {hidden}"


def test_the_f_string_check_sees_a_call_inside_one():
    found = [message for _call, message in _gettext_in_f_strings("x = f\"{n} {_('items')}\"\ny = _('fine')")]
    assert found == ["items"]


def _catalog(language):
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language)


def test_english_esperanto_and_arabic_have_catalogues():
    assert languages() == ["ar", "eo"]  # English is the source language


@pytest.mark.parametrize("language", ["ar", "eo"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    catalog = _catalog(language)
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated[key] = all(strings) and not message.fuzzy
    asked = set().union(*_messages_by_file().values())
    missing = sorted(asked - set(translated))
    assert not missing, f"run `flask translate update` and translate: {missing[:10]}"
    untranslated = sorted(k for k, ok in translated.items() if not ok)
    assert not untranslated, f"{len(untranslated)} untranslated or fuzzy in {language}: {untranslated[:10]}"


@pytest.mark.parametrize("language", ["ar", "eo"])
def test_placeholders_and_markup_survive_translation(language):
    wrong = []
    for message in _catalog(language):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        allowed = [sorted(PLACEHOLDER.findall(i)) for i in ids]
        wrong += [(ids[0], s) for s in strings if s and sorted(PLACEHOLDER.findall(s)) not in allowed]
    assert not wrong, wrong[:5]


def _bare_text(source: str) -> list[str]:
    """Text of a template that is neither inside a Jinja tag nor an HTML tag."""
    source = re.sub(r"\{#.*?#\}|<script.*?</script>|<style.*?</style>", "", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|&[a-z]+;", "\n", source, flags=re.S)
    return [t.strip() for t in re.sub(r"<[^>]*>", "\n", source).split("\n") if re.search(r"[A-Za-z]{2}", t)]


def test_no_template_text_escapes_gettext():
    escaped = {}
    for path in sorted([*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.txt")]):
        source = path.read_text()
        texts = [t for t in _bare_text(source) if t not in NOT_TRANSLATED and not t.startswith(CODE_SAMPLES)]
        attributes = re.findall(r'(?:placeholder|title|aria-label|alt)="([^"{]*[A-Za-z]{2}[^"{]*)"', source)
        if texts or attributes:
            escaped[str(path.relative_to(TEMPLATES))] = texts + attributes
    assert not escaped, escaped


def test_the_unwrapped_check_would_notice_a_bare_string():
    assert _bare_text("<p>{{ _('Fine') }}</p><p>Not wrapped</p>") == ["Not wrapped"]


def test_the_app_builds_missing_compiled_catalogues_when_it_starts(database_url):
    from feedback import create_app
    from feedback.extensions import db
    from tests.conftest import make_config

    compiled = po_path("eo").with_suffix(".mo")
    compiled.unlink()  # as on a fresh deployment: the .mo files are not in git
    app = create_app(make_config(database_url))
    try:
        assert compiled.exists()
        page = app.test_client().get("/login", headers={"Accept-Language": "eo"})
        assert "Ensaluti" in page.get_data(as_text=True)
    finally:
        with app.app_context():
            db.engine.dispose()
