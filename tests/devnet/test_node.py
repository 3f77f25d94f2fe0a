"""The anvil launcher: start, readiness, busy port, missing binary, clean stop."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from ogpu.devnet.accounts import dev_account
from ogpu.devnet.node import (
    AnvilNode,
    AnvilNotFoundError,
    PortInUseError,
    find_anvil,
    pid_alive,
    rpc_call,
)


def test_find_anvil_prefers_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real = find_anvil()
    monkeypatch.setenv("OGPU_ANVIL", real)
    assert find_anvil() == real


def test_find_anvil_rejects_bad_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OGPU_ANVIL", str(tmp_path / "nope"))
    with pytest.raises(AnvilNotFoundError, match="OGPU_ANVIL"):
        find_anvil()


def test_start_answers_and_stops(tmp_path: Path) -> None:
    log = tmp_path / "anvil.log"
    node = AnvilNode.start(log_path=log, chain_id=4242)
    try:
        assert int(rpc_call(node.url, "eth_chainId"), 16) == 4242
        assert node.is_alive()
        pid = node.pid
        assert pid is not None
    finally:
        node.stop()
    assert not pid_alive(pid)
    assert not node.is_alive()
    node.stop()  # twice is fine
    assert log.exists()


def test_busy_port_is_a_clear_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"port {port} is already in use"):
            AnvilNode.start(port)


def test_block_time_mines_without_transactions(tmp_path: Path) -> None:
    import time

    with AnvilNode.start(block_time=0.2) as node:
        first = int(node.rpc("eth_blockNumber"), 16)
        time.sleep(0.7)
        assert int(node.rpc("eth_blockNumber"), 16) > first


def test_dev_accounts_are_the_accounts_anvil_funds() -> None:
    from ogpu.devnet.accounts import dev_accounts

    with AnvilNode.start() as node:
        funded = [a.lower() for a in node.rpc("eth_accounts")]
    assert [a.address.lower() for a in dev_accounts()] == funded


def test_a_long_chain_writes_no_state_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """anvil persists the states that leave its in-memory window under ``~/.foundry/anvil/tmp``
    and never removes them (a long soak left 17 GB there). The launcher keeps them in memory
    only: after a chain longer than the window, anvil's home holds no file."""
    monkeypatch.setenv("HOME", str(tmp_path))
    node = AnvilNode.start()
    try:
        for _ in range(3):
            rpc_call(node.url, "anvil_mine", [hex(400)])
        assert int(rpc_call(node.url, "eth_blockNumber"), 16) == 1200
        admin = dev_account("admin").address
        assert int(rpc_call(node.url, "eth_getBalance", [admin, "latest"]), 16) > 0
    finally:
        node.stop()
    written = [p for p in (tmp_path / ".foundry").rglob("*") if p.is_file()]
    assert written == []
