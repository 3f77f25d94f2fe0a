"""``ogpu demo`` end to end: a fresh devnet on free ports, every step, a non-zero exit on failure."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from ogpu.cli.demo import Demo
from ogpu.devnet import manager
from ogpu.devnet.node import free_port


@pytest.fixture
def demo_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "devnet"
    try:
        yield home
    finally:
        manager.down(home)


def _run(home: Path, timeout: float = 45.0) -> tuple[int, str]:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False, color_system=None)
    code = Demo(console, home, port=free_port(), ipfs_port=free_port(), timeout=timeout).run()
    return code, out.getvalue()


def test_demo_runs_every_step_and_pays_the_masters(demo_home: Path) -> None:
    code, text = _run(demo_home)
    assert code == 0, text
    for step in (
        "Funding the client's vault",
        "Publishing a source",
        "Publishing 6 tasks",
        "Confirming the response to 'review C (manual)'",
        "demo finished",
    ):
        assert step in text, text
    results = text[text.index("results") :]
    # every row of the results table names a result, a paying master and 0.0100 or 0.0080 OGPU
    rows = [line for line in results.splitlines() if line.startswith("│")]
    assert len(rows) == 6, results
    assert sum("0.0100" in r for r in rows) == 5
    manual = next(r for r in rows if "manual" in r)
    assert "0.0080" in manual and "0.0020" in manual  # 80% bid paid, the rest refunded
    assert re.search(r"positive \(\+0\.\d\d\)", results)
    assert "96x64 → 24x16 PNG" in results


def test_demo_exits_non_zero_when_tasks_are_not_answered(demo_home: Path) -> None:
    code, text = _run(demo_home, timeout=0.0)
    assert code == 1
    assert "demo failed" in text
    assert "still" in text
