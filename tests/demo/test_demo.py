"""``ogpu demo`` end to end: a fresh devnet on free ports, every step, a non-zero exit on failure."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
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


_SCRIPT = Path(sys.executable).parent / "ogpu"
# the installed console script; its exact equivalent when the package is not installed
OGPU = (
    [str(_SCRIPT)]
    if _SCRIPT.exists()
    else [sys.executable, "-c", "from ogpu.cli.app import main; main()"]
)


def _ogpu_demo(home: Path, columns: int, port: int, ipfs_port: int) -> str:
    """The real ``ogpu demo`` command in a terminal ``columns`` wide; its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OGPU_")}
    env.update(OGPU_DEVNET_HOME=str(home), COLUMNS=str(columns), OGPU_NO_DOTENV="1")
    run = subprocess.run(
        [*OGPU, "demo", "--port", str(port), "--ipfs-port", str(ipfs_port), "--timeout", "60"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.mark.timeout(400)
def test_demo_output_fits_80_and_120_columns(demo_home: Path) -> None:
    port, ipfs_port = free_port(), free_port()
    for columns in (80, 120):
        text = _ogpu_demo(demo_home, columns, port, ipfs_port)
        lines = text.splitlines()
        assert max(len(line.rstrip()) for line in lines) <= columns, text
        for step in (
            "Funding the client's vault",
            "Publishing 6 tasks",
            "Confirming the response to 'review C (manual)'",
            "demo finished",
        ):
            assert step in " ".join(text.split()), text
        # the tasks table ends with its own line, then the attempted/answered note
        assert not re.search(r"[┘─]\s*▸", text) and "attempted by: the first provider" in text
        results = text[text.index("results") :]
        flat = " ".join(results.split())
        for header in ("answered by", "paid to", "paid OGPU", "refund"):
            assert header in flat, results
        assert "positi…" not in results and "(maste…" not in results  # nothing cut
        assert re.search(r"positive\s+(\S+\s+){0,5}\(\+0\.\d\d\)", results), results
        assert ("gas" in flat) is (columns >= 110)
        rows = [line for line in results.splitlines() if re.search(r"0x[0-9a-fA-F]{4}…", line)]
        assert len(rows) == 6, results
        assert sum(" 0.01 " in r for r in rows) == 5
        manual = next(r for r in rows if "0.008" in r)
        assert "0.002" in manual  # 80% bid paid, the rest refunded


def test_demo_exits_non_zero_when_tasks_are_not_answered(demo_home: Path) -> None:
    code, text = _run(demo_home, timeout=0.0)
    assert code == 1
    assert "demo failed" in text
    assert "still" in text
