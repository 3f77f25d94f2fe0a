"""Fixtures of the typed-source tests: a session on the suite's store network (tests/conftest.py)
and sources published, by the ``funded`` client, with and without handler schemas."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typed_helpers import DEMO, demo_info

from ogpu.chain import Session
from ogpu.chain.networks import Network
from ogpu.client import publish_source
from ogpu.client.schemas import clear_cache
from ogpu.protocol import Source


@pytest.fixture
def ts(store_net: Network) -> Iterator[Session]:
    """A fresh session per test (nonce caches must not survive evm_revert)."""
    clear_cache()
    s = Session(store_net)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def typed_source(ts: Session, funded: int, client_key: str) -> Source:
    """A source whose metadata declares the demo handlers."""
    return publish_source(demo_info(), client_key, session=ts, handlers=DEMO)


@pytest.fixture
def plain_source(ts: Session, funded: int, client_key: str) -> Source:
    """A source published the official way: no handler schemas."""
    return publish_source(demo_info(name="plain"), client_key, session=ts)
