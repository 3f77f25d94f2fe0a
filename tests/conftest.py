"""Fixtures shared by the whole suite.

The chain fixtures (``anvil``, ``w3``, ``deployment``, ``devnet`` and per-test snapshot/revert) come
from the ``ogpu.devnet.pytest_plugin``; these build SDK objects on top of them. Sessions are
function-scoped so nonce caches never outlive an ``evm_revert``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from support.world import ETH, RpcCounter, World, network_from_deployment

from ogpu.chain.networks import Network
from ogpu.chain.session import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.deploy import Deployment
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.devnet.node import AnvilNode
from ogpu.protocol import vault
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding

# Fail any test whose output reveals a private key (see tests/support/secrets_guard.py).
pytest_plugins = ["support.secrets_guard"]


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(
    file_path: Path, parent: pytest.Collector
) -> Generator[None, list[Any], list[Any]]:
    """``--doctest-modules`` is for the package: test modules and conftests have no doctests."""
    collected: list[Any] = yield
    return [c for c in collected if type(c).__name__ != "DoctestModule"]


ROLE_KEY_VARS = (
    "CLIENT_PRIVATE_KEY",
    "PROVIDER_PRIVATE_KEY",
    "MASTER_PRIVATE_KEY",
    "AGENT_PRIVATE_KEY",
)


@pytest.fixture(scope="session", autouse=True)
def _worker_devnet_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reaches the developer's ``~/.ogpu/devnet``: each session (each xdist worker) has a
    default devnet home of its own, which tests and fixtures may point elsewhere."""
    old = os.environ.get("OGPU_DEVNET_HOME")
    os.environ["OGPU_DEVNET_HOME"] = str(tmp_path_factory.mktemp("default-devnet-home"))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("OGPU_DEVNET_HOME", None)
        else:
            os.environ["OGPU_DEVNET_HOME"] = old


@pytest.fixture(autouse=True)
def _no_role_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Role keys in the developer's environment must not change what a test signs with."""
    for var in ROLE_KEY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def ipfs_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IPFSStore]:
    """One devnet IPFS store (free port) for the test session."""
    store = IPFSStore(tmp_path_factory.mktemp("ipfs-store"))
    store.start()
    try:
        yield store
    finally:
        store.stop()


@pytest.fixture
def network(anvil: AnvilNode, deployment: Deployment) -> Network:
    """The devnet network of the test session's deployment."""
    return network_from_deployment(deployment, anvil.url)


def _session(network: Network) -> Iterator[Session]:
    s = Session(network)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def session(network: Network) -> Iterator[Session]:
    """A fresh Session per test."""
    yield from _session(network)


@pytest.fixture
def store_net(anvil: AnvilNode, deployment: Deployment, ipfs_store: IPFSStore) -> Network:
    """The devnet network of the test deployment, pinning to and reading from the IPFS store."""
    return network_from_deployment(deployment, anvil.url, store_url=ipfs_store.url)


@pytest.fixture
def store_session(store_net: Network) -> Iterator[Session]:
    """A fresh Session per test on :func:`store_net`."""
    yield from _session(store_net)


@pytest.fixture
def store_world(store_session: Session) -> World:
    """Scenario steps on :func:`store_net`."""
    return World(store_session)


@pytest.fixture
def client_net(anvil: AnvilNode, deployment: Deployment, ipfs_store: IPFSStore) -> Network:
    """A client's view of the test deployment and the IPFS store: no dev keys to fall back on."""
    return network_from_deployment(deployment, anvil.url, store_url=ipfs_store.url, dev_keys=False)


@pytest.fixture
def cs(client_net: Network) -> Iterator[Session]:
    """A fresh client Session per test on :func:`client_net`."""
    yield from _session(client_net)


@pytest.fixture
def client_key() -> str:
    return dev_key("client")


@pytest.fixture
def client_addr() -> str:
    return dev_account("client").address


@pytest.fixture
def funded(cs: Session, client_addr: str, client_key: str) -> int:
    """The client holds 1 OGPU in the Vault; returns the amount."""
    vault.deposit(client_addr, ETH, signer=client_key, session=cs)
    return ETH


RuntimeFactory = Callable[..., ProviderRuntime]
MASTERS = {"provider": "master", "provider2": "master2"}


@pytest.fixture
def make_runtime(store_net: Network, tmp_path: Path) -> Iterator[RuntimeFactory]:
    """``make_runtime(sources, provider="provider", *, start=True, handler=<demo handlers>,
    net=store_net, **config)``: a provider runtime on a Session of its own, paired with the
    provider's dev master, its state in ``tmp_path/state-<provider>`` unless ``state_dir`` is
    given; stopped at teardown."""
    made: list[tuple[ProviderRuntime, Session]] = []

    def factory(
        sources: list[str] | list[SourceBinding],
        provider: str = "provider",
        *,
        start: bool = True,
        handler: str = "ogpu.devnet.demo_handlers",
        net: Network | None = None,
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
        session = Session(net or store_net)
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


@pytest.fixture
def rpc_counter(session: Session, monkeypatch: pytest.MonkeyPatch) -> RpcCounter:
    """Wraps the session's JSON-RPC transport (one HTTP post) to count round trips."""
    import json

    counter = RpcCounter()
    client: Any = session.rpc_client
    post: Callable[[bytes], bytes] = client.post

    def counted(body: bytes) -> bytes:
        counter.round_trips += 1
        payload = json.loads(body)
        items = payload if isinstance(payload, list) else [payload]
        counter.methods.append([item["method"] for item in items])
        return post(body)

    monkeypatch.setattr(client, "post", counted)
    return counter


@pytest.fixture
def world(session: Session) -> World:
    """Scenario steps on the test deployment."""
    return World(session)
