"""Enums, struct mirrors and receipts."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ogpu.types import (
    DeliveryMethod,
    Environment,
    PendingTx,
    Receipt,
    ResponseParams,
    ResponseStatus,
    Role,
    SourceParams,
    SourceStatus,
    TaskParams,
    TaskStatus,
    combine_environments,
    environment_names,
    parse_environments,
)

ADDR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_enum_values_match_the_protocol() -> None:
    assert [s.value for s in TaskStatus] == [0, 1, 2, 3, 4, 5]
    assert TaskStatus.FINALIZED == 5 and TaskStatus.CANCELED == 3
    assert (SourceStatus.ACTIVE, SourceStatus.INACTIVE) == (0, 1)
    assert (ResponseStatus.SUBMITTED, ResponseStatus.CONFIRMED) == (0, 1)
    assert (DeliveryMethod.MANUAL_CONFIRMATION, DeliveryMethod.FIRST_RESPONSE) == (0, 1)
    assert (Environment.CPU, Environment.NVIDIA, Environment.AMD) == (1, 2, 4)
    assert Role.AGENT.env_var == "AGENT_PRIVATE_KEY"


@given(st.integers(min_value=0, max_value=255))
def test_environment_mask_round_trip(mask: int) -> None:
    envs = parse_environments(mask)
    assert combine_environments(*envs) == mask & 7
    assert environment_names(mask) == [e.name for e in envs]


def test_environment_order_is_cpu_nvidia_amd() -> None:
    assert environment_names(7) == ["CPU", "NVIDIA", "AMD"]
    assert parse_environments(6) == [Environment.NVIDIA, Environment.AMD]


addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
uints = st.integers(min_value=0, max_value=2**256 - 1)


@given(
    st.tuples(
        addresses,
        st.text(),
        st.integers(0, 7),
        uints,
        uints,
        uints,
        st.booleans(),
        st.text(),
        st.integers(0, 1),
        uints,
    )
)
def test_source_params_tuple_round_trip(values: tuple) -> None:  # type: ignore[type-arg]
    p = SourceParams.from_tuple(values)
    assert p.to_tuple() == tuple(values)
    assert SourceParams.from_tuple(p.to_tuple()) == p


@given(st.tuples(addresses, st.text(), uints, uints))
def test_task_params_tuple_round_trip(values: tuple) -> None:  # type: ignore[type-arg]
    assert TaskParams.from_tuple(values).to_tuple() == tuple(values)


def test_response_params_from_mapping_and_wrong_length() -> None:
    p = ResponseParams.from_tuple(
        {"task": ADDR, "provider": ADDR, "data": "ipfs://x", "payment": 3}
    )
    assert p.to_tuple() == (ADDR, ADDR, "ipfs://x", 3)
    with pytest.raises(ValueError):
        ResponseParams.from_tuple((ADDR, ADDR))


def test_params_are_frozen() -> None:
    p = TaskParams(ADDR, "cfg", 1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.payment = 5  # type: ignore[misc]


def test_receipt_from_web3_normalises_hash_and_reports_ok() -> None:
    raw = {
        "transactionHash": bytes.fromhex("ab" * 32),
        "blockNumber": 9,
        "gasUsed": 21000,
        "status": 0,
        "logs": [],
        "effectiveGasPrice": 7,
        "from": ADDR,
        "to": ADDR,
    }
    r = Receipt.from_web3_receipt(raw, timestamp=123)
    assert r.tx_hash == "0x" + "ab" * 32
    assert not r.ok and r.fee == 21000 * 7 and r.timestamp == 123


def test_pending_tx_waits_once() -> None:
    calls: list[float | None] = []
    receipt = Receipt("0x01", 1, 1, 1)

    def waiter(timeout: float | None) -> Receipt:
        calls.append(timeout)
        return receipt

    p = PendingTx("0x01", waiter, sender=ADDR, nonce=4)
    assert not p.done
    assert p.wait(5) is receipt and p.wait(5) is receipt
    assert calls == [5] and p.done
