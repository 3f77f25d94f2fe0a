"""Docstrings: examples either run (pytest collects ``--doctest-modules``) or are prose, and every
``docs/<page>.md, "Section"`` citation names a page and a heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Packages whose docstring examples all run or are literal ``::`` blocks.
CHECKED = ["agent", "events", "ipfs", "protocol", "provider", "service", "types"]

_CITATION = re.compile(r"docs/([\w-]+\.md)(?:,\s*\"([^\"]+)\")?")


def _sources(packages: list[str]) -> list[Path]:
    return sorted(p for pkg in packages for p in (REPO / "ogpu" / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _sources(CHECKED), ids=lambda p: str(p.relative_to(REPO)))
def test_examples_run_or_are_prose(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert "doctest: +SKIP" not in text
    assert re.search(r"^\s*>>> #", text, re.MULTILINE) is None  # commented-out pseudo-examples
    assert "§" not in text  # numbered sections of a spec that is not in the repository


def test_citations_name_existing_pages_and_sections() -> None:
    cited = 0
    for path in _sources(["."]):
        for page, section in _CITATION.findall(path.read_text(encoding="utf-8")):
            doc = REPO / "docs" / page
            assert doc.is_file(), f"{path}: docs/{page}"
            if section:
                headings = re.findall(r"^#+ (.+)$", doc.read_text(encoding="utf-8"), re.MULTILINE)
                assert " ".join(section.split()) in headings, f"{path}: {page} {section!r}"
            cited += 1
    assert cited >= 10
