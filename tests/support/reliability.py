"""Sizes and networks shared by the reliability tests (importable: conftest modules are not)."""

from __future__ import annotations

import os

from ogpu.chain import ContractAddresses, Network
from ogpu.devnet.deploy import Deployment

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
    return Network(
        name="reliability",
        chain_id=deployment.chain_id,
        rpc_url=rpc_url,
        addresses=ContractAddresses(
            nexus=deployment.nexus,
            controller=deployment.controller,
            terminal=deployment.terminal,
            vault=deployment.vault,
            manager=deployment.manager,
        ),
        pinning_url=f"{store_url}/file/create",
        gateway_url=store_url,
    )
