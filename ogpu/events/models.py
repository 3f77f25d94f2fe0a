"""Typed, frozen event records of the Nexus, Terminal and Vault contracts, and the resumable cursor.

Every record starts with the event's own fields (snake_case of the Solidity names, as in the
official SDK), then ``block_number``, ``transaction_hash``, ``log_index`` (the official trailing
fields), then ``block_hash`` and ``removed`` (``True`` only on a removal notice after a chain
reorganisation; see :mod:`ogpu.events.watcher`).

>>> ev = TaskPublishedEvent(task="0x" + "11" * 20, source="0x" + "22" * 20,
...                         block_number=7, transaction_hash="0x" + "ab" * 32, log_index=0)
>>> ev.cursor
EventCursor(block_number=7, log_index=0, block_hash=None)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from eth_abi.abi import decode as abi_decode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ogpu.types.enums import ResponseStatus, SourceStatus, TaskStatus
from ogpu.types.params import SourceParams

__all__ = [
    "EVENT_TYPES",
    "AgentSetEvent",
    "AttemptedEvent",
    "BaseDataUpdatedEvent",
    "ChainEvent",
    "ClaimedEvent",
    "DefaultAgentDisabledEvent",
    "DepositedEvent",
    "EventCursor",
    "LiveDataUpdatedEvent",
    "LockedEvent",
    "MasterAnnouncedEvent",
    "ProviderAnnouncedEvent",
    "ProviderRemovedEvent",
    "RegisteredEvent",
    "RemoveContainerEvent",
    "ResponseStatusChangedEvent",
    "ResponseSubmittedEvent",
    "SanctionedEvent",
    "SourcePublishedEvent",
    "SourceStatusChangedEvent",
    "SourceUpdatedEvent",
    "TaskPublishedEvent",
    "TaskStatusChangedEvent",
    "UnbondedEvent",
    "UnbondingCanceledEvent",
    "WaivedEvent",
    "WithdrawnEvent",
]

#: ``log_index`` of a cursor that covers a whole block (every event of the block was delivered).
WHOLE_BLOCK = 2**63 - 1


@dataclass(frozen=True)
class EventCursor:
    """Where a watcher stands: the chain position of the last event it delivered.

    Resuming from a cursor yields only events strictly after ``(block_number, log_index)``.
    ``block_hash`` (optional) lets the watcher notice that the cursor's block was replaced by a
    reorganisation while it was stopped. Serialise with :meth:`to_json` / :meth:`from_json`.

    >>> c = EventCursor(120, 3, "0x" + "00" * 32)
    >>> EventCursor.from_json(c.to_json()) == c
    True
    """

    block_number: int
    log_index: int
    block_hash: str | None = None

    @classmethod
    def before_block(cls, block_number: int) -> EventCursor:
        """A cursor from which a watcher yields every event from ``block_number`` on."""
        return cls(block_number - 1, WHOLE_BLOCK)

    @property
    def position(self) -> tuple[int, int]:
        """``(block_number, log_index)``, for ordering."""
        return (self.block_number, self.log_index)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible mapping."""
        return {
            "block_number": self.block_number,
            "log_index": self.log_index,
            "block_hash": self.block_hash,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EventCursor:
        """Inverse of :meth:`to_dict`."""
        bh = data.get("block_hash")
        return cls(int(data["block_number"]), int(data["log_index"]), str(bh) if bh else None)

    def to_json(self) -> str:
        """The cursor as a JSON string (store it to resume after a restart)."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> EventCursor:
        """Inverse of :meth:`to_json`."""
        return cls.from_dict(json.loads(text))


class ChainEvent:
    """Common behaviour of the event records (each is a frozen dataclass)."""

    #: Solidity event name and emitting contract (class constants).
    event_name: ClassVar[str]
    contract: ClassVar[str]
    #: Solidity signature, e.g. ``"TaskPublished(address,address)"``.
    signature: ClassVar[str]
    #: ``(python field, ABI type)`` in ABI order.
    abi_fields: ClassVar[tuple[tuple[str, str], ...]]

    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str
    removed: bool

    @property
    def tx_hash(self) -> str:
        """Alias of ``transaction_hash``."""
        return self.transaction_hash

    @property
    def cursor(self) -> EventCursor:
        """The cursor that resumes a watcher right after this event."""
        return EventCursor(self.block_number, self.log_index, self.block_hash or None)

    @classmethod
    def topic0(cls) -> str:
        """keccak256 of the signature (the log's ``topics[0]``)."""
        return _topic0(cls.signature)


@lru_cache(maxsize=64)
def _topic0(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


# ----------------------------------------------------------------------------------------------
# Nexus


@dataclass(frozen=True)
class TaskPublishedEvent(ChainEvent):
    """``Nexus.TaskPublished(address task, address source)``."""

    event_name: ClassVar[str] = "TaskPublished"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "TaskPublished(address,address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (("task", "address"), ("source", "address"))

    task: str
    source: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class AttemptedEvent(ChainEvent):
    """``Nexus.Attempted(address task, address provider, uint256 suggestedPayment)``."""

    event_name: ClassVar[str] = "Attempted"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "Attempted(address,address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("task", "address"),
        ("provider", "address"),
        ("suggested_payment", "uint256"),
    )

    task: str
    provider: str
    suggested_payment: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class ResponseSubmittedEvent(ChainEvent):
    """``Nexus.ResponseSubmitted(address response, address task)``."""

    event_name: ClassVar[str] = "ResponseSubmitted"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "ResponseSubmitted(address,address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("response", "address"),
        ("task", "address"),
    )

    response: str
    task: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class ResponseStatusChangedEvent(ChainEvent):
    """``Nexus.ResponseStatusChanged(address response, uint8 status)``."""

    event_name: ClassVar[str] = "ResponseStatusChanged"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "ResponseStatusChanged(address,uint8)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("response", "address"),
        ("status", "uint8"),
    )

    response: str
    status: ResponseStatus
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class TaskStatusChangedEvent(ChainEvent):
    """``Nexus.TaskStatusChanged(address task, uint8 status)``."""

    event_name: ClassVar[str] = "TaskStatusChanged"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "TaskStatusChanged(address,uint8)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (("task", "address"), ("status", "uint8"))

    task: str
    status: TaskStatus
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class RegisteredEvent(ChainEvent):
    """``Nexus.Registered(address provider, uint256 registrantId, address source, uint8
    preferredEnvironment)`` (``preferred_environment`` comes after the official fields)."""

    event_name: ClassVar[str] = "Registered"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "Registered(address,uint256,address,uint8)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("provider", "address"),
        ("registrant_id", "uint256"),
        ("source", "address"),
        ("preferred_environment", "uint8"),
    )

    provider: str
    registrant_id: int
    source: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False
    preferred_environment: int = 0


