"""Helpers shared by the client tests (plain functions, no fixtures)."""

from __future__ import annotations

from typing import Any

from ogpu.chain import ContractAddresses, Network, Session
from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput
from ogpu.devnet.accounts import DEV_ROLES, dev_key

ETH = 10**18
COMPOSE = "https://example.com/compose.yml"


def make_network(
    deployment: Any, rpc_url: str, store_url: str, *, dev_keys: bool = False
) -> Network:
    """A network for ``deployment`` with the store as pinning service and gateway."""
    return Network(
        name="devnet" if dev_keys else "client-test",
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
        dev_keys={role: dev_key(role) for role in DEV_ROLES} if dev_keys else None,
    )


def source_info(**changes: Any) -> SourceInfo:
    """A valid SourceInfo (CPU) with ``changes`` applied."""
    fields: dict[str, Any] = {
        "name": "sentiment",
        "description": "client tests",
        "logoUrl": "https://example.com/logo.png",
        "imageEnvs": ImageEnvironments(cpu=COMPOSE),
        "minPayment": 10**15,
        "minAvailableLockup": 0,
        "maxExpiryDuration": 3600,
    }
    fields.update(changes)
    return SourceInfo(**fields)


def now(cs: Session) -> int:
    return cs.timestamp("latest")


def task_info(source: Any, cs: Session, **changes: Any) -> TaskInfo:
    fields: dict[str, Any] = {
        "source": getattr(source, "address", source),
        "config": TaskInput("analyze", {"text": "great"}, priority=1),
        "expiryTime": now(cs) + 600,
        "payment": 10**16,
    }
    fields.update(changes)
    return TaskInfo(**fields)
