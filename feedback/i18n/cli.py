"""`flask translate init LANG | update | compile`, as in the Flask Mega-Tutorial."""

import subprocess
import sys

import click
from flask.cli import AppGroup

from .catalogs import BABEL_CFG, IGNORE_DIRS, KEYWORDS, POT, ROOT, TRANSLATIONS, compile_catalogs

translate_cli = AppGroup("translate", help="Extract, update and compile the message catalogues.")


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], cwd=ROOT, check=True)


def _extract() -> None:
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    # Our own list of folders to skip replaces pybabel's default, which also skips "_macros".
    ignore = ["--ignore-dirs", " ".join(IGNORE_DIRS)]
    _pybabel(
        "extract",
        "-F",
        str(BABEL_CFG),
        *keywords,
        *ignore,
        "--no-location",
        "--sort-output",
        "-o",
        str(POT),
        ".",
    )


@translate_cli.command("init")
@click.argument("language")
def init(language: str) -> None:
    """Start the catalogue of a new LANGUAGE (e.g. `fr`) from the current messages."""
    _extract()
    try:
        _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", language)
    finally:
        POT.unlink(missing_ok=True)


@translate_cli.command("update")
def update() -> None:
    """Extract the messages again and merge them into every catalogue (new ones untranslated)."""
    _extract()
    try:
        # Messages no longer in the code are dropped; new ones come untranslated, never guessed.
        _pybabel(
            "update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching", "--ignore-obsolete"
        )
    finally:
        POT.unlink(missing_ok=True)


@translate_cli.command("compile")
def compile_() -> None:
    """Build the `.mo` files Flask-Babel reads from the `.po` catalogues."""
    done = compile_catalogs()
    click.echo(f"compiled: {', '.join(done) or 'nothing'}")
