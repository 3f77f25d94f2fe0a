"""Static analysis: Slither finds nothing of High or Medium impact beyond the findings triaged in
docs/security.md. Skipped when Slither is not installed (it is not a project dependency: set
``SLITHER=/path/to/slither`` or put it on PATH; see tests/reliability/slither/run.sh)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "tests" / "reliability" / "slither" / "run.sh"

#: (detector, first element) of every High/Medium finding explained in docs/security.md
TRIAGED = {
    ("arbitrary-send-eth", "_send"),
    ("uninitialized-state", "sourcesOf"),
    ("reentrancy-no-eth", "publishSource"),
    ("uninitialized-local", "next"),
    ("unused-return", "attempt"),
    ("unused-return", "inactivateSource"),
    ("unused-return", "cancelTask"),
    ("unused-return", "setSourceStatus"),
    ("unused-return", "confirmResponse"),
    ("unused-return", "setResponseStatus"),
    ("unused-return", "register"),
    ("unused-return", "publishTask"),
}


def _slither() -> str | None:
    return os.environ.get("SLITHER") or shutil.which("slither")


@pytest.mark.slow
@pytest.mark.skipif(_slither() is None, reason="slither-analyzer is not installed (optional)")
@pytest.mark.skipif(shutil.which("node") is None, reason="node is needed for solc-js")
def test_slither_has_no_untriaged_high_or_medium_findings(tmp_path: Path) -> None:
    out = tmp_path / "slither.json"
    proc = subprocess.run(
        [str(RUN), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SLITHER": str(_slither())},
    )
    assert out.exists(), proc.stdout[-2000:] + proc.stderr[-2000:]
    report = json.loads(out.read_text())
    assert report["success"], report.get("error")
    found = {
        (r["check"], r["elements"][0]["name"])
        for r in report["results"]["detectors"]
        if r["impact"] in ("High", "Medium")
    }
    assert found - TRIAGED == set(), (
        f"new findings to triage in docs/security.md: {found - TRIAGED}"
    )
