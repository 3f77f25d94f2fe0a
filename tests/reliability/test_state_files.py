"""State files are written atomically and durably (fsync of the file and its directory); the
devnet's logs are private to their owner."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from ogpu.devnet.node import AnvilNode
from ogpu.files import atomic_write, open_log
from ogpu.provider.state import ProviderState

NEXUS = "0x" + "22" * 20
PROVIDER = "0x" + "33" * 20


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record what each real ``os.fsync`` call synced: ``"file"`` or ``"dir"``."""
    seen: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        seen.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return seen


def test_atomic_write_replaces_whole_and_syncs_file_then_directory(
    tmp_path: Path, fsyncs: list[str]
) -> None:
    path = tmp_path / "sub" / "state.json"
    atomic_write(path, b"one")
    atomic_write(path, "two")
    assert path.read_text() == "two"
    assert fsyncs == ["file", "dir", "file", "dir"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    atomic_write(path, b"old")

    def fail(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(path, b"new")
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_the_provider_state_is_synced(tmp_path: Path, fsyncs: list[str]) -> None:
    st = ProviderState.load(tmp_path, PROVIDER, chain_id=31337, nexus=NEXUS)
    st.finish("0x" + "44" * 20, "responded")
    assert fsyncs[-2:] == ["file", "dir"]
    again = ProviderState.load(tmp_path, PROVIDER, chain_id=31337, nexus=NEXUS)
    assert again.outcome("0x" + "44" * 20) == "responded"


def test_the_devnet_manifest_is_synced(tmp_path: Path, fsyncs: list[str]) -> None:
    from ogpu.devnet.manifest import MANIFEST_NAME, write_manifest

    write_manifest(tmp_path, {"chain_id": 1})
    assert fsyncs == ["file", "dir"]
    assert stat.S_IMODE((tmp_path / MANIFEST_NAME).stat().st_mode) == 0o600


def test_the_ipfs_store_blocks_are_synced(tmp_path: Path, fsyncs: list[str]) -> None:
    from ogpu.devnet.ipfs_store import BlobStore

    BlobStore(tmp_path).put(b"hello", "a.txt", "text/plain")
    assert "dir" in fsyncs and "file" in fsyncs


def test_open_log_creates_owner_only_files_and_tightens_old_ones(tmp_path: Path) -> None:
    fresh = tmp_path / "logs" / "new.log"
    with open_log(fresh) as f:
        f.write(b"x")
    old = tmp_path / "logs" / "old.log"
    old.write_bytes(b"a")
    old.chmod(0o644)
    with open_log(old) as f:
        f.write(b"b")
    assert old.read_bytes() == b"ab"
    for p in (fresh, old):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600


def test_the_anvil_log_is_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        node: Any = AnvilNode.start(log_path=tmp_path / "logs" / "anvil.log")
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE((tmp_path / "logs" / "anvil.log").stat().st_mode) == 0o600
    finally:
        node.stop()
