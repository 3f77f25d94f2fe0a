"""Helpers shared by the client tests (plain functions, no fixtures)."""

from __future__ import annotations

from typing import Any

from support.world import network_from_deployment

from ogpu.chain import Network, Session
from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput

ETH = 10**18
COMPOSE = "https://example.com/compose.yml"


def make_network(
    deployment: Any, rpc_url: str, store_url: str, *, dev_keys: bool = False
) -> Network:
    """A network for ``deployment`` with the store as pinning service and gateway."""
    return network_from_deployment(deployment, rpc_url, store_url=store_url, dev_keys=dev_keys)


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
