"""The error hierarchy: parents, constructor arguments, messages."""

from __future__ import annotations

import builtins
import pickle

import pytest

from ogpu.types import errors as E
from ogpu.types.enums import Role

ADDR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

# (class, parent, constructor args, attributes expected)
CASES = [
    (E.TaskNotFoundError, E.NotFoundError, (ADDR,), {"address": ADDR}),
    (E.SourceNotFoundError, E.NotFoundError, (ADDR,), {"address": ADDR}),
    (E.ResponseNotFoundError, E.NotFoundError, (ADDR,), {"address": ADDR}),
    (E.ProviderNotFoundError, E.NotFoundError, (ADDR,), {"address": ADDR}),
    (E.MasterNotFoundError, E.NotFoundError, (ADDR,), {"address": ADDR}),
    (
        E.TaskExpiredError,
        E.StateError,
        (ADDR, 1700),
        {"task": ADDR, "expiry": 1700, "expiry_time": 1700},
    ),
    (E.TaskAlreadyFinalizedError, E.StateError, (ADDR, 5), {"task": ADDR, "status": 5}),
    (E.ResponseAlreadyConfirmedError, E.StateError, (ADDR,), {"response": ADDR}),
    (E.SourceInactiveError, E.StateError, (ADDR,), {"source": ADDR}),
    (E.NotTaskOwnerError, E.PermissionError, (ADDR, "0xB"), {"task": ADDR, "caller": "0xB"}),
    (E.NotSourceOwnerError, E.PermissionError, (ADDR, "0xB"), {"source": ADDR, "caller": "0xB"}),
    (E.NotMasterError, E.PermissionError, (ADDR,), {"account": ADDR}),
    (E.NotProviderError, E.PermissionError, (ADDR,), {"account": ADDR}),
    (E.InsufficientBalanceError, E.VaultError, (ADDR, 10, 4), {"required": 10, "available": 4}),
    (E.InsufficientLockupError, E.VaultError, (ADDR, 10, 4), {"required": 10, "available": 4}),
    (E.UnbondingPeriodNotElapsedError, E.VaultError, (ADDR, 30), {"remaining_seconds": 30}),
    (E.NotEligibleError, E.VaultError, (ADDR,), {"account": ADDR}),
    (E.TxRevertError, E.TxError, ("boom",), {"reason": "boom"}),
    (E.NonceError, E.TxError, (ADDR, 3, 5), {"tried": 3, "suggested": 5}),
    (E.GasError, E.TxError, ("low",), {"reason": "low"}),
    (E.TxReceiptTimeoutError, E.TxError, ("0xab", 2.0), {"tx_hash": "0xab", "timeout": 2.0}),
    (E.TxRpcError, E.TxError, ("down",), {"reason": "down"}),
    (E.InvalidRpcUrlError, E.TxError, ("http://x",), {"url": "http://x"}),
    (E.PublishTimeoutError, E.OGPUError, (5.0, "ipfs"), {"budget": 5.0, "stage": "ipfs"}),
    (E.MissingSignerError, E.ConfigError, (Role.CLIENT,), {"role": Role.CLIENT}),
    (E.InvalidSignerError, E.ConfigError, ("bad",), {"reason": "bad"}),
    (E.ChainNotSupportedError, E.ConfigError, (5,), {"chain_id": 5}),
    (E.IPFSFetchError, E.IPFSError, ("http://g", "timeout"), {"url": "http://g"}),
    (E.IPFSGatewayError, E.IPFSError, ("http://g", 502), {"status_code": 502}),
    (E.WaitTimeoutError, E.OGPUError, ("task FINALIZED", 3.0, "NEW"), {"last_state": "NEW"}),
]


@pytest.mark.parametrize(
    ("cls", "parent", "args", "attrs"), CASES, ids=lambda c: getattr(c, "__name__", "")
)
def test_error_hierarchy_and_attributes(cls, parent, args, attrs) -> None:
    err = cls(*args)
    assert isinstance(err, parent)
    assert isinstance(err, E.OGPUError)
    for name, value in attrs.items():
        assert getattr(err, name) == value
    assert str(err)  # a message a person can act on


def test_every_public_error_is_exported_and_is_an_ogpu_error() -> None:
    for name in E.__all__:
        cls = getattr(E, name)
        assert issubclass(cls, E.OGPUError), name


def test_wait_timeout_is_a_builtin_timeout() -> None:
    with pytest.raises(TimeoutError):
        raise E.WaitTimeoutError("x", 1.0)


def test_permission_error_shadows_the_builtin_only_inside_ogpu() -> None:
    assert E.PermissionError is not builtins.PermissionError
    assert not issubclass(E.NotTaskOwnerError, builtins.PermissionError)


def test_messages_say_what_to_do() -> None:
    msg = str(E.InsufficientBalanceError(ADDR, required=10, available=4))
    assert "10" in msg and "4" in msg and "deposit at least 6" in msg
    assert "CLIENT_PRIVATE_KEY" in str(E.MissingSignerError(Role.CLIENT))
    assert "signer=" in str(E.MissingSignerError(None))


def test_revert_context_is_attached_and_shown() -> None:
    err = E.InsufficientBalanceError(ADDR, 10, 4).with_revert(
        tx_hash="0xfeed", context="Vault.withdraw"
    )
    assert err.tx_hash == "0xfeed"
    assert "Vault.withdraw" in str(err) and "0xfeed" in str(err)


def test_tx_revert_error_carries_data() -> None:
    err = E.TxRevertError(
        "NotAgent(...)",
        tx_hash="0x1",
        data=b"\x01\x02",
        error_name="NotAgent",
        args={"caller": ADDR},
    )
    assert (
        err.data == b"\x01\x02"
        and err.error_name == "NotAgent"
        and err.error_args == {"caller": ADDR}
    )
    assert err.tx_hash == "0x1"


@pytest.mark.parametrize(
    ("cls", "args"), [(c[0], c[2]) for c in CASES], ids=lambda c: getattr(c, "__name__", "")
)
def test_errors_pickle_round_trip_keeps_type_fields_and_message(cls, args) -> None:
    """Errors cross process boundaries (the job workers) whole, revert context included."""
    err = cls(*args).with_revert(tx_hash="0xfeed", context="Vault.withdraw")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is cls
    assert (vars(back), str(back), back.args) == (vars(err), str(err), err.args)


def test_field_errors_are_hashable_and_compare_by_identity() -> None:
    one, two = E.GasError("low"), E.GasError("low")
    assert one != two and len({one, two}) == 2
    assert repr(one) == "GasError('gas problem: low')"
