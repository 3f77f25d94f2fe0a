"""Fixtures for the job tests: sources served by in-process provider runtimes (demo handlers) on
the suite's store network (tests/conftest.py), and a journal file per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.world import ETH, World

from ogpu.jobs import Journal
from ogpu.protocol import Source
from ogpu.provider import ProviderRuntime
from ogpu.types import DeliveryMethod


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "jobs.sqlite3")
    try:
        yield j
    finally:
        j.close()


Providers = Callable[..., list[ProviderRuntime]]


@pytest.fixture
def serve(make_runtime: Callable[..., ProviderRuntime]) -> Providers:
    """``serve(source, names=("provider", "provider2"), *, handler=..., net=..., **config)``:
    started provider runtimes (already paired) serving ``source``, each with a 5 s drain and no
    expiry margin unless ``config`` says otherwise; stopped at teardown."""

    def factory(
        source: Source, names: tuple[str, ...] = ("provider", "provider2"), **config: Any
    ) -> list[ProviderRuntime]:
        config = {"drain_timeout": 5.0, "expiry_margin": 0, **config}
        return [make_runtime([source.address], name, **config) for name in names]

    return factory


@pytest.fixture
def make_source(store_world: World) -> Callable[..., Source]:
    """``make_source(delivery)``: both providers paired, the client funded with 100 OGPU, a
    source published (min payment 10**15 wei)."""

    def factory(delivery: DeliveryMethod = DeliveryMethod.FIRST_RESPONSE) -> Source:
        store_world.pair("provider", "master")
        store_world.pair("provider2", "master2")
        store_world.fund("client", 100 * ETH)
        return store_world.publish_source(delivery=delivery)

    return factory
