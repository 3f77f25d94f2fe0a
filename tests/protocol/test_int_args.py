"""Every protocol write validates its arguments once, at the ABI boundary, before anything is sent.

``True``, ``1.5``, ``Decimal("2")`` and ``"1"`` are refused (never truncated with ``int()``);
negative and ``>= 2**256`` values, garbage addresses, wrong-sized bytes and non-bool flags too. The
protocol functions, the instance methods, ``ogpu.agent``, the client workflows and models,
``Session.transact`` and ``run_job`` all raise the same :class:`InvalidArgumentError` naming the
parameter, with zero JSON-RPC round trips and the signer's nonce untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from support.world import ETH, RpcCounter, acct, key

from ogpu import agent
from ogpu.chain.session import Session
from ogpu.protocol import Master, Provider, Task, controller, manager, nexus, terminal, vault
from ogpu.protocol._base import check_args, struct, uint
from ogpu.types import (
    DeliveryMethod,
    InvalidArgumentError,
    ResponseParams,
    SourceParams,
    TaskParams,
    TaskStatus,
)

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
    ("vault.deposit", lambda s, x: vault.deposit(CLIENT, x, signer=KEY, session=s), "value"),
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
        "suggestedPayment",
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
        "sourceParams.minPayment",
    ),
    (
        "nexus.update_source",
        lambda s, x: nexus.update_source(
            SOURCE, _source_params(imageEnvironments=x), signer=KEY, session=s
        ),
        "sourceParams.imageEnvironments",
    ),
    (
        "nexus.submit_response",
        lambda s, x: nexus.submit_response(_response_params(payment=x), signer=KEY, session=s),
        "responseParams.payment",
    ),
    (
        "controller.publish_task",
        lambda s, x: controller.publish_task(_task_params(expiryTime=x), signer=KEY, session=s),
        "taskParams.expiryTime",
    ),
    ("Provider.stake", lambda s, x: Provider(CLIENT, s).stake(x, signer=KEY), "amount"),
    (
        "Provider.deposit_to_vault",
        lambda s, x: Provider(CLIENT, s).deposit_to_vault(x, signer=KEY),
        "value",
    ),
    (
        "Provider.attempt",
        lambda s, x: Provider(PROVIDER, s).attempt(TASK, x, signer=KEY),
        "suggestedPayment",
    ),
    (
        "Master.announce_provider",
        lambda s, x: Master(CLIENT, s).announce_provider(PROVIDER, x, signer=KEY),
        "amount",
    ),
    (
        "agent.attempt",
        lambda s, x: agent.attempt(TASK, PROVIDER, x, KEY, session=s),
        "suggestedPayment",
    ),
    (
        "agent.register_to",
        lambda s, x: agent.register_to(SOURCE, PROVIDER, x, KEY, session=s),
        "env",
    ),
]
NARROW = {"nexus.register", "nexus.set_task_status", "agent.register_to"}  # uint8 parameters

CASES = [
    pytest.param(write, name, bad, id=f"{wid}-{type(bad).__name__}-{bad!r:.12}")
    for wid, write, name in WRITES
    for bad in [*NOT_INTS, *OUT_OF_RANGE, *([256] if wid in NARROW else [])]
]


def _nonces(session: Session) -> tuple[int, int]:
    return (
        int(session.rpc("eth_getTransactionCount", [CLIENT, "latest"]), 16),
        int(session.rpc("eth_getTransactionCount", [CLIENT, "pending"]), 16),
    )


def _refused(
    session: Session, rpc_counter: RpcCounter, call: Callable[[], Any]
) -> InvalidArgumentError:
    """The InvalidArgumentError ``call()`` raises, after checking nothing reached the node."""
    before = _nonces(session)
    rpc_counter.reset()
    with pytest.raises(InvalidArgumentError) as info:
        call()
    assert type(info.value) is InvalidArgumentError  # not web3's MismatchedABI or a bare TypeError
    assert rpc_counter.round_trips == 0, rpc_counter.methods  # not even a simulation
    assert _nonces(session) == before
    return info.value


@pytest.mark.parametrize(("write", "name", "bad"), CASES)
def test_bad_integer_is_refused_before_anything_is_sent(
    session: Session, rpc_counter: RpcCounter, write: Write, name: str, bad: Any
) -> None:
    err = _refused(session, rpc_counter, lambda: write(session, bad))
    assert err.argument == name
    assert str(err).startswith(name + " must "), str(err)


BAD_ADDRESSES = [
    "0x123",
    "not an address",
    12345,
    None,
    b"\x01" * 19,
    "0x" + "g" * 40,
    "0x" + "a" * 39 + "A",  # mixed case with a wrong EIP-55 checksum
]

# (id, the write with a bad address in one address slot, the parameter name the error must carry)
ADDRESS_WRITES: list[tuple[str, Write, str]] = [
    ("vault.deposit", lambda s, a: vault.deposit(a, 1, signer=KEY, session=s), "account"),
    ("nexus.attempt", lambda s, a: nexus.attempt(a, PROVIDER, 1, signer=KEY, session=s), "task"),
    ("agent.attempt", lambda s, a: agent.attempt(a, PROVIDER, 1, KEY, session=s), "task"),
    (
        "agent.register_to",
        lambda s, a: agent.register_to(SOURCE, a, 1, KEY, session=s),
        "provider",
    ),
    (
        "agent.unregister_from",
        lambda s, a: agent.unregister_from(a, PROVIDER, KEY, session=s),
        "source",
    ),
    (
        "terminal.announce_master",
        lambda s, a: terminal.announce_master(a, signer=KEY, session=s),
        "master",
    ),
    ("Provider()", lambda s, a: Provider(a, s), "Provider address"),
]


@pytest.mark.parametrize("bad", BAD_ADDRESSES, ids=repr)
@pytest.mark.parametrize(
    ("write", "name"), [pytest.param(w, n, id=i) for i, w, n in ADDRESS_WRITES]
)
def test_garbage_addresses_are_refused_before_anything_is_sent(
    session: Session, rpc_counter: RpcCounter, write: Write, name: str, bad: Any
) -> None:
    err = _refused(session, rpc_counter, lambda: write(session, bad))
    assert err.argument == name
    assert str(err).startswith(f"{name} must be a 20-byte hex address")


# Other ABI types: bool flags, bytes32 ids, strings (id, the write, the parameter named).
OTHER_WRITES: list[tuple[str, Callable[[Session], Any], str]] = [
    ("bool-int", lambda s: terminal.set_agent(PROVIDER, 1, signer=KEY, session=s), "value"),  # type: ignore[arg-type]
    (
        "bool-str",
        lambda s: terminal.set_default_agent_disabled("false", signer=KEY, session=s),  # type: ignore[arg-type]
        "value",
    ),
    ("bool-vault", lambda s: vault.set_whitelist(CLIENT, None, signer=KEY, session=s), "value"),  # type: ignore[arg-type]
    (
        "bytes32-short",
        lambda s: manager.grant_role(b"\x01" * 31, CLIENT, signer=KEY, session=s),
        "role",
    ),
    ("bytes32-type", lambda s: manager.revoke_role(7, CLIENT, signer=KEY, session=s), "role"),  # type: ignore[arg-type]
    ("string", lambda s: terminal.set_base_data(123, signer=KEY, session=s), "baseData"),  # type: ignore[arg-type]
    (
        "struct-string",
        lambda s: controller.publish_task(_task_params(config=b"x"), signer=KEY, session=s),
        "taskParams.config",
    ),
    (
        "struct-shape",
        lambda s: controller.publish_task((SOURCE, "ipfs://x"), signer=KEY, session=s),  # type: ignore[arg-type]
        "taskParams",
    ),
]


@pytest.mark.parametrize(("write", "name"), [pytest.param(w, n, id=i) for i, w, n in OTHER_WRITES])
def test_other_abi_types_are_refused_before_anything_is_sent(
    session: Session, rpc_counter: RpcCounter, write: Callable[[Session], Any], name: str
) -> None:
    assert _refused(session, rpc_counter, lambda: write(session)).argument == name


def test_views_validate_their_arguments_the_same_way(
    rpc_counter: RpcCounter, session: Session
) -> None:
    rpc_counter.reset()
    with pytest.raises(InvalidArgumentError, match=r"^balanceOf#0 must be a 20-byte"):
        vault.get_balance_of("0x12", session=session)
    with pytest.raises(InvalidArgumentError, match=r"^sources#0 must be an int"):
        nexus.get_source_at(1.0, session=session)  # type: ignore[arg-type]
    assert rpc_counter.round_trips == 0


def test_struct_field_wider_than_its_abi_type_is_refused(
    session: Session, rpc_counter: RpcCounter
) -> None:
    """``deliveryMethod`` is a ``uint8``: 256 passes the uint256 field check, not the ABI check."""
    rpc_counter.reset()
    with pytest.raises(
        InvalidArgumentError, match=r"^sourceParams\.deliveryMethod must be in \[0, 2\*\*8\)"
    ):
        nexus.publish_source(_source_params(deliveryMethod=256), signer=KEY, session=session)
    assert rpc_counter.round_trips == 0


def test_list_ranges_and_chain_arguments_are_checked_the_same_way(
    rpc_counter: RpcCounter, session: Session
) -> None:
    rpc_counter.reset()
    for call, name in [
        (lambda: nexus.get_sources(-1, session=session), "lower"),
        (lambda: nexus.get_sources(1.5, session=session), "lower"),  # type: ignore[arg-type]
        (lambda: nexus.get_sources(5, 2, session=session), "upper"),
        (lambda: Task(TASK, session=session).get_attempters(0, "9"), "upper"),  # type: ignore[arg-type]
        (lambda: Task(TASK, object()), "chain"),
    ]:
        with pytest.raises(InvalidArgumentError) as info:
            call()
        assert info.value.argument == name
    assert rpc_counter.round_trips == 0


def test_valid_integers_still_go_through(session: Session) -> None:
    """Plain ints, ``IntEnum`` members, hex bytes and lower-case addresses pass; the exact amount
    lands on chain for the checksummed account."""
    before = vault.get_balance_of(CLIENT, session=session)
    vault.deposit(CLIENT.lower(), ETH + 1, signer=KEY, session=session)
    assert vault.get_balance_of(CLIENT, session=session) == before + ETH + 1


def test_uint_helper() -> None:
    assert uint(0, "x") == 0 and uint(2**256 - 1, "x") == 2**256 - 1
    out = uint(TaskStatus.FINALIZED, "status", bits=8)
    assert out == int(TaskStatus.FINALIZED) and type(out) is int
    assert uint(255, "env", bits=8) == 255
    with pytest.raises(InvalidArgumentError, match=r"^env must be in \[0, 2\*\*8\), got 256$"):
        uint(256, "env", bits=8)
    with pytest.raises(InvalidArgumentError, match=r"^amount must be an int .*got bool True$"):
        uint(True, "amount")
    with pytest.raises(InvalidArgumentError, match="got Decimal"):
        uint(Decimal("2"), "amount")
    with pytest.raises(
        InvalidArgumentError
    ) as info:  # the message never dumps a huge value in full
        uint(10**400, "amount")
    assert str(info.value).startswith("amount must be in") and len(str(info.value)) < 100


def test_invalid_argument_error_is_one_type_for_every_old_except_clause() -> None:
    """Callers that caught ``TypeError`` (wrong type) or ``ValueError`` (out of range) still do."""
    with pytest.raises(TypeError):
        uint(1.5, "amount")
    with pytest.raises(ValueError):
        uint(-1, "amount")


def test_struct_and_check_args_helpers() -> None:
    params = _source_params(deliveryMethod=DeliveryMethod.FIRST_RESPONSE)
    checked = check_args("Nexus", "publishSource", (params,))
    assert checked == (params.to_tuple(),) and type(checked[0][8]) is int
    assert (
        struct(_source_params(maxExpiryDuration=3600.0))[5] == 3600.0
    )  # not coerced: checked later
    with pytest.raises(
        InvalidArgumentError, match=r"^sourceParams\.maxExpiryDuration must be an int"
    ):
        check_args("Nexus", "publishSource", (_source_params(maxExpiryDuration=3600.0),))
    with pytest.raises(InvalidArgumentError, match="params object"):
        struct((CLIENT, "x"))
    assert check_args("Nexus", "register", (SOURCE, PROVIDER.lower(), 255)) == (
        SOURCE,
        PROVIDER,
        255,
    )
    with pytest.raises(
        InvalidArgumentError, match=r"^preferredEnvironment must be in \[0, 2\*\*8\)"
    ):
        check_args("Nexus", "register", (SOURCE, PROVIDER, 256))
    with pytest.raises(InvalidArgumentError, match=r"^amount must be an int"):
        check_args("Vault", "withdraw", (1.0,))
    with pytest.raises(InvalidArgumentError, match="takes 1 arguments, got 2"):
        check_args("Vault", "withdraw", (1, 2))
    with pytest.raises(InvalidArgumentError, match="not in the ABI"):
        check_args("Vault", "nope", ())
    role = b"\x01" * 32
    assert check_args("Manager", "grantRole", ("0x" + role.hex(), CLIENT)) == (role, CLIENT)


# ---------------------------------------------------------------------------------------------
# The same bad input through every surface: one check, one error type, one message

BAD_INTS = [-1, 1.5, True, 2**256]
BAD_ADDRESS = "0x123"
SHORT_BYTES32 = b"\x01" * 31


def _task_info(**over: Any) -> Any:
    from ogpu.client import TaskInfo, TaskInput

    fields: dict[str, Any] = {
        "source": SOURCE,
        "config": TaskInput("echo", {}),
        "expiryTime": 10**10,
    }
    fields["payment"] = 1
    fields.update(over)
    return TaskInfo(**fields)


def _smuggled_task(field: str, bad: Any) -> Any:
    """A valid TaskInfo with ``field`` set past the model's own check."""
    info = _task_info()
    object.__setattr__(info, field, bad)
    return info


