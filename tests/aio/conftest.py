"""Fixtures of the ``ogpu.aio`` tests: one event loop per test, an AsyncSession on the suite's
client network (tests/conftest.py), and the two twins of the client workflows behind one
interface (``twin``) so that the behaviour tests run for both."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from aio_helpers import Twin
from support.world import source_info

from ogpu import aio, client
from ogpu.chain import Network, Session


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    lp = asyncio.new_event_loop()
    try:
        yield lp
    finally:
        lp.close()


@pytest.fixture
def acs(client_net: Network, loop: asyncio.AbstractEventLoop) -> Iterator[aio.AsyncSession]:
    s = aio.AsyncSession(client_net)
    try:
        yield s
    finally:
        loop.run_until_complete(s.aclose())


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
