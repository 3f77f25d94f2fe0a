"""The committed artifacts match a fresh compile, and the loader returns them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from ogpu.chain.artifacts import CONTRACT_NAMES, available_artifacts, load_abi, load_artifact

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_committed_artifacts_match_a_fresh_compile() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot recompile the contracts")
    if not (REPO / "node_modules" / "solc").is_dir():
        pytest.skip("node_modules/solc missing: run `npm ci` to recompile the contracts")
    proc = subprocess.run(
        [node, "scripts/compile.js", "--check"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr


def test_every_protocol_contract_has_an_artifact() -> None:
    assert set(CONTRACT_NAMES) <= set(available_artifacts())
    for name in CONTRACT_NAMES:
        art = load_artifact(name)
        assert art.name == name
        assert art.bytecode.startswith("0x") and len(art.bytecode) > 100
        assert art.deployed_bytecode.startswith("0x") and len(art.deployed_bytecode) > 100
        # EIP-170 runtime size limit
        assert (len(art.deployed_bytecode) - 2) // 2 <= 24_576, name


def test_load_abi_is_cached_and_unknown_names_fail() -> None:
    assert load_abi("Nexus") is load_abi("Nexus")
    with pytest.raises(ValueError, match="no compiled artifact"):
        load_artifact("Nope")
