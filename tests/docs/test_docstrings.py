"""Docstrings: examples either run (pytest collects ``--doctest-modules`` over ``ogpu``) or are
prose; comments and docstrings speak about the code, never the work process; and every
``docs/<page>.md, "Section"`` citation names a page and a heading that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _ours(folder: str) -> list[Path]:
    """The project's own Python under ``folder``: not a virtual environment or other hidden
    directory a tool made there (the benchmark's ``bench/.venv-official``), nor node_modules."""
    root = REPO / folder
    return sorted(
        p
        for p in root.rglob("*.py")
        if not any(
            part.startswith(".") or part == "node_modules" for part in p.relative_to(root).parts
        )
    )


#: Every module of the package.
MODULES = _ours("ogpu")
#: The Python of the tests, benchmarks and scripts: held to the same wording rules.
OTHER_SOURCES = [p for d in ("tests", "bench", "scripts") for p in _ours(d)]

_CITATION = re.compile(r"docs/([\w-]+\.md)(?:,\s*\"([^\"]+)\")?")
_SECTION_SIGN = "\u00a7"  # numbered sections of a document that is not in the repository
#: Work-process words: ticket numbers, who asked for what, to-dos pointing at tickets.
_PROCESS = re.compile(r"\bthe lead\b|\bissue\s*#?\d+|TODO\(issue|\bticket\s*#?\d+", re.IGNORECASE)


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def wording_problems(text: str) -> list[str]:
    """What a source file must not contain, by name (empty when clean)."""
    problems = []
    if _SECTION_SIGN in text:
        problems.append("section-sign citation")
    for m in _PROCESS.finditer(text):
        problems.append(f"work-process words {m.group(0)!r}")
    return problems


def example_problems(text: str) -> list[str]:
    """Docstring examples that do not run: skipped ones and commented-out pseudo-examples."""
    problems = []
    if re.search(r"doctest:.*\+SKIP", text):
        problems.append("a +SKIP example")
    for m in re.finditer(r"^\s*>>> #.*$", text, re.MULTILINE):
        problems.append(f"commented-out example {m.group(0).strip()!r}")
    return problems


def test_the_checks_catch_what_they_guard() -> None:
    # (the process words are split so that this file passes its own check)
    words = ", ".join(["issue" + " 12", "the" + " lead"])
    bad = f'"""\n>>> f()  # doctest: +SKIP\n>>> # g() -> 1\n(spec \u00a78.1, {words})\n"""'
    assert len(example_problems(bad)) == 2
    assert len(wording_problems(bad)) == 3
    good = '"""\n>>> f()  # the call\n1\n(docs/protocol.md, "Errors")\n"""'
    assert example_problems(good) == [] and wording_problems(good) == []


def test_every_package_module_is_checked() -> None:
    assert len(MODULES) > 100
    assert {p.parent.name for p in MODULES} >= {"chain", "client", "aio", "jobs", "devnet", "rpc"}


@pytest.mark.parametrize("path", MODULES, ids=_rel)
def test_package_examples_run_or_are_prose(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert example_problems(text) + wording_problems(text) == []


@pytest.mark.parametrize("path", OTHER_SOURCES, ids=_rel)
def test_tests_and_tools_cite_no_process(path: Path) -> None:
    assert wording_problems(path.read_text(encoding="utf-8")) == []


def test_doctests_are_collected_from_the_package() -> None:
    """``make test`` (plain ``pytest``) runs the package's docstring examples."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")  # no tomllib before 3.11
    section = text.split("[tool.pytest.ini_options]", 1)[1].split("\n[", 1)[0]
    settings = dict(re.findall(r"^(\w+)\s*=\s*(.+)$", section, re.MULTILINE))
    assert '"ogpu"' in settings["testpaths"]
    assert "--doctest-modules" in settings["addopts"].strip('"').split()


def test_citations_name_existing_pages_and_sections() -> None:
    cited = 0
    for path in MODULES:
        for page, section in _CITATION.findall(path.read_text(encoding="utf-8")):
            doc = REPO / "docs" / page
            assert doc.is_file(), f"{path}: docs/{page}"
            if section:
                headings = re.findall(r"^#+ (.+)$", doc.read_text(encoding="utf-8"), re.MULTILINE)
                assert " ".join(section.split()) in headings, f"{path}: {page} {section!r}"
            cited += 1
    assert cited >= 10
