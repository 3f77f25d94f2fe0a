"""Sizes and networks shared by the reliability tests (importable: conftest modules are not)."""

from __future__ import annotations

import os

from ogpu.chain import Network
from ogpu.devnet.deploy import Deployment
from support.world import network_from_deployment

SMALL_SIZE = 60


#: Size of the soak-marked runs when ``OGPU_SOAK_SIZE`` is not set (``.ci/run`` sets it).
SOAK_SIZE = 200


def soak_size() -> int:
    """The size of the soak-marked runs: ``OGPU_SOAK_SIZE`` (a positive integer) or SOAK_SIZE."""
    raw = os.environ.get("OGPU_SOAK_SIZE", "").strip() or str(SOAK_SIZE)
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"OGPU_SOAK_SIZE must be a positive integer, not {raw!r}")
    return int(raw)


def client_network(deployment: Deployment, rpc_url: str, store_url: str) -> Network:
    """A network on ``deployment`` reached at ``rpc_url`` with the store as pinning + gateway."""
    return network_from_deployment(
        deployment, rpc_url, store_url=store_url, dev_keys=False, name="reliability"
    )
