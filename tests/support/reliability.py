"""Sizes and networks shared by the reliability tests (importable: conftest modules are not)."""

from __future__ import annotations

import os

from ogpu.chain import ContractAddresses, Network
from ogpu.devnet.deploy import Deployment

SMALL_SIZE = 60


def soak_size(default: int = 500) -> int:
    """The size of the soak-marked runs (``OGPU_SOAK_SIZE``)."""
    return int(os.environ.get("OGPU_SOAK_SIZE", str(default)))


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
