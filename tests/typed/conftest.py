"""Fixtures of the typed-source tests: the session anvil + deployment with a devnet IPFS store,
a funded client, and sources published with and without handler schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.ipfs_fixtures import with_ipfs
from support.world import network_from_deployment

from ogpu.chain import Session
from ogpu.chain.networks import Network
from ogpu.client import ImageEnvironments, SourceInfo, publish_source
from ogpu.client.schemas import clear_cache
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.protocol import Source, vault
from ogpu.types import DeliveryMethod

DEMO = "ogpu.devnet.demo_handlers"
ETH = 10**18


def demo_info(**changes: Any) -> SourceInfo:
    fields: dict[str, Any] = {
        "name": "typed demo",
        "description": "typed-source tests",
        "logoUrl": "https://example.com/logo.png",
        "imageEnvs": ImageEnvironments(cpu="https://example.com/compose.yml"),
        "minPayment": 10**15,
        "minAvailableLockup": 0,
        "maxExpiryDuration": 3600,
        "deliveryMethod": DeliveryMethod.FIRST_RESPONSE,
    }
    fields.update(changes)
    return SourceInfo(**fields)


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