@dataclass(frozen=True)
class SourcePublishedEvent(ChainEvent):
    """``Nexus.SourcePublished(address source)``."""

    event_name: ClassVar[str] = "SourcePublished"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "SourcePublished(address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (("source", "address"),)

    source: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


_SOURCE_PARAMS_TYPE = "(address,string,uint8,uint256,uint256,uint256,bool,string,uint8,uint256)"


@dataclass(frozen=True)
class SourceUpdatedEvent(ChainEvent):
    """``Nexus.SourceUpdated(address source, SourceParams sourceParams)``."""

    event_name: ClassVar[str] = "SourceUpdated"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = f"SourceUpdated(address,{_SOURCE_PARAMS_TYPE})"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("source", "address"),
        ("source_params", _SOURCE_PARAMS_TYPE),
    )

    source: str
    source_params: SourceParams
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class SourceStatusChangedEvent(ChainEvent):
    """``Nexus.SourceStatusChanged(address source, uint8 status)``."""

    event_name: ClassVar[str] = "SourceStatusChanged"
    contract: ClassVar[str] = "Nexus"
    signature: ClassVar[str] = "SourceStatusChanged(address,uint8)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("source", "address"),
        ("status", "uint8"),
    )

    source: str
    status: SourceStatus
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


# ----------------------------------------------------------------------------------------------
# Terminal


