"""Event records, signatures and cursors, checked against the compiled ABIs and the official
surface committed in ``contracts/abi-signatures.txt``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak

import ogpu.events as events
from ogpu.chain.artifacts import load_abi
from ogpu.events.models import (
    EVENT_TYPES,
    EVENTS,
    ChainEvent,
    EventCursor,
    SourceUpdatedEvent,
    build_event,
    check_abi,
)
from ogpu.events.watcher import _Query
from ogpu.types import SourceParams, TaskStatus

# The official (mainnet) ABI's signatures, committed with the contracts by scripts/compile.js.
OFFICIAL = Path(__file__).resolve().parents[2] / "contracts" / "abi-signatures.txt"


def _canonical(inp: dict) -> str:
    if inp["type"] == "tuple":
        return "(" + ",".join(_canonical(c) for c in inp["components"]) + ")"
    return str(inp["type"])


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _abi_events(abi: list[dict]) -> dict[str, dict]:
    return {e["name"]: e for e in abi if e["type"] == "event"}


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_event_matches_compiled_abi(cls: type[events.ChainEvent]) -> None:
    abi_event = _abi_events(load_abi(cls.contract))[cls.event_name]
    sig = f"{cls.event_name}({','.join(_canonical(i) for i in abi_event['inputs'])})"
    assert sig == cls.signature
    assert cls.topic0() == "0x" + keccak(text=sig).hex()
    assert not any(i["indexed"] for i in abi_event["inputs"])
    assert [n for n, _ in cls.abi_fields] == [_snake(i["name"]) for i in abi_event["inputs"]]


def test_every_abi_event_has_one_registered_class() -> None:
    declared = {
        (c, e["name"])
        for c in ("Nexus", "Terminal", "Vault")
        for e in load_abi(c)
        if e["type"] == "event" and e["name"] != "OwnershipTransferred"
    }
    assert {(cls.contract, name) for name, cls in EVENTS.items()} == declared
    assert tuple(EVENTS.values()) == EVENT_TYPES
    for cls in EVENT_TYPES:
        check_abi(cls)
        assert cls.__name__ in events.__all__


def test_a_class_that_disagrees_with_the_abi_is_refused() -> None:
    """The fields a class declares are checked against its ABI event, and an event has one
    class."""
    saved = EVENTS.pop("Locked")
    try:

        class LockedEvent(ChainEvent, contract="Vault"):  # wrong: no ``amount``
            account: str

        with pytest.raises(TypeError, match="declares"):
            check_abi(LockedEvent)
    finally:
        EVENTS["Locked"] = saved
    with pytest.raises(TypeError, match="two classes"):

        class DepositedEvent(ChainEvent, contract="Vault"):
            account: str
            amount: int


@pytest.mark.parametrize("cls", EVENT_TYPES, ids=lambda c: c.__name__)
def test_event_matches_official_abi(cls: type[events.ChainEvent]) -> None:
    official = set(OFFICIAL.read_text().splitlines())
    assert f"{cls.contract} event {cls.signature}" in official


def test_every_event_has_a_watcher_and_a_query() -> None:
    for cls in EVENT_TYPES:
        name = _snake(cls.event_name)
        assert callable(getattr(events, f"watch_{name}")), name
        assert callable(getattr(events, f"get_past_{name}")), name
    official = ["task_published", "attempted", "response_submitted", "response_status_changed",
                "task_status_changed", "registered"]  # fmt: skip
    for name in official:
        assert f"watch_{name}" in events.__all__


def test_official_trailing_fields() -> None:
    import dataclasses

    for cls in EVENT_TYPES:
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        own = [n for n, _ in cls.abi_fields if n != "preferred_environment"]
        assert names[: len(own) + 3] == [*own, "block_number", "transaction_hash", "log_index"]


def test_cursor_round_trip_and_order() -> None:
    c = EventCursor(10, 2, "0x" + "ab" * 32)
    assert EventCursor.from_json(c.to_json()) == c
    assert EventCursor.from_dict(json.loads(c.to_json())) == c
    assert EventCursor(10, 2).position < EventCursor(10, 3).position < EventCursor(11, 0).position
    assert EventCursor.before_block(5).position > EventCursor(4, 10**6).position


def _log(data: bytes, topic0: str, address: str) -> dict:
    return {
        "address": address,
        "topics": [topic0],
        "data": "0x" + data.hex(),
        "blockNumber": "0x7",
        "transactionHash": "0x" + "cd" * 32,
        "logIndex": "0x3",
        "blockHash": "0x" + "ef" * 32,
    }


def test_decode_static_and_enum_fields() -> None:
    task = "0x" + "1b" * 20
    data = encode(["address", "uint8"], [task, 5])
    ev = build_event(events.TaskStatusChangedEvent, _log(data, "", ""))
    assert isinstance(ev, events.TaskStatusChangedEvent)
    assert ev.status is TaskStatus.FINALIZED
    assert ev.task.lower() == task and ev.task != task  # checksummed
    assert (ev.block_number, ev.log_index, ev.tx_hash) == (7, 3, "0x" + "cd" * 32)
    assert ev.cursor == EventCursor(7, 3, "0x" + "ef" * 32)


def test_decode_source_updated_tuple() -> None:
    params = SourceParams("0x" + "34" * 20, "ipfs://meta", 3, 5, 6, 7, False, "", 1, 99)
    data = encode(
        ["address", SourceUpdatedEvent.abi_fields[1][1]], ["0x" + "56" * 20, params.to_tuple()]
    )
    ev = build_event(SourceUpdatedEvent, _log(data, "", ""))
    assert isinstance(ev, SourceUpdatedEvent)
    assert ev.source_params.imageMetadataUrl == "ipfs://meta"
    assert ev.source_params.client.lower() == "0x" + "34" * 20
    assert ev.source_params.lastUpdateTime == 99


def test_where_filter_matches_raw_words() -> None:
    vault = "0x" + "99" * 20
    q = _Query([events.DepositedEvent], {"Vault": vault}, {"account": "0x" + "AB" * 20})
    t0 = events.DepositedEvent.topic0()
    hit = _log(encode(["address", "uint256"], ["0x" + "ab" * 20, 1]), t0, vault)
    miss = _log(encode(["address", "uint256"], ["0x" + "ac" * 20, 1]), t0, vault)
    other_contract = _log(
        encode(["address", "uint256"], ["0x" + "ab" * 20, 1]), t0, "0x" + "98" * 20
    )
    assert q.decode(hit) is not None
    assert q.decode(miss) is None
    assert q.decode(other_contract) is None
    with pytest.raises(ValueError, match="no field"):
        _Query([events.DepositedEvent], {"Vault": vault}, {"task": "0x" + "00" * 20})
