"""decode_revert: custom errors by selector with real values, string reasons as a fallback."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak
from web3.exceptions import ContractCustomError, ContractLogicError

from ogpu.chain.revert import REVERT_PATTERN_MAP, decode_exception, decode_revert, error_registry
from ogpu.types import errors as E

A = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
B = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def custom(signature: str, types: list[str], values: list[object]) -> bytes:
    return keccak(text=signature)[:4] + encode(types, values)


def reason(text: str) -> bytes:
    return bytes.fromhex("08c379a0") + encode(["string"], [text])


def test_registry_holds_the_protocol_errors() -> None:
    names = {spec.name for spec in error_registry().values()}
    assert {"NotOwner", "Expired", "InsufficientBalance", "NotAgent", "SourceInactive"} <= names


@pytest.mark.parametrize(
    ("signature", "types", "values", "cls", "attrs"),
    [
        (
            "InsufficientBalance(address,uint256,uint256)",
            ["address", "uint256", "uint256"],
            [A, 10, 4],
            E.InsufficientBalanceError,
            {"account": A, "required": 10, "available": 4},
        ),
        (
            "InsufficientLockup(address,uint256,uint256)",
            ["address", "uint256", "uint256"],
            [A, 7, 1],
            E.InsufficientLockupError,
            {"required": 7, "available": 1},
        ),
        (
            "Expired(address,uint256)",
            ["address", "uint256"],
            [A, 1_700_000_000],
            E.TaskExpiredError,
            {"task": A, "expiry": 1_700_000_000},
        ),
        (
            "AlreadyFinalized(address,uint8)",
            ["address", "uint8"],
            [A, 3],
            E.TaskAlreadyFinalizedError,
            {"task": A, "status": 3},
        ),
        (
            "AlreadyConfirmed(address)",
            ["address"],
            [A],
            E.ResponseAlreadyConfirmedError,
            {"response": A},
        ),
        (
            "UnbondingNotElapsed(address,uint256)",
            ["address", "uint256"],
            [A, 42],
            E.UnbondingPeriodNotElapsedError,
            {"remaining_seconds": 42},
        ),
        ("NotEligible(address)", ["address"], [A], E.NotEligibleError, {"account": A}),
        ("NotMaster(address)", ["address"], [A], E.NotMasterError, {"account": A}),
        ("NotProvider(address)", ["address"], [A], E.NotProviderError, {"account": A}),
        ("SourceInactive(address)", ["address"], [A], E.SourceInactiveError, {"source": A}),
    ],
)
def test_custom_errors_carry_real_values(signature, types, values, cls, attrs) -> None:  # type: ignore[no-untyped-def]
    data = custom(signature, types, values)
    err = decode_revert(data, context="X.y")
    assert type(err) is cls
    for k, v in attrs.items():
        assert getattr(err, k) == v
    assert err.error_name == signature.split("(")[0]
    assert err.revert_data == data
    # hex string input decodes the same
    assert type(decode_revert("0x" + data.hex())) is cls


def test_not_owner_target_kind_from_context() -> None:
    data = custom("NotOwner(address,address)", ["address", "address"], [A, B])
    src = decode_revert(data, context="Nexus.updateSource")
    assert isinstance(src, E.NotSourceOwnerError) and (src.source, src.caller) == (A, B)
    task = decode_revert(data, context="Controller.cancelTask")
    assert isinstance(task, E.NotTaskOwnerError) and (task.task, task.caller) == (A, B)


def test_unmapped_custom_error_keeps_name_and_args() -> None:
    data = custom("NotAgent(address,address)", ["address", "address"], [A, B])
    err = decode_revert(data, context="Nexus.attempt", tx_hash="0xabc")
    assert type(err) is E.TxRevertError
    assert err.error_name == "NotAgent" and err.error_args == {"caller": A, "principal": B}
    assert "NotAgent" in err.reason and err.tx_hash == "0xabc"


def test_same_name_different_signature_is_not_misattributed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # e.g. OpenZeppelin's InsufficientBalance(uint256 balance, uint256 needed) in some ABI
    import ogpu.chain.revert as revert

    oz = revert.ErrorSpec("InsufficientBalance", ("balance", "needed"), ("uint256", "uint256"))
    registry = {**revert.error_registry(), oz.selector: oz}
    monkeypatch.setattr(revert, "error_registry", lambda: registry)
    data = custom("InsufficientBalance(uint256,uint256)", ["uint256", "uint256"], [1, 2])
    err = decode_revert(data)
    assert type(err) is E.TxRevertError and err.error_name == "InsufficientBalance"
    assert err.error_args == {"balance": 1, "needed": 2}


def test_string_reasons_map_by_exact_identifier() -> None:
    err = decode_revert(reason("NotOwner"), context="Source.setStatus", caller=B)
    assert isinstance(err, E.NotSourceOwnerError) and err.caller == B
    assert isinstance(
        decode_revert(reason("NotOwner"), context="Controller.cancelTask"), E.NotTaskOwnerError
    )
    assert isinstance(decode_revert(reason("SourceInactive")), E.SourceInactiveError)
    assert isinstance(
        decode_revert(reason("InsufficientBalance: need more")), E.InsufficientBalanceError
    )
    # no substring matching: an identifier inside another word stays generic
    other = decode_revert(reason("NotProviderOrAgent"))
    assert type(other) is E.TxRevertError and other.reason == "NotProviderOrAgent"


def test_reason_only_messages_from_nodes() -> None:
    err = decode_revert(None, "execution reverted: Expired", context="Nexus.attempt")
    assert isinstance(err, E.TaskExpiredError)
    plain = decode_revert(None, "execution reverted: something odd")
    assert type(plain) is E.TxRevertError and plain.reason == "something odd"
    assert type(decode_revert(None, None)) is E.TxRevertError


def test_panic_is_decoded() -> None:
    data = bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])
    err = decode_revert(data)
    assert type(err) is E.TxRevertError and err.error_name == "Panic"
    assert err.error_args == {"code": 0x11} and "overflow" in err.reason


def test_unknown_selector() -> None:
    err = decode_revert("0xdeadbeef00")
    assert type(err) is E.TxRevertError and "0xdeadbeef" in err.reason


def test_decode_exception_from_web3_errors() -> None:
    data = custom("SourceInactive(address)", ["address"], [A])
    exc = ContractCustomError("0x" + data.hex(), data="0x" + data.hex())
    assert isinstance(decode_exception(exc), E.SourceInactiveError)
    logic = ContractLogicError(
        "execution reverted: NotEligible", data="0x" + reason("NotEligible").hex()
    )
    assert isinstance(decode_exception(logic), E.NotEligibleError)
    assert decode_exception(ValueError("nope")) is None


def test_compat_pattern_map() -> None:
    assert list(REVERT_PATTERN_MAP)[:3] == ["NotOwner", "NotMaster", "NotProvider"]
    err = REVERT_PATTERN_MAP["NotOwner"]("NotOwner", "Nexus.updateSource(0x1)", B)
    assert isinstance(err, E.NotSourceOwnerError) and err.caller == B
