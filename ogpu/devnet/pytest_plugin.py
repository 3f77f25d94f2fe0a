"""pytest fixtures for testing against a real local OpenGPU network.

Installed with the package (entry point ``pytest11``), so any project can use them:

- ``anvil``: one anvil node for the whole test session (free port, log in a temporary directory);
- ``w3``: a web3 connection to it (needs web3: the ``web3`` extra, which ``dev`` includes);
- ``deployment``: the protocol deployed once per session (addresses in a ``Deployment``);
- ``devnet``: the full local network of ``ogpu devnet up`` (anvil, deployed and seeded protocol,
  IPFS store, manifest) on free ports in a temporary home, started once per session; it yields a
  :class:`~ogpu.devnet.manager.DevnetInfo`. While a test that uses it runs, ``OGPU_DEVNET_HOME``
  points at that home, so ``network="devnet"`` finds it. It is a separate node from ``anvil``:
  its provider is already paired and its client funded, which tests of the bare deployment must
  not see; a doctest of the ``ogpu`` package that names ``devnet`` gets it in its namespace;
- every test that uses a node runs inside ``evm_snapshot``/``evm_revert`` and leaves an empty
  transaction pool, so tests share one deployment without seeing each other's state.

Under pytest-xdist every worker is its own session: its own nodes, IPFS store and devnet, on free
ports, in the worker's temporary directory.

Example::

    def test_nexus_is_deployed(anvil, deployment):
        assert Session(anvil.url).rpc("eth_getCode", [deployment.nexus, "latest"]) != "0x"
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    from web3 import Web3

    from ogpu.devnet.deploy import Deployment
    from ogpu.devnet.manager import DevnetInfo
    from ogpu.devnet.node import AnvilNode

_CHAIN_FIXTURES = frozenset({"anvil", "w3", "deployment"})


#: Attempts to start a service on fresh free ports (another xdist worker may take a port between
#: the moment the OS offers it and the moment the service binds it).
_PORT_ATTEMPTS = 3
_T = TypeVar("_T")


def _on_free_ports(start: Callable[[], _T], busy: type[Exception]) -> _T:
    """``start()``, again (on new free ports) when it fails with ``busy``."""
    for _ in range(_PORT_ATTEMPTS - 1):
        with contextlib.suppress(busy):
            return start()
    return start()


@pytest.fixture(scope="session")
def anvil(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AnvilNode]:
    """A fresh anvil node for the test session, stopped at the end."""
    from ogpu.devnet.errors import DevnetError
    from ogpu.devnet.node import AnvilNode

    log: Path = tmp_path_factory.mktemp("anvil") / "anvil.log"
    node = _on_free_ports(lambda: AnvilNode.start(log_path=log), DevnetError)
    try:
        yield node
    finally:
        node.stop()


@pytest.fixture(scope="session")
def w3(anvil: AnvilNode) -> Web3:
    """A web3 HTTP connection to the session's anvil node."""
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(anvil.url, cache_allowed_requests=True))


@pytest.fixture(scope="session")
def deployment(anvil: AnvilNode) -> Deployment:
    """The OpenGPU protocol deployed once on the session's node, with the development roles."""
    from ogpu.devnet.accounts import dev_account
    from ogpu.devnet.deploy import deploy_protocol

    return deploy_protocol(
        anvil.url,
        dev_account("admin").account,
        judge=dev_account("judge").address,
        default_agent=dev_account("agent").address,
    )


@pytest.fixture(scope="session")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevnetInfo]:
    """The whole devnet (``ogpu devnet up``) on free ports in a temporary home, for the session.

    Example::

        def test_client_is_funded(devnet):
            assert devnet.manifest["accounts"]["client"]
            assert devnet.addresses["vault"]
    """
    from ogpu.devnet import manager
    from ogpu.devnet.node import free_port

    home = tmp_path_factory.mktemp("devnet")

    def up() -> DevnetInfo:
        port = free_port()
        ipfs_port = free_port()
        while ipfs_port == port:
            ipfs_port = free_port()
        return manager.up(home, port=port, ipfs_port=ipfs_port)

    info = _on_free_ports(up, manager.DevnetPortInUseError)
    try:
        yield info
    finally:
        manager.down(home, supervisor=info.supervisor)


def _doctest_wants_devnet(request: pytest.FixtureRequest) -> bool:
    """A doctest of the ``ogpu`` package whose examples use the name ``devnet``."""
    dtest = getattr(request.node, "dtest", None)
    if dtest is None or str(dtest.name).split(".")[0] != "ogpu":
        return False
    return any("devnet" in ex.source.replace("ogpu.devnet", "") for ex in dtest.examples)


@pytest.fixture(autouse=True)
def _ogpu_chain_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Snapshot each chain a test uses (session ``anvil``, ``devnet``), revert it afterwards and
    empty its transaction pool; set ``OGPU_DEVNET_HOME`` for the ``devnet`` (see the module docs)."""
    from ogpu.devnet.node import rpc_call

    urls: list[str] = []
    if _CHAIN_FIXTURES.intersection(request.fixturenames):
        node: Any = request.getfixturevalue("anvil")
        if "deployment" in request.fixturenames:
            request.getfixturevalue("deployment")  # deploy before the snapshot, once per session
        urls.append(node.url)
    doctest = _doctest_wants_devnet(request)
    if doctest or "devnet" in request.fixturenames:
        info: Any = request.getfixturevalue("devnet")
        if doctest:
            request.getfixturevalue("doctest_namespace")["devnet"] = info
        urls.append(info.rpc_url)
        request.getfixturevalue("monkeypatch").setenv("OGPU_DEVNET_HOME", str(info.home))
    snaps = [(url, rpc_call(url, "evm_snapshot")) for url in urls]
    try:
        yield
    finally:
        for url, snap in reversed(snaps):
            rpc_call(url, "evm_revert", [snap])
            # a reverted chain keeps its pool: a transaction queued behind a nonce gap would
            # wait there and be mined into a later test once that gap fills
            rpc_call(url, "anvil_dropAllTransactions")
