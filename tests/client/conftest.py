"""Fixtures for the client workflow tests, on top of the suite's client session ``cs`` and
``funded`` client (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from support.world import source_info

from ogpu.chain import Session
from ogpu.client import publish_source
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.protocol import Source, terminal


@pytest.fixture
def uploads(ipfs_store: IPFSStore) -> Callable[[], int]:
    """Number of objects the store holds (uploads are content-addressed: new content → +1)."""

    def count() -> int:
        return int(httpx.get(f"{ipfs_store.url}/health", timeout=5).json()["objects"])

    return count


@pytest.fixture
def source(cs: Session, funded: int, client_key: str) -> Source:
    """An ACTIVE MANUAL_CONFIRMATION source of the client, published through the client API."""
    return publish_source(source_info(), client_key, session=cs)


@pytest.fixture
def paired(cs: Session) -> tuple[str, str]:
    """``provider`` paired with ``master`` (the deployment's default agent acts for masters)."""
    provider, master = dev_account("provider"), dev_account("master")
    terminal.announce_master(master.address, signer=dev_key("provider"), session=cs)
    terminal.announce_provider(provider.address, 0, signer=dev_key("master"), session=cs)
    return provider.address, master.address
