"""Helpers of the typed-source tests (plain values and functions)."""

from __future__ import annotations

from typing import Any

from ogpu.client import ImageEnvironments, SourceInfo
from ogpu.types import DeliveryMethod

DEMO = "ogpu.devnet.demo_handlers"
ETH = 10**18


def demo_info(**changes: Any) -> SourceInfo:
    fields: dict[str, Any] = {
        "name": "typed demo",
        "description": "typed-source tests",
        "logoUrl": "https://example.com/logo.png",
        "imageEnvs": ImageEnvironments(cpu="https://example.com/compose.yml"),
        "minPayment": 10**15,
        "minAvailableLockup": 0,
        "maxExpiryDuration": 3600,
        "deliveryMethod": DeliveryMethod.FIRST_RESPONSE,
    }
    fields.update(changes)
    return SourceInfo(**fields)
