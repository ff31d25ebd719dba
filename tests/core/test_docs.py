"""The project's own documentation stands alone in a fresh clone: every relative link in
README.md and docs/ names a file of this repository."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)[^)]*\)")


def _relative_links(doc: Path) -> list[str]:
    return [target for target in LINK.findall(doc.read_text()) if "://" not in target]


def test_every_relative_link_in_the_docs_names_a_file_of_the_repository():
    broken = [
        f"{doc.relative_to(ROOT)} → {target}"
        for doc in DOCS
        for target in _relative_links(doc)
        if not (doc.parent / target).resolve().is_relative_to(ROOT) or not (doc.parent / target).exists()
    ]
    assert not broken, broken


def test_the_readme_links_the_metric_definitions():
    assert "docs/metrics.md" in _relative_links(ROOT / "README.md")


def test_no_doc_sends_the_reader_outside_the_clone():
    mentions = [doc.name for doc in DOCS if "../shared" in doc.read_text() or "PRODUCT.md" in doc.read_text()]
    assert not mentions, mentions
