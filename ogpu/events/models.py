"""Typed, frozen event records of the Nexus, Terminal and Vault contracts, and the resumable cursor.

Each class declares only its own fields (snake_case of the Solidity names, as in the official
SDK); :class:`ChainEvent` makes it a frozen dataclass whose fields are those, then
``block_number``, ``transaction_hash``, ``log_index`` (the official trailing fields), then
``block_hash`` and ``removed`` (``True`` only on a removal notice after a chain reorganisation; see
:mod:`ogpu.events.watcher`), then any own field declared with a default. Name, signature, ABI
types and topic come from the packaged ABI of the emitting contract (read on first use), and
:func:`check_abi` verifies that the declared fields are the ABI's. Every class is registered in
:data:`EVENTS` by its Solidity name.

>>> ev = TaskPublishedEvent(task="0x" + "11" * 20, source="0x" + "22" * 20,
...                         block_number=7, transaction_hash="0x" + "ab" * 32, log_index=0)
>>> ev.cursor
EventCursor(block_number=7, log_index=0, block_hash=None)
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import json
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, cast

from eth_abi.abi import decode as abi_decode
from eth_utils.abi import abi_to_signature, collapse_if_tuple, event_abi_to_log_topic
from typing_extensions import dataclass_transform

if TYPE_CHECKING:
    from eth_typing import ABIEvent

from ogpu.chain.calls import checksum_lower
from ogpu.types.enums import ResponseStatus, SourceStatus, TaskStatus
from ogpu.types.params import SourceParams

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
        return dataclasses.asdict(self)

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


@dataclass(frozen=True)
class _AbiEvent:
    signature: str
    topic0: str
    fields: tuple[tuple[str, str], ...]
    indexed: bool


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass_transform(frozen_default=True, kw_only_default=True)
class _EventType(type):
    """Metaclass of the event records: the ABI-derived class attributes, read on first use."""

    @property
    def signature(cls) -> str:
        """Solidity signature, e.g. ``"TaskPublished(address,address)"``."""
        return _abi_event(cls).signature

    @property
    def abi_fields(cls) -> tuple[tuple[str, str], ...]:
        """``(python field, ABI type)`` in ABI order."""
        return _abi_event(cls).fields


#: Every event record class by Solidity event name (filled as the classes are defined).
EVENTS: dict[str, type[ChainEvent]] = {}


class ChainEvent(metaclass=_EventType):
    """Base of the event records. A subclass ``<Name>Event`` of ``contract=`` declares its own
    fields; the base turns it into a frozen dataclass and registers it (see the module docs)."""

    #: Solidity event name and emitting contract (class constants).
    event_name: ClassVar[str]
    contract: ClassVar[str]

    block_number: int
    transaction_hash: str
    log_index: int
    block_hash: str
    removed: bool

    def __init_subclass__(cls, *, contract: str, **kwargs: Any) -> None:
        trailing = _trailing_fields()
        super().__init_subclass__(**kwargs)
        own: dict[str, Any] = dict(inspect.get_annotations(cls))
        late = {n: t for n, t in own.items() if n in cls.__dict__}
        required = {n: t for n, t in own.items() if n not in late}
        cls.__annotations__ = {**required, **trailing, **late}
        cls.block_hash = ""
        cls.removed = False
        cls.event_name = cls.__name__.removesuffix("Event")
        cls.contract = contract
        dataclass(frozen=True)(cls)
        if cls.event_name in EVENTS:
            raise TypeError(f"two classes for the event {cls.event_name}")
        EVENTS[cls.event_name] = cls

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
        return _abi_event(cls).topic0


@cache
def _trailing_fields() -> dict[str, str]:
    """The fields every record has after its own (the non-ClassVar annotations of ChainEvent)."""
    own = inspect.get_annotations(ChainEvent).items()
    return {n: str(t) for n, t in own if not str(t).startswith("ClassVar")}


@cache
def _abi_event(cls: type[ChainEvent]) -> _AbiEvent:
    from ogpu.chain._abi import load_abi

    entries = [
        e
        for e in load_abi(cls.contract)
        if e.get("type") == "event" and e.get("name") == cls.event_name
    ]
    if len(entries) != 1:
        raise TypeError(f"{cls.contract} declares no single event {cls.event_name}")
    entry = cast("ABIEvent", entries[0])
    fields = tuple((_snake(i["name"]), collapse_if_tuple(i)) for i in entry["inputs"])
    topic0 = "0x" + event_abi_to_log_topic(entry).hex()
    indexed = any(i.get("indexed") for i in entry["inputs"])
    return _AbiEvent(abi_to_signature(entry), topic0, fields, indexed)


def check_abi(cls: type[ChainEvent]) -> None:
    """Raise ``TypeError`` unless ``cls`` declares exactly the fields of its ABI event, in order
    (fields with a default may follow the trailing ones), and the event has no indexed
    parameters (the decoder reads every field from the log data)."""
    declared = [f for f in cls.__dataclass_fields__ if f not in _trailing_fields()]  # type: ignore[attr-defined]
    abi = [n for n, _ in cls.abi_fields]
    if declared != abi:
        raise TypeError(f"{cls.__name__} declares {declared}, the ABI of {cls.signature} has {abi}")
    if _abi_event(cls).indexed:
        raise TypeError(f"{cls.signature} has indexed parameters")


# ----------------------------------------------------------------------------------------------
# Nexus


class TaskPublishedEvent(ChainEvent, contract="Nexus"):
    task: str
    source: str


class AttemptedEvent(ChainEvent, contract="Nexus"):
    task: str
    provider: str
    suggested_payment: int


class ResponseSubmittedEvent(ChainEvent, contract="Nexus"):
    response: str
    task: str


class ResponseStatusChangedEvent(ChainEvent, contract="Nexus"):
    response: str
    status: ResponseStatus


class TaskStatusChangedEvent(ChainEvent, contract="Nexus"):
    task: str
    status: TaskStatus


class RegisteredEvent(ChainEvent, contract="Nexus"):
    """``preferred_environment`` comes after the official fields."""

    provider: str
    registrant_id: int
    source: str
    preferred_environment: int = 0


class SourcePublishedEvent(ChainEvent, contract="Nexus"):
    source: str


class SourceUpdatedEvent(ChainEvent, contract="Nexus"):
    source: str
    source_params: SourceParams


class SourceStatusChangedEvent(ChainEvent, contract="Nexus"):
    source: str
    status: SourceStatus


# ----------------------------------------------------------------------------------------------
# Terminal


class MasterAnnouncedEvent(ChainEvent, contract="Terminal"):
    provider: str
    master: str


class ProviderAnnouncedEvent(ChainEvent, contract="Terminal"):
    provider: str
    master: str


class ProviderRemovedEvent(ChainEvent, contract="Terminal"):
    provider: str


class RemoveContainerEvent(ChainEvent, contract="Terminal"):
    provider: str
    source: str


class AgentSetEvent(ChainEvent, contract="Terminal"):
    account: str
    agent: str
    value: bool


class DefaultAgentDisabledEvent(ChainEvent, contract="Terminal"):
    master: str
    value: bool


class BaseDataUpdatedEvent(ChainEvent, contract="Terminal"):
    provider: str


class LiveDataUpdatedEvent(ChainEvent, contract="Terminal"):
    provider: str


# ----------------------------------------------------------------------------------------------
# Vault


class DepositedEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


class WithdrawnEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


class LockedEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


class UnbondedEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


class UnbondingCanceledEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


class ClaimedEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


class SanctionedEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


class WaivedEvent(ChainEvent, contract="Vault"):
    account: str
    amount: int


#: Every event record type, Nexus first, then Terminal, then Vault.
EVENT_TYPES: tuple[type[ChainEvent], ...] = tuple(EVENTS.values())

__all__ = [
    "EVENTS",
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
    "check_abi",
]


# ----------------------------------------------------------------------------------------------
# Decoding (all fields are in the log's data: these events have no indexed parameters)

_STATIC = frozenset({"address", "uint256", "uint8", "bool"})


def _enum_or_int(enum: type[Any], value: int) -> Any:
    try:
        return enum(value)
    except ValueError:
        return value


_Plan = tuple[bool, tuple[tuple[str, str, Any], ...]]


@cache
def _plan(cls: type[ChainEvent]) -> _Plan:
    """(all fields static?, (name, ABI type, enum or None) per field) of an event type."""
    hints = typing.get_type_hints(cls)
    fields = tuple(
        (n, t, hints[n] if isinstance(hints[n], enum.EnumMeta) else None) for n, t in cls.abi_fields
    )
    return (all(t in _STATIC for _, t, _ in fields), fields)


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
                out[name] = checksum_lower("0x" + word[24:])
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
            out[name] = checksum_lower(str(value))
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