def _publish(session: Session, info: Any) -> Any:
    from ogpu.client import publish_task

    return publish_task(info, KEY, session=session)


def _job(session: Session, tmp: Any, source: Any = SOURCE, payment: Any = 1) -> Any:
    from ogpu.jobs import run_job

    journal = tmp / "jobs.sqlite3"
    return run_job(
        source, "echo", [{}], payment=payment, session=session, signer=KEY, journal=journal
    )


def _transact(session: Session, value: Any) -> Any:
    from ogpu.protocol._base import view

    return session.transact(view(session, "Vault", "deposit", CLIENT), KEY, value=value)


# (surface, slot kind, the call with the bad value in that slot, the argument named)
Surface = Callable[[Session, Any, Any], Any]
SURFACES: list[tuple[str, str, Surface, str]] = [
    ("protocol", "int", lambda s, t, x: vault.withdraw(x, signer=KEY, session=s), "amount"),
    ("protocol", "address", lambda s, t, a: vault.deposit(a, 1, signer=KEY, session=s), "account"),
    (
        "protocol",
        "bytes",
        lambda s, t, b: manager.grant_role(b, CLIENT, signer=KEY, session=s),
        "role",
    ),
    (
        "agent",
        "int",
        lambda s, t, x: agent.attempt(TASK, PROVIDER, x, KEY, session=s),
        "suggestedPayment",
    ),
    ("agent", "address", lambda s, t, a: agent.attempt(a, PROVIDER, 1, KEY, session=s), "task"),
    ("workflow", "int", lambda s, t, x: _publish(s, _smuggled_task("payment", x)), "payment"),
    ("workflow", "address", lambda s, t, a: _publish(s, _smuggled_task("source", a)), "source"),
    ("transact", "int", lambda s, t, x: _transact(s, x), "value"),
    ("model", "int", lambda s, t, x: _task_info(payment=x), "payment"),
    ("model", "address", lambda s, t, a: _task_info(source=a), "source"),
    ("jobs", "int", lambda s, t, x: _job(s, t, payment=x), "payment"),
    ("jobs", "address", lambda s, t, a: _job(s, t, source=a), "source"),
]
BAD = {"int": BAD_INTS, "address": [BAD_ADDRESS], "bytes": [SHORT_BYTES32]}
REFERENCE: dict[str, Callable[[Any], Any]] = {
    "int": lambda x: uint(x, "x"),
    "address": lambda a: check_args("Vault", "balanceOf", (a,)),
    "bytes": lambda b: check_args("Manager", "grantRole", (b, CLIENT)),
}


@pytest.mark.parametrize(
    ("call", "kind", "name", "bad"),
    [
        pytest.param(call, kind, name, bad, id=f"{surface}-{kind}-{bad!r:.12}")
        for surface, kind, call, name in SURFACES
        for bad in BAD[kind]
    ],
)
def test_the_same_bad_input_fails_the_same_way_on_every_surface(
    session: Session,
    rpc_counter: RpcCounter,
    tmp_path: Any,
    call: Surface,
    kind: str,
    name: str,
    bad: Any,
) -> None:
    """Protocol function, ``ogpu.agent``, workflow, ``Session.transact``, model constructor and
    ``run_job``: one InvalidArgumentError with the same problem text, nothing sent."""
    with pytest.raises(InvalidArgumentError) as reference:
        REFERENCE[kind](bad)
    problem = str(reference.value).removeprefix(reference.value.argument)
    err = _refused(session, rpc_counter, lambda: call(session, tmp_path, bad))
    assert (err.argument, str(err)) == (name, name + problem)
