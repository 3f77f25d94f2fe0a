"""Fixtures of the typed-source tests: the session anvil + deployment with a devnet IPFS store,
a funded client, and sources published with and without handler schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.world import network_from_deployment, with_ipfs
from typed_helpers import DEMO, ETH, demo_info

from ogpu.chain import Session
from ogpu.chain.networks import Network
from ogpu.client import publish_source
from ogpu.client.schemas import clear_cache
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.protocol import Source, vault


@pytest.fixture
def tnet(anvil: Any, deployment: Any, ipfs_store: IPFSStore) -> Network:
    return with_ipfs(network_from_deployment(deployment, anvil.url), ipfs_store.url)


@pytest.fixture
def ts(tnet: Network) -> Iterator[Session]:
    """A fresh session per test (nonce caches must not survive evm_revert)."""
    clear_cache()
    s = Session(tnet)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def client_key() -> str:
    return dev_key("client")


@pytest.fixture
def funded(ts: Session, client_key: str) -> int:
    vault.deposit(dev_account("client").address, ETH, signer=client_key, session=ts)
    return ETH


@pytest.fixture
def typed_source(ts: Session, funded: int, client_key: str) -> Source:
    """A source whose metadata declares the demo handlers."""
    return publish_source(demo_info(), client_key, session=ts, handlers=DEMO)


@pytest.fixture
def plain_source(ts: Session, funded: int, client_key: str) -> Source:
    """A source published the official way: no handler schemas."""
    return publish_source(demo_info(name="plain"), client_key, session=ts)
