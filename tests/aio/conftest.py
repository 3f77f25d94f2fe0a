"""Fixtures of the ``ogpu.aio`` tests: a network on the session anvil + deployment with the devnet
IPFS store, one event loop per test, and the two twins of the client workflows behind one
interface (``twin``) so that the behaviour tests run for both."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from support.world import network_from_deployment

from ogpu import aio, client
from ogpu.chain import Network, Session
from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.protocol import vault

ETH = 10**18


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


def source_info(**changes: Any) -> SourceInfo:
    fields: dict[str, Any] = {
        "name": "aio",
        "description": "aio tests",
        "logoUrl": "",
        "imageEnvs": ImageEnvironments(cpu="https://example.com/compose.yml"),
        "minPayment": 10**15,
        "minAvailableLockup": 0,
        "maxExpiryDuration": 3600,
    }
    fields.update(changes)
    return SourceInfo(**fields)


def task_info(source: Any, cs: Session, **changes: Any) -> TaskInfo:
    fields: dict[str, Any] = {
        "source": getattr(source, "address", source),
        "config": TaskInput("analyze", {"text": "great"}),
        "expiryTime": cs.timestamp("latest") + 600,
        "payment": 10**16,
    }
    fields.update(changes)
    return TaskInfo(**fields)


class Twin:
    """One client surface: ``call(name, ...)`` runs ``ogpu.client.name`` (sync) or awaits
    ``ogpu.aio.name`` on the test's loop; live objects come back as the synchronous object."""

    def __init__(
        self, kind: str, cs: Session, acs: aio.AsyncSession, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.kind, self.cs, self.acs, self.loop = kind, cs, acs, loop

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "sync":
            fn: Callable[..., Any] = getattr(client, name)
            return self.plain(fn(*args, session=self.cs, **kwargs))
        return self.plain(self.run(getattr(aio, name)(*args, session=self.acs, **kwargs)))

    def wait(self, pending: Any, timeout: float = 30) -> Any:
        if self.kind == "sync":
            return self.plain(pending.wait(timeout))
        return self.plain(self.run(pending.wait(timeout)))

    @staticmethod
    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [Twin.plain(v) for v in value]
        return value.sync if isinstance(value, aio.AsyncObject) else value


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