@dataclass(frozen=True)
class MasterAnnouncedEvent(ChainEvent):
    """``Terminal.MasterAnnounced(address provider, address master)``."""

    event_name: ClassVar[str] = "MasterAnnounced"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "MasterAnnounced(address,address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("provider", "address"),
        ("master", "address"),
    )

    provider: str
    master: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class ProviderAnnouncedEvent(ChainEvent):
    """``Terminal.ProviderAnnounced(address provider, address master)``."""

    event_name: ClassVar[str] = "ProviderAnnounced"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "ProviderAnnounced(address,address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("provider", "address"),
        ("master", "address"),
    )

    provider: str
    master: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class ProviderRemovedEvent(ChainEvent):
    """``Terminal.ProviderRemoved(address provider)``."""

    event_name: ClassVar[str] = "ProviderRemoved"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "ProviderRemoved(address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (("provider", "address"),)

    provider: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class RemoveContainerEvent(ChainEvent):
    """``Terminal.RemoveContainer(address provider, address source)``."""

    event_name: ClassVar[str] = "RemoveContainer"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "RemoveContainer(address,address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("provider", "address"),
        ("source", "address"),
    )

    provider: str
    source: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class AgentSetEvent(ChainEvent):
    """``Terminal.AgentSet(address account, address agent, bool value)``."""

    event_name: ClassVar[str] = "AgentSet"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "AgentSet(address,address,bool)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (
        ("account", "address"),
        ("agent", "address"),
        ("value", "bool"),
    )

    account: str
    agent: str
    value: bool
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class DefaultAgentDisabledEvent(ChainEvent):
    """``Terminal.DefaultAgentDisabled(address master, bool value)``."""

    event_name: ClassVar[str] = "DefaultAgentDisabled"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "DefaultAgentDisabled(address,bool)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (("master", "address"), ("value", "bool"))

    master: str
    value: bool
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class BaseDataUpdatedEvent(ChainEvent):
    """``Terminal.BaseDataUpdated(address provider)``."""

    event_name: ClassVar[str] = "BaseDataUpdated"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "BaseDataUpdated(address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (("provider", "address"),)

    provider: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class LiveDataUpdatedEvent(ChainEvent):
    """``Terminal.LiveDataUpdated(address provider)``."""

    event_name: ClassVar[str] = "LiveDataUpdated"
    contract: ClassVar[str] = "Terminal"
    signature: ClassVar[str] = "LiveDataUpdated(address)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = (("provider", "address"),)

    provider: str
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


# ----------------------------------------------------------------------------------------------
# Vault (all ``(address account, uint256 amount)``)

_ACCOUNT_AMOUNT: tuple[tuple[str, str], ...] = (("account", "address"), ("amount", "uint256"))


