"""Fixtures for the job tests: the session anvil + deployment with the devnet IPFS store, a
funded client, a source served by two in-process provider runtimes (demo handlers), and a
journal file per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.world import World, network_from_deployment, with_ipfs

from ogpu.chain.networks import Network
from ogpu.chain.session import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.jobs import Journal
from ogpu.protocol import Source
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding
from ogpu.types import DeliveryMethod

DEMO = "ogpu.devnet.demo_handlers"
MASTERS = {"provider": "master", "provider2": "master2"}
ETHER = 10**18


@pytest.fixture
def jnet(anvil: Any, deployment: Any, ipfs_store: IPFSStore) -> Network:
    return with_ipfs(network_from_deployment(deployment, anvil.url), ipfs_store.url)


@pytest.fixture
def jsession(jnet: Network) -> Iterator[Session]:
    s = Session(jnet)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def jworld(jsession: Session) -> World:
    return World(jsession)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "jobs.sqlite3")
    try:
        yield j
    finally:
        j.close()


Providers = Callable[..., list[ProviderRuntime]]


@pytest.fixture
def serve(jnet: Network, tmp_path: Path) -> Iterator[Providers]:
    """``serve(source, names=("provider", "provider2"), handler=DEMO, **config)``: started
    provider runtimes (already paired) serving ``source`` (on ``net``, default the test
    deployment); stopped at teardown."""
    made: list[tuple[ProviderRuntime, Session]] = []

    def factory(
        source: Source,
        names: tuple[str, ...] = ("provider", "provider2"),
        *,
        handler: str = DEMO,
        net: Network | None = None,
        **config: Any,
    ) -> list[ProviderRuntime]:
        out = []
        for name in names:
            cfg = dict(config)
            cfg.setdefault("master", dev_account(MASTERS[name]).address)
            cfg.setdefault("state_dir", tmp_path / f"state-{name}")
            cfg.setdefault("live_data_interval", 0)
            cfg.setdefault("drain_timeout", 5.0)
            cfg.setdefault("retry_backoff", 0.05)
            cfg.setdefault("expiry_margin", 0)
            session = Session(net or jnet)
            rt = ProviderRuntime(
                ProviderConfig(
                    provider=dev_key(name), sources=[SourceBinding(source.address, handler)], **cfg
                ),
                session=session,
            )
            made.append((rt, session))
            rt.start()
            out.append(rt)
        return out

    yield factory
    for rt, session in made:
        rt.stop(drain_timeout=5)
        session.close()


@pytest.fixture
def make_source(jworld: World) -> Callable[..., Source]:
    """``make_source(delivery)``: both providers paired, the client funded with 100 OGPU, a
    source published (min payment 10**15 wei)."""

    def factory(delivery: DeliveryMethod = DeliveryMethod.FIRST_RESPONSE) -> Source:
        jworld.pair("provider", "master")
        jworld.pair("provider2", "master2")
        jworld.fund("client", 100 * ETHER)
        return jworld.publish_source(delivery=delivery)

    return factory
