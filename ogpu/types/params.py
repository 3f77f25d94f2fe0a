"""Mirrors of the protocol structs and read-only snapshots of protocol objects (pure data).

Struct field names follow the Solidity structs (camelCase, as in the official SDK);
``to_tuple()``/``from_tuple()`` use the ABI tuple order.

>>> p = TaskParams(source="0x" + "11" * 20, config="ipfs://x", expiryTime=100, payment=5)
>>> TaskParams.from_tuple(p.to_tuple()) == p
True
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ogpu.types.enums import DeliveryMethod, ResponseStatus, SourceStatus, TaskStatus

__all__ = [
    "MasterSnapshot",
    "ProviderSnapshot",
    "ResponseParams",
    "ResponseSnapshot",
    "SourceParams",
    "SourceSnapshot",
    "TaskParams",
    "TaskSnapshot",
]


def _seq(value: Sequence[Any] | Mapping[str, Any], names: Sequence[str]) -> list[Any]:
    if isinstance(value, Mapping):
        return [value[n] for n in names]
    items = list(value)
    if len(items) != len(names):
        raise ValueError(f"expected a tuple of {len(names)} values, got {len(items)}")
    return items


@dataclass(frozen=True)
class SourceParams:
    """``struct SourceParams`` of the protocol (``contracts/src``)."""

    client: str
    imageMetadataUrl: str
    imageEnvironments: int
    minPayment: int
    minAvailableLockup: int
    maxExpiryDuration: int
    privacyEnabled: bool = False
    optionalParamsUrl: str = ""
    deliveryMethod: int = int(DeliveryMethod.MANUAL_CONFIRMATION)
    lastUpdateTime: int = field(default_factory=lambda: int(time.time()))

    _FIELDS = (
        "client",
        "imageMetadataUrl",
        "imageEnvironments",
        "minPayment",
        "minAvailableLockup",
        "maxExpiryDuration",
        "privacyEnabled",
        "optionalParamsUrl",
        "deliveryMethod",
        "lastUpdateTime",
    )

    def to_tuple(self) -> tuple[Any, ...]:
        """ABI tuple (field order of the Solidity struct)."""
        return (
            self.client,
            self.imageMetadataUrl,
            int(self.imageEnvironments),
            int(self.minPayment),
            int(self.minAvailableLockup),
            int(self.maxExpiryDuration),
            bool(self.privacyEnabled),
            self.optionalParamsUrl,
            int(self.deliveryMethod),
            int(self.lastUpdateTime),
        )

    @classmethod
    def from_tuple(cls, value: Sequence[Any] | Mapping[str, Any]) -> SourceParams:
        """Build from an ABI tuple (or a mapping keyed by field name)."""
        v = _seq(value, cls._FIELDS)
        return cls(
            client=str(v[0]),
            imageMetadataUrl=str(v[1]),
            imageEnvironments=int(v[2]),
            minPayment=int(v[3]),
            minAvailableLockup=int(v[4]),
            maxExpiryDuration=int(v[5]),
            privacyEnabled=bool(v[6]),
            optionalParamsUrl=str(v[7]),
            deliveryMethod=int(v[8]),
            lastUpdateTime=int(v[9]),
        )


@dataclass(frozen=True)
class TaskParams:
    """``struct TaskParams`` of the protocol (``contracts/src``)."""

    source: str
    config: str
    expiryTime: int
    payment: int

    _FIELDS = ("source", "config", "expiryTime", "payment")

    def to_tuple(self) -> tuple[Any, ...]:
        """ABI tuple (field order of the Solidity struct)."""
        return (self.source, self.config, int(self.expiryTime), int(self.payment))

    @classmethod
    def from_tuple(cls, value: Sequence[Any] | Mapping[str, Any]) -> TaskParams:
        """Build from an ABI tuple (or a mapping keyed by field name)."""
        v = _seq(value, cls._FIELDS)
        return cls(source=str(v[0]), config=str(v[1]), expiryTime=int(v[2]), payment=int(v[3]))


@dataclass(frozen=True)
class ResponseParams:
    """``struct ResponseParams`` of the protocol (``contracts/src``)."""

    task: str
    provider: str
    data: str
    payment: int

    _FIELDS = ("task", "provider", "data", "payment")

    def to_tuple(self) -> tuple[Any, ...]:
        """ABI tuple (field order of the Solidity struct)."""
        return (self.task, self.provider, self.data, int(self.payment))

    @classmethod
    def from_tuple(cls, value: Sequence[Any] | Mapping[str, Any]) -> ResponseParams:
        """Build from an ABI tuple (or a mapping keyed by field name)."""
        v = _seq(value, cls._FIELDS)
        return cls(task=str(v[0]), provider=str(v[1]), data=str(v[2]), payment=int(v[3]))


# ------------------------------------------------------------------------------------------
# Snapshots: every non-paginated field of an object, read at one block (``block_number``).


@dataclass(frozen=True)
class SourceSnapshot:
    """State of a Source at ``block_number``."""

    address: str
    client: str
    status: SourceStatus
    params: SourceParams
    task_count: int
    registrant_count: int
    block_number: int | None = None


@dataclass(frozen=True)
class TaskSnapshot:
    """State of a Task at ``block_number``."""

    address: str
    source: str
    status: TaskStatus
    params: TaskParams
    payment: int
    expiry_time: int
    delivery_method: DeliveryMethod
    attempt_count: int
    winning_provider: str | None
    block_number: int | None = None


@dataclass(frozen=True)
class ResponseSnapshot:
    """State of a Response at ``block_number``."""

    address: str
    task: str
    params: ResponseParams
    data: str
    status: ResponseStatus
    timestamp: int
    confirmed: bool
    block_number: int | None = None


@dataclass(frozen=True)
class ProviderSnapshot:
    """Terminal + Vault view of a provider at ``block_number``."""

    address: str
    master: str
    base_data: str
    live_data: str
    is_provider: bool
    default_agent_disabled: bool
    balance: int
    lockup: int
    unbonding: int
    unbonding_timestamp: int
    total_earnings: int
    frozen_payment: int
    sanction: int
    is_eligible: bool
    is_whitelisted: bool
    block_number: int | None = None


@dataclass(frozen=True)
class MasterSnapshot:
    """Terminal + Vault view of a master at ``block_number``."""

    address: str
    provider: str
    is_master: bool
    balance: int
    lockup: int
    unbonding: int
    total_earnings: int
    frozen_payment: int
    is_eligible: bool
    is_whitelisted: bool
    block_number: int | None = None