@dataclass(frozen=True)
class DepositedEvent(ChainEvent):
    """``Vault.Deposited(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "Deposited"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "Deposited(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class WithdrawnEvent(ChainEvent):
    """``Vault.Withdrawn(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "Withdrawn"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "Withdrawn(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class LockedEvent(ChainEvent):
    """``Vault.Locked(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "Locked"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "Locked(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class UnbondedEvent(ChainEvent):
    """``Vault.Unbonded(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "Unbonded"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "Unbonded(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class UnbondingCanceledEvent(ChainEvent):
    """``Vault.UnbondingCanceled(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "UnbondingCanceled"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "UnbondingCanceled(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class ClaimedEvent(ChainEvent):
    """``Vault.Claimed(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "Claimed"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "Claimed(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class SanctionedEvent(ChainEvent):
    """``Vault.Sanctioned(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "Sanctioned"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "Sanctioned(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


@dataclass(frozen=True)
class WaivedEvent(ChainEvent):
    """``Vault.Waived(address account, uint256 amount)``."""

    event_name: ClassVar[str] = "Waived"
    contract: ClassVar[str] = "Vault"
    signature: ClassVar[str] = "Waived(address,uint256)"
    abi_fields: ClassVar[tuple[tuple[str, str], ...]] = _ACCOUNT_AMOUNT

    account: str
    amount: int
    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str = ""
    removed: bool = False


#: Every event record type, Nexus first, then Terminal, then Vault.
EVENT_TYPES: tuple[type[ChainEvent], ...] = (
    TaskPublishedEvent,
    AttemptedEvent,
    ResponseSubmittedEvent,
    ResponseStatusChangedEvent,
    TaskStatusChangedEvent,
    RegisteredEvent,
    SourcePublishedEvent,
    SourceUpdatedEvent,
    SourceStatusChangedEvent,
    MasterAnnouncedEvent,
    ProviderAnnouncedEvent,
    ProviderRemovedEvent,
    RemoveContainerEvent,
    AgentSetEvent,
    DefaultAgentDisabledEvent,
    BaseDataUpdatedEvent,
    LiveDataUpdatedEvent,
    DepositedEvent,
    WithdrawnEvent,
    LockedEvent,
    UnbondedEvent,
    UnbondingCanceledEvent,
    ClaimedEvent,
    SanctionedEvent,
    WaivedEvent,
)


# ----------------------------------------------------------------------------------------------
# Decoding (all fields are in the log's data: these events have no indexed parameters)

_STATIC = frozenset({"address", "uint256", "uint8", "bool"})
_ENUMS: dict[tuple[type[ChainEvent], str], type[Any]] = {
    (ResponseStatusChangedEvent, "status"): ResponseStatus,
    (TaskStatusChangedEvent, "status"): TaskStatus,
    (SourceStatusChangedEvent, "status"): SourceStatus,
}


@lru_cache(maxsize=4096)
def checksum(addr_hex: str) -> str:
    """EIP-55 form of a lowercase hex address (cached: the same addresses recur)."""
    return to_checksum_address(addr_hex)


def _enum_or_int(enum: type[Any], value: int) -> Any:
    try:
        return enum(value)
    except ValueError:
        return value


_Plan = tuple[bool, tuple[tuple[str, str, Any], ...]]
_PLANS: dict[type[ChainEvent], _Plan] = {}


def _plan(cls: type[ChainEvent]) -> _Plan:
    """(all fields static?, (name, ABI type, enum or None) per field) of an event type."""
    plan = _PLANS.get(cls)
    if plan is None:
        enums = {name: enum for (klass, name), enum in _ENUMS.items() if klass is cls}
        fields = tuple((n, t, enums.get(n)) for n, t in cls.abi_fields)
        plan = _PLANS[cls] = (all(t in _STATIC for _, t, _ in fields), fields)
    return plan


def decode_fields(cls: type[ChainEvent], data_hex: str) -> dict[str, Any]:
    """The event's own fields from the log data (``0x…`` hex); static words are sliced
    straight from the hex text, dynamic layouts go through eth-abi."""
    static, fields = _plan(cls)
    out: dict[str, Any] = {}
    if static:
        if len(data_hex) < 2 + 64 * len(fields):
            raise ValueError(f"log data too short for {cls.event_name}")
        pos = 2
        for name, typ, enum in fields:
            word = data_hex[pos : pos + 64]
            pos += 64
            if typ == "address":
                out[name] = checksum("0x" + word[24:].lower())
            elif typ == "bool":
                out[name] = int(word, 16) == 1
            elif enum is not None:
                out[name] = _enum_or_int(enum, int(word, 16))
            else:
                out[name] = int(word, 16)
        return out
    values = abi_decode([t for _, t, _ in fields], bytes.fromhex(data_hex[2:]))
    for (name, typ, enum), value in zip(fields, values, strict=True):
        if typ.startswith("("):
            out[name] = SourceParams.from_tuple(value)
        elif typ == "address":
            out[name] = checksum(str(value).lower())
        elif enum is not None:
            out[name] = _enum_or_int(enum, value)
        else:
            out[name] = value
    return out


def build_event(
    cls: type[ChainEvent], log: Mapping[str, Any], *, removed: bool = False
) -> ChainEvent:
    """An event record from a raw ``eth_getLogs`` entry (a JSON dict with hex strings)."""
    fields = decode_fields(cls, str(log["data"]))
    factory: Callable[..., ChainEvent] = cls
    return factory(
        **fields,
        block_number=int(log["blockNumber"], 16),
        transaction_hash=log["transactionHash"],
        log_index=int(log["logIndex"], 16),
        block_hash=log.get("blockHash") or "",
        removed=removed,
    )
