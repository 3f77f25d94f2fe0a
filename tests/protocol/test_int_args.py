"""Integer arguments of every protocol write are validated before anything reaches the node.

``True``, ``1.5``, ``Decimal("2")`` and ``"1"`` used to be truncated with ``int()`` and SENT;
negative and ``>= 2**256`` values surfaced as web3's untyped ``MismatchedABI``. Now each raises
``TypeError`` (not an int) or ``ValueError`` (out of range) naming the parameter, with zero
JSON-RPC round trips and the signer's nonce untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from support.world import ETHER, RpcCounter, acct, key

from ogpu.chain.session import Session
from ogpu.protocol import Master, Provider, controller, nexus, terminal, vault
from ogpu.protocol._base import check_args, struct, uint
from ogpu.types import DeliveryMethod, ResponseParams, SourceParams, TaskParams, TaskStatus

CLIENT = acct("client").address
PROVIDER = acct("provider").address
KEY = key("client")
SOURCE = "0x" + "5" * 40
TASK = "0x" + "7" * 40

NOT_INTS = [True, False, 1.5, Decimal("2"), "1", float("inf"), float("nan"), None, b"\x01"]
OUT_OF_RANGE = [-1, 2**256, 2**300]


def _source_params(**over: Any) -> SourceParams:
    fields: dict[str, Any] = {
        "client": CLIENT,
        "imageMetadataUrl": "ipfs://meta",
        "imageEnvironments": 1,
        "minPayment": 1,
        "minAvailableLockup": 0,
        "maxExpiryDuration": 3600,
    }
    fields.update(over)
    return SourceParams(**fields)


def _task_params(**over: Any) -> TaskParams:
    fields: dict[str, Any] = {"source": SOURCE, "config": "ipfs://cfg", "expiryTime": 10**10}
    fields["payment"] = 1
    fields.update(over)
    return TaskParams(**fields)


def _response_params(**over: Any) -> ResponseParams:
    fields: dict[str, Any] = {"task": TASK, "provider": PROVIDER, "data": "ipfs://d", "payment": 1}
    fields.update(over)
    return ResponseParams(**fields)


Write = Callable[[Session, Any], Any]

# (id, the write with the bad value in one integer slot, the parameter name the error must carry)
WRITES: list[tuple[str, Write, str]] = [
    ("vault.deposit", lambda s, x: vault.deposit(CLIENT, x, signer=KEY, session=s), "amount"),
    ("vault.withdraw", lambda s, x: vault.withdraw(x, signer=KEY, session=s), "amount"),
    ("vault.lock", lambda s, x: vault.lock(x, signer=KEY, session=s), "amount"),
    ("vault.unbond", lambda s, x: vault.unbond(x, signer=KEY, session=s), "amount"),
    ("vault.sanction", lambda s, x: vault.sanction(CLIENT, x, signer=KEY, session=s), "amount"),
    ("vault.waive", lambda s, x: vault.waive(CLIENT, x, signer=KEY, session=s), "amount"),
    (
        "vault.set_min_lockup_per_source",
        lambda s, x: vault.set_min_lockup_per_source(x, signer=KEY, session=s),
        "amount",
    ),
    (
        "vault.set_max_unbonding_period",
        lambda s, x: vault.set_max_unbonding_period(x, signer=KEY, session=s),
        "period",
    ),
    (
        "vault.freeze_payment",
        lambda s, x: vault.freeze_payment(CLIENT, TASK, x, signer=KEY, session=s),
        "amount",
    ),
    (
        "vault.process_payment",
        lambda s, x: vault.process_payment(CLIENT, PROVIDER, TASK, x, signer=KEY, session=s),
        "amount",
    ),
    (
        "terminal.announce_provider",
        lambda s, x: terminal.announce_provider(PROVIDER, x, signer=KEY, session=s),
        "amount",
    ),
    (
        "nexus.attempt",
        lambda s, x: nexus.attempt(TASK, PROVIDER, x, signer=KEY, session=s),
        "suggested_payment",
    ),
    (
        "nexus.register",
        lambda s, x: nexus.register(SOURCE, PROVIDER, x, signer=KEY, session=s),
        "env",
    ),
    (
        "nexus.set_task_status",
        lambda s, x: nexus.set_task_status(TASK, x, signer=KEY, session=s),
        "status",
    ),
    (
        "nexus.publish_source",
        lambda s, x: nexus.publish_source(_source_params(minPayment=x), signer=KEY, session=s),
        "params.minPayment",
    ),
    (
        "nexus.update_source",
        lambda s, x: nexus.update_source(
            SOURCE, _source_params(imageEnvironments=x), signer=KEY, session=s
        ),
        "params.imageEnvironments",
    ),
    (
        "nexus.submit_response",
        lambda s, x: nexus.submit_response(_response_params(payment=x), signer=KEY, session=s),
        "params.payment",
    ),
    (
        "controller.publish_task",
        lambda s, x: controller.publish_task(_task_params(expiryTime=x), signer=KEY, session=s),
        "params.expiryTime",
    ),
    ("Provider.stake", lambda s, x: Provider(CLIENT, s).stake(x, signer=KEY), "amount"),
    (
        "Provider.deposit_to_vault",
        lambda s, x: Provider(CLIENT, s).deposit_to_vault(x, signer=KEY),
        "amount",
    ),
    (
        "Provider.attempt",
        lambda s, x: Provider(PROVIDER, s).attempt(TASK, x, signer=KEY),
        "suggested_payment",
    ),
    (
        "Master.announce_provider",
        lambda s, x: Master(CLIENT, s).announce_provider(PROVIDER, x, signer=KEY),
        "amount",
    ),
]
NARROW = {"nexus.register", "nexus.set_task_status"}  # uint8 parameters

CASES = [
    pytest.param(write, name, bad, TypeError, id=f"{wid}-{type(bad).__name__}-{bad!r:.12}")
    for wid, write, name in WRITES
    for bad in NOT_INTS
] + [
    pytest.param(write, name, bad, ValueError, id=f"{wid}-{bad!r:.12}")
    for wid, write, name in WRITES
    for bad in [*OUT_OF_RANGE, *([256] if wid in NARROW else [])]
]


def _nonces(session: Session) -> tuple[int, int]:
    return (
        int(session.rpc("eth_getTransactionCount", [CLIENT, "latest"]), 16),
        int(session.rpc("eth_getTransactionCount", [CLIENT, "pending"]), 16),
    )


@pytest.mark.parametrize(("write", "name", "bad", "expected"), CASES)
def test_bad_integer_is_refused_before_anything_is_sent(
    session: Session,
    rpc_counter: RpcCounter,
    write: Write,
    name: str,
    bad: Any,
    expected: type[Exception],
) -> None:
    before = _nonces(session)
    rpc_counter.reset()
    with pytest.raises(expected) as info:
        write(session, bad)
    assert type(info.value) is expected  # not a subclass such as web3's MismatchedABI
    assert str(info.value).startswith(name + " must "), str(info.value)
    assert rpc_counter.round_trips == 0, rpc_counter.methods  # not even a simulation
    assert _nonces(session) == before


def test_garbage_addresses_are_refused_before_anything_is_sent(
    session: Session, rpc_counter: RpcCounter
) -> None:
    before = _nonces(session)
    rpc_counter.reset()
    for bad in ["0x123", "not an address", 12345, None, b"\x01" * 19, "0x" + "g" * 40]:
        with pytest.raises(ValueError, match="invalid"):
            vault.deposit(bad, 1, signer=KEY, session=session)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="invalid"):
            nexus.attempt(bad, PROVIDER, 1, signer=KEY, session=session)  # type: ignore[arg-type]
    assert rpc_counter.round_trips == 0
    assert _nonces(session) == before


def test_struct_field_wider_than_its_abi_type_is_refused(
    session: Session, rpc_counter: RpcCounter
) -> None:
    """``deliveryMethod`` is a ``uint8``: 256 passes the uint256 field check, not the ABI check."""
    rpc_counter.reset()
    with pytest.raises(ValueError, match=r"^sourceParams\.deliveryMethod must be in \[0, 2\*\*8\)"):
        nexus.publish_source(_source_params(deliveryMethod=256), signer=KEY, session=session)
    assert rpc_counter.round_trips == 0


def test_session_transact_refuses_non_integer_value(
    session: Session, rpc_counter: RpcCounter
) -> None:
    fn = session.contract("Vault").functions.deposit(CLIENT)
    rpc_counter.reset()
    for bad, exc in [(True, TypeError), (1.5, TypeError), ("1", TypeError), (-1, ValueError)]:
        with pytest.raises(exc, match="value"):
            session.transact(fn, KEY, value=bad)
    with pytest.raises(ValueError, match="value"):
        session.transact(fn, KEY, value=2**256)
    assert rpc_counter.round_trips == 0


def test_valid_integers_still_go_through(session: Session) -> None:
    """Plain ints and ``IntEnum`` members pass; the exact amount lands on chain."""
    before = vault.get_balance_of(CLIENT, session=session)
    vault.deposit(CLIENT, ETHER + 1, signer=KEY, session=session)
    assert vault.get_balance_of(CLIENT, session=session) == before + ETHER + 1


def test_uint_helper() -> None:
    assert uint(0, "x") == 0 and uint(2**256 - 1, "x") == 2**256 - 1
    out = uint(TaskStatus.FINALIZED, "status", bits=8)
    assert out == int(TaskStatus.FINALIZED) and type(out) is int
    assert uint(255, "env", bits=8) == 255
    with pytest.raises(ValueError, match=r"^env must be in \[0, 2\*\*8\), got 256$"):
        uint(256, "env", bits=8)
    with pytest.raises(TypeError, match=r"^amount must be an int .*got bool True$"):
        uint(True, "amount")
    with pytest.raises(TypeError, match="got Decimal"):
        uint(Decimal("2"), "amount")
    with pytest.raises(ValueError) as info:  # the message never dumps a huge value in full
        uint(10**400, "amount")
    assert str(info.value).startswith("amount must be in") and len(str(info.value)) < 100


def test_struct_and_check_args_helpers() -> None:
    params = _source_params(deliveryMethod=DeliveryMethod.FIRST_RESPONSE)
    assert struct(params) == params.to_tuple()
    with pytest.raises(TypeError, match=r"^params\.maxExpiryDuration must be an int"):
        struct(_source_params(maxExpiryDuration=3600.0))
    with pytest.raises(TypeError, match="params object"):
        struct((CLIENT, "x"))
    check_args("Nexus", "register", (SOURCE, PROVIDER, 255))
    with pytest.raises(ValueError, match=r"^preferredEnvironment must be in \[0, 2\*\*8\)"):
        check_args("Nexus", "register", (SOURCE, PROVIDER, 256))
    with pytest.raises(TypeError, match=r"^amount must be an int"):
        check_args("Vault", "withdraw", (1.0,))
