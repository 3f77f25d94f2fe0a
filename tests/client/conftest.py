"""Fixtures for the client workflow tests: anvil + deployment (ogpu pytest plugin), a devnet IPFS
store on a free port, and a Session whose network points at both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from client_helpers import ETH, make_network, source_info

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.protocol import Source, terminal, vault


@pytest.fixture
def cs(anvil: Any, deployment: Any, ipfs_store: IPFSStore) -> Iterator[Session]:
    """A fresh client Session per test (nonce caches must not survive evm_revert); no dev keys."""
    s = Session(make_network(deployment, anvil.url, ipfs_store.url))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def uploads(ipfs_store: IPFSStore) -> Callable[[], int]:
    """Number of objects the store holds (uploads are content-addressed: new content → +1)."""

    def count() -> int:
        return int(httpx.get(f"{ipfs_store.url}/health", timeout=5).json()["objects"])

    return count


@pytest.fixture
def client_key() -> str:
    return dev_key("client")


@pytest.fixture
def client_addr() -> str:
    return dev_account("client").address


@pytest.fixture
def funded(cs: Session, client_addr: str, client_key: str) -> int:
    """The client holds 1 OGPU in the Vault; returns the amount."""
    vault.deposit(client_addr, ETH, signer=client_key, session=cs)
    return ETH


@pytest.fixture
def source(cs: Session, funded: int, client_key: str) -> Source:
    """An ACTIVE MANUAL_CONFIRMATION source of the client, published through the client API."""
    from ogpu.client import publish_source

    return publish_source(source_info(), client_key, session=cs)


@pytest.fixture
def paired(cs: Session) -> tuple[str, str]:
    """``provider`` paired with ``master`` (the deployment's default agent acts for masters)."""
    provider, master = dev_account("provider"), dev_account("master")
    terminal.announce_master(master.address, signer=dev_key("provider"), session=cs)
    terminal.announce_provider(provider.address, 0, signer=dev_key("master"), session=cs)
    return provider.address, master.address
