"""Fixtures of the reliability suite: an IPFS store, client sessions (direct and through
a :class:`~faults.proxy.FaultProxy`), soak sizing, Hypothesis profiles and the closing summary.

Sizes: ``OGPU_SOAK_SIZE`` (default 200) sizes the ``soak``-marked runs (left out by `make test`);
the unmarked variants use a small fixed size so the normal suite stays fast.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from faults.stats import STATS
from hypothesis import HealthCheck, settings
from support.reliability import client_network

from ogpu.chain import Session
from ogpu.devnet.deploy import Deployment
from ogpu.devnet.ipfs_store import IPFSStore

settings.register_profile(
    "ogpu-reliability",
    max_examples=int(os.environ.get("OGPU_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

_started = time.monotonic()


@pytest.fixture(scope="session")
def store(ipfs_store: IPFSStore) -> IPFSStore:
    """The session's IPFS store (tests/conftest.py)."""
    return ipfs_store


@pytest.fixture
def direct(anvil: Any, deployment: Deployment, store: IPFSStore) -> Iterator[Session]:
    """A client session straight to the node (set-up and verification, no faults)."""
    s = Session(client_network(deployment, anvil.url, store.url))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="module")
def restartable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Deployment]]:
    """A node of its own that tests may restart (``--state`` dump/load), with the protocol
    deployed: ``(RestartableAnvil, Deployment)``. No per-test snapshots: tests use fresh objects."""
    from faults.node import RestartableAnvil
    from support.world import deploy_dev

    home = tmp_path_factory.mktemp("restartable")
    node = RestartableAnvil.start(home / "state.json", log_path=home / "anvil.log")
    try:
        yield node, deploy_dev(node.url)
    finally:
        node.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not (STATS.calls or STATS.fuzz_examples or STATS.events_checked):
        return
    terminalreporter.section("ogpu reliability summary")
    for line in STATS.lines():
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"session time: {time.monotonic() - _started:.1f} s")
