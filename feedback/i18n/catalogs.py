"""Message catalogues: where they live, and compiling them (`.po` → `.mo`).

The `.po` files are the source, kept in git; the `.mo` files Flask-Babel reads are built from
them, not committed: by `flask translate compile`, and by the app itself when it starts and
finds one missing or older than its `.po` (so a deployment cannot serve English by mistake).
"""

import os
from fnmatch import fnmatch
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent.parent
TRANSLATIONS = ROOT / "feedback" / "translations"
DOMAIN = "messages"
POT = ROOT / "messages.pot"
BABEL_CFG = ROOT / "babel.cfg"
KEYWORDS = ("_l", "lazy_gettext")  # beyond pybabel's defaults (_, gettext, ngettext …)
# Folders the extraction does not walk into. Named, because pybabel's default also skips every
# folder starting with "_", and so missed templates/_macros (the pager, the badges).
IGNORE_DIRS = (".*", "__pycache__", "node_modules")


def po_path(language: str) -> Path:
    """The source catalogue of ``language``."""
    return TRANSLATIONS / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages() -> list[str]:
    """Languages that have a catalogue (English, the source language, has none)."""
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def compile_catalogs(only_if_stale: bool = False) -> list[str]:
    """Write each catalogue's `.mo` next to its `.po`; return the languages compiled.

    Fuzzy entries are left out, as gettext would; the catalogue test fails on any anyway.
    """
    done = []
    for language in languages():
        source = po_path(language)
        target = source.with_suffix(".mo")
        if only_if_stale and target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        with source.open("rb") as f:
            catalog = read_po(f, locale=language)
        # Written aside and renamed: web workers starting together must never read half a file.
        partial = target.with_suffix(f".mo.{os.getpid()}")
        with partial.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        os.replace(partial, target)
        done.append(language)
    return done


def source_messages() -> set[str]:
    """Every message id the code and templates ask to translate now (what `translate update`
    would extract), plural messages by their singular."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with BABEL_CFG.open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(KEYWORDS)}
    found = extract_from_dir(ROOT, method_map, options_map, keywords=keywords, directory_filter=_walked_into)
    return {message[0] if isinstance(message, tuple) else message for _, _, message, *_ in found}


def _walked_into(path: str) -> bool:
    """Whether the extraction looks inside the folder ``path`` (as pybabel's ``--ignore-dirs``)."""
    return not any(fnmatch(os.path.basename(path), pattern) for pattern in IGNORE_DIRS)
