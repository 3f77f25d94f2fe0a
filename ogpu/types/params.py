"""Mirrors of the protocol structs and read-only snapshots of protocol objects (pure data).

Struct field names follow the Solidity structs (camelCase, as in the official SDK);
``to_tuple()``/``from_tuple()`` use the ABI tuple order.

>>> p = TaskParams(source="0x" + "11" * 20, config="ipfs://x", expiryTime=100, payment=5)
>>> TaskParams.from_tuple(p.to_tuple()) == p
True
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

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


_DECODE: dict[str, Callable[[Any], Any]] = {"str": str, "int": int, "bool": bool}


class _Struct:
    """Base of the struct mirrors: the dataclass fields are the Solidity struct's, in its order."""

    if TYPE_CHECKING:

        def __init__(self, *args: Any, **kwargs: Any) -> None: ...

    def to_tuple(self) -> tuple[Any, ...]:
        """ABI tuple (field order of the Solidity struct), values as given: the protocol layer
        checks them against the ABI before sending (``1.5`` is refused, not truncated)."""
        return tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    @classmethod
    def from_tuple(cls, value: Sequence[Any] | Mapping[str, Any]) -> Self:
        """Build from an ABI tuple (or a mapping keyed by field name)."""
        spec = fields(cls)  # type: ignore[arg-type]
        if isinstance(value, Mapping):
            items = [value[f.name] for f in spec]
        else:
            items = list(value)
            if len(items) != len(spec):
                raise ValueError(f"expected a tuple of {len(spec)} values, got {len(items)}")
        return cls(*(_DECODE[str(f.type)](v) for f, v in zip(spec, items, strict=True)))


@dataclass(frozen=True)
class SourceParams(_Struct):
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


@dataclass(frozen=True)
class TaskParams(_Struct):
    """``struct TaskParams`` of the protocol (``contracts/src``)."""

    source: str
    config: str
    expiryTime: int
    payment: int


@dataclass(frozen=True)
class ResponseParams(_Struct):
    """``struct ResponseParams`` of the protocol (``contracts/src``)."""

    task: str
    provider: str
    data: str
    payment: int


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
