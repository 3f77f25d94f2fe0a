"""Helpers of the typed-source tests (plain values and functions)."""

from __future__ import annotations

from typing import Any

from support.world import source_info

from ogpu.client import SourceInfo
from ogpu.types import DeliveryMethod

DEMO = "ogpu.devnet.demo_handlers"


def demo_info(**changes: Any) -> SourceInfo:
    """A FIRST_RESPONSE source for the demo handlers, with ``changes``."""
    return source_info(
        **{"name": "typed demo", "deliveryMethod": DeliveryMethod.FIRST_RESPONSE, **changes}
    )
