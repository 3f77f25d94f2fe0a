"""Fixtures for the command-line tests.

The commands run in-process (``typer.testing.CliRunner``) with ``--network devnet``; the devnet
manifest is written for the session's anvil deployment and an in-process IPFS store, in a temporary
``OGPU_DEVNET_HOME`` (with or without the development keys). Chain state is reverted after every
test by the ogpu pytest plugin (the fixtures depend on ``deployment``).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Run, invoke
from support.world import devnet_home, network_from_deployment

from ogpu.chain import Session
from ogpu.devnet.ipfs_store import IPFSStore


@pytest.fixture(scope="session")
def cli_ipfs(ipfs_store: IPFSStore) -> IPFSStore:
    """The session's IPFS store (tests/conftest.py)."""
    return ipfs_store


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OGPU_NETWORK", "OGPU_RPC_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def cli_home(
    anvil: Any,
    deployment: Any,
    cli_ipfs: IPFSStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """``--network devnet`` = the test deployment, with the development keys (like a devnet)."""
    net = network_from_deployment(deployment, anvil.url, store_url=cli_ipfs.url)
    home = devnet_home(net, tmp_path / "devnet")
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(home))
    return home


@pytest.fixture
def bare_home(
    anvil: Any,
    deployment: Any,
    cli_ipfs: IPFSStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """``--network devnet`` = the test deployment, WITHOUT development keys."""
    net = network_from_deployment(deployment, anvil.url, store_url=cli_ipfs.url)
    home = devnet_home(net, tmp_path / "bare", keys=False)
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(home))
    return home


@pytest.fixture
def run(cli_home: Path) -> Run:
    """``run("vault", "balance")`` → the click Result (devnet with dev keys)."""
    return invoke


@pytest.fixture
def run_bare(bare_home: Path) -> Run:
    return invoke


@pytest.fixture
def chain(cli_home: Path, anvil: Any, deployment: Any, cli_ipfs: IPFSStore) -> Iterator[Session]:
    """A Session on the same deployment (to arrange state and check effects)."""
    s = Session(network_from_deployment(deployment, anvil.url, store_url=cli_ipfs.url))
    try:
        yield s
    finally:
        s.close()
