"""Fixtures for the provider runtime tests: the session anvil + deployment, a devnet IPFS store,
sessions pointing at both, and a factory of started runtimes (stopped at teardown)."""

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
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding

DEMO = "ogpu.devnet.demo_handlers"
MASTERS = {"provider": "master", "provider2": "master2"}


@pytest.fixture
def pnet(anvil: Any, deployment: Any, ipfs_store: IPFSStore) -> Network:
    return with_ipfs(network_from_deployment(deployment, anvil.url), ipfs_store.url)


@pytest.fixture
def psession(pnet: Network) -> Iterator[Session]:
    s = Session(pnet)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def pworld(psession: Session) -> World:
    return World(psession)


RuntimeFactory = Callable[..., ProviderRuntime]


@pytest.fixture
def make_runtime(pnet: Network, tmp_path: Path) -> Iterator[RuntimeFactory]:
    """``make_runtime(sources, provider="provider", start=True, **config)`` → a runtime on its own
    Session (state in ``tmp_path/state-<provider>`` unless ``state_dir`` is given)."""
    made: list[tuple[ProviderRuntime, Session]] = []

    def factory(
        sources: list[str] | list[SourceBinding],
        provider: str = "provider",
        *,
        start: bool = True,
        handler: str = DEMO,
        **config: Any,
    ) -> ProviderRuntime:
        bindings = [
            s if isinstance(s, SourceBinding) else SourceBinding(s, handler) for s in sources
        ]
        config.setdefault("master", dev_account(MASTERS[provider]).address)
        config.setdefault("state_dir", tmp_path / f"state-{provider}")
        config.setdefault("live_data_interval", 0)
        config.setdefault("drain_timeout", 10.0)
        config.setdefault("retry_backoff", 0.05)
        session = Session(pnet)
        rt = ProviderRuntime(
            ProviderConfig(provider=dev_key(provider), sources=bindings, **config), session=session
        )
        made.append((rt, session))
        if start:
            rt.start()
        return rt

    yield factory
    for rt, session in made:
        rt.stop(drain_timeout=5)
        session.close()
