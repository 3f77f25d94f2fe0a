"""Fixtures of the ``ogpu.aio`` tests: a network on the session anvil + deployment with the devnet
IPFS store, one event loop per test, and the two twins of the client workflows behind one
interface (``twin``) so that the behaviour tests run for both."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aio_helpers import ETH, Twin, source_info
from support.world import network_from_deployment

from ogpu import aio, client
from ogpu.chain import Network, Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.protocol import vault


@pytest.fixture
def net(anvil: Any, deployment: Any, ipfs_store: IPFSStore) -> Network:
    return network_from_deployment(deployment, anvil.url, store_url=ipfs_store.url, dev_keys=False)


@pytest.fixture
def cs(net: Network) -> Iterator[Session]:
    """A synchronous session for set-up and checks (fresh per test: the chain is reverted)."""
    s = Session(net)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    lp = asyncio.new_event_loop()
    try:
        yield lp
    finally:
        lp.close()


@pytest.fixture
def acs(net: Network, loop: asyncio.AbstractEventLoop) -> Iterator[aio.AsyncSession]:
    s = aio.AsyncSession(net)
    try:
        yield s
    finally:
        loop.run_until_complete(s.aclose())


@pytest.fixture
def client_key() -> str:
    return dev_key("client")


@pytest.fixture
def client_addr() -> str:
    return dev_account("client").address


@pytest.fixture
def funded(cs: Session, client_addr: str, client_key: str) -> int:
    vault.deposit(client_addr, ETH, signer=client_key, session=cs)
    return ETH


@pytest.fixture(params=["sync", "async"])
def twin(
    request: pytest.FixtureRequest,
    cs: Session,
    acs: aio.AsyncSession,
    loop: asyncio.AbstractEventLoop,
) -> Twin:
    return Twin(request.param, cs, acs, loop)


@pytest.fixture
def source(cs: Session, funded: int, client_key: str) -> Any:
    return client.publish_source(source_info(), client_key, session=cs)
