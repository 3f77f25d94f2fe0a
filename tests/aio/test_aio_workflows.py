"""The behaviour of the client workflows, run for both twins (``ogpu.client`` and ``ogpu.aio``)
against anvil: same returns, same typed errors, nothing sent for refused input."""

from __future__ import annotations

from typing import Any

import pytest
from aio_helpers import Twin
from support.world import source_info, task_info

from ogpu import aio
from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import Source, Task, nexus, terminal
from ogpu.types import (
    DryRunResult,
    InsufficientBalanceError,
    NotSourceOwnerError,
    NotTaskOwnerError,
    Receipt,
    ResponseParams,
    SourceInactiveError,
    SourceNotFoundError,
    SourceStatus,
    TaskExpiredError,
    TaskStatus,
    TxRevertError,
)

STRANGER = dev_account("stranger")


def nonce(cs: Session, address: str) -> int:
    return int(cs.rpc("eth_getTransactionCount", [address, "pending"]), 16)


def test_publish_source_and_task(twin: Twin, cs: Session, funded: int, client_key: str) -> None:
    source = twin.call("publish_source", source_info(name=f"twin-{twin.kind}"), client_key)
    assert isinstance(source, Source) and source.get_status() is SourceStatus.ACTIVE
    task = twin.call("publish_task", task_info(source, cs, payment=10**16 + 7), client_key)
    assert isinstance(task, Task)
    assert task.get_payment() == 10**16 + 7 and task.get_status() is TaskStatus.NEW
    assert twin.call("get_task_responses", task.address) == []


def test_dry_runs_send_nothing(
    twin: Twin, cs: Session, source: Source, client_key: str, client_addr: str
) -> None:
    before = nonce(cs, client_addr)
    dry = twin.call("publish_task", task_info(source, cs), client_key, dry_run=True)
    assert isinstance(dry, DryRunResult) and dry.gas > 0
    dry = twin.call("publish_source", source_info(), client_key, dry_run=True)
    assert isinstance(dry, DryRunResult) and dry.gas > 0
    assert nonce(cs, client_addr) == before


@pytest.mark.parametrize(
    "case", ["unknown_source", "inactive", "stranger", "expired", "too_long", "unfunded"]
)
def test_publish_task_refusals_are_typed_and_send_nothing(
    twin: Twin, case: str, cs: Session, source: Source, client_key: str
) -> None:
    t = cs.timestamp("latest")
    signer, info = client_key, task_info(source, cs)
    if case == "unknown_source":
        info = task_info(STRANGER.address, cs)
    elif case == "inactive":
        twin.call("inactivate_source", source, client_key)
    elif case == "stranger":
        signer = dev_key("stranger")
    elif case == "expired":
        info = task_info(source, cs, expiryTime=t)
    elif case == "too_long":
        info = task_info(source, cs, expiryTime=t + 3601)
    elif case == "unfunded":
        info = task_info(source, cs, payment=10**18 + 1)
    sender = STRANGER.address if case == "stranger" else dev_account("client").address
    before = nonce(cs, sender)
    with pytest.raises(Exception) as caught:
        twin.call("publish_task", info, signer)
    err = caught.value
    expected: dict[str, type[Exception]] = {
        "unknown_source": SourceNotFoundError,
        "inactive": SourceInactiveError,
        "stranger": NotSourceOwnerError,
        "expired": TaskExpiredError,
        "too_long": TxRevertError,
        "unfunded": InsufficientBalanceError,
    }
    assert isinstance(err, expected[case]), repr(err)
    if case == "too_long":
        assert isinstance(err, TxRevertError) and err.error_name == "ExpiryTooLong"
    if case == "expired":
        assert isinstance(err, TaskExpiredError) and err.task == "(not published)"
    assert nonce(cs, sender) == before


def test_wait_false_returns_pending(
    twin: Twin, cs: Session, source: Source, client_key: str
) -> None:
    pending = [
        twin.call("publish_task", task_info(source, cs, payment=10**16 + i), client_key, wait=False)
        for i in range(3)
    ]
    assert all(p.tx_hash.startswith("0x") for p in pending)
    tasks = [twin.wait(p) for p in pending]
    assert sorted(t.get_payment() for t in tasks) == [10**16, 10**16 + 1, 10**16 + 2]


def test_cancel_update_inactivate(twin: Twin, cs: Session, source: Source, client_key: str) -> None:
    task = twin.call("publish_task", task_info(source, cs), client_key)
    with pytest.raises(NotTaskOwnerError):
        twin.call("cancel_task", task, dev_key("stranger"))
    receipt = twin.call("cancel_task", task.address, client_key)
    assert isinstance(receipt, Receipt) and receipt.ok
    assert task.get_status() is TaskStatus.CANCELED
    receipt = twin.call("update_source", source, source_info(description="v2"), client_key)
    assert receipt.ok
    with pytest.raises(NotSourceOwnerError):
        twin.call("update_source", source, source_info(), dev_key("stranger"))
    with pytest.raises(SourceNotFoundError):
        twin.call("update_source", STRANGER.address, source_info(), client_key)
    assert twin.call("inactivate_source", source, client_key).ok
    assert source.get_status() is SourceStatus.INACTIVE
    with pytest.raises(SourceInactiveError):
        twin.call("inactivate_source", source, client_key)


def test_set_agent_lets_the_agent_publish(
    twin: Twin, cs: Session, source: Source, client_key: str
) -> None:
    agent = dev_key("stranger")
    with pytest.raises(NotSourceOwnerError):
        twin.call("publish_task", task_info(source, cs), agent)
    tx = twin.call("set_agent", STRANGER.address, True, client_key)
    assert isinstance(tx, str) and len(tx) == 66
    task = twin.call("publish_task", task_info(source, cs), agent)
    assert task.get_status() is TaskStatus.NEW
    with pytest.raises(TypeError):
        twin.call("set_agent", STRANGER.address, 1, client_key)


def test_confirm_response(twin: Twin, cs: Session, source: Source, client_key: str) -> None:
    from ogpu.agent import attempt, register_to

    provider, master = dev_account("provider"), dev_account("master")
    terminal.announce_master(master.address, signer=dev_key("provider"), session=cs)
    terminal.announce_provider(provider.address, 0, signer=dev_key("master"), session=cs)
    register_to(source.address, provider.address, 1, dev_key("agent"), session=cs)
    task = twin.call("publish_task", task_info(source, cs), client_key)
    attempt(task.address, provider.address, 8 * 10**15, dev_key("agent"), session=cs)
    url = cs.ipfs.publish({"result": "ok"}, "response.json")
    receipt = nexus.submit_response(
        ResponseParams(task.address, provider.address, url, 8 * 10**15),
        signer=dev_key("provider"),
        session=cs,
    )
    response = nexus.extract_response_address(receipt, session=cs)
    assert [r.address for r in twin.call("get_task_responses", task)] == [response]
    with pytest.raises(NotTaskOwnerError):
        twin.call("confirm_response", response, dev_key("stranger"))
    tx = twin.call("confirm_response", response, client_key)
    assert cs.rpc("eth_getTransactionReceipt", [tx])["status"] == "0x1"
    assert task.get_status() is TaskStatus.FINALIZED


def test_unknown_keyword_is_a_type_error(twin: Twin, source: Source, cs: Session) -> None:
    with pytest.raises(TypeError, match="unexpected keyword"):
        twin.call("publish_task", task_info(source, cs), dev_key("client"), colour="red")


def test_twins_share_one_implementation() -> None:
    """The async workflows drive the synchronous module's steps (no second copy of the logic)."""
    import inspect

    from ogpu.aio import client as aclient

    for name in ("publish_task", "publish_source", "update_source", "cancel_task"):
        assert f"wf.{name}_steps(" in inspect.getsource(getattr(aclient, name)), name


def test_vault_and_agent_operations(
    cs: Session, acs: aio.AsyncSession, loop: Any, client_addr: str, client_key: str, source: Source
) -> None:
    from ogpu.aio import vault as avault

    before = loop.run_until_complete(avault.get_balance_of(client_addr, session=acs))
    receipt = loop.run_until_complete(
        avault.deposit(client_addr, 12345, signer=client_key, session=acs)
    )
    assert isinstance(receipt, Receipt) and receipt.ok
    after = loop.run_until_complete(avault.get_balance_of(client_addr, session=acs))
    assert after == before + 12345
    with pytest.raises(ValueError):
        loop.run_until_complete(avault.deposit(client_addr, -1, signer=client_key, session=acs))
    provider, master = dev_account("provider"), dev_account("master")
    terminal.announce_master(master.address, signer=dev_key("provider"), session=cs)
    terminal.announce_provider(provider.address, 0, signer=dev_key("master"), session=cs)
    receipt = loop.run_until_complete(
        avault.register_to(source.address, provider.address, 1, dev_key("agent"), session=acs)
    )
    assert receipt.ok
    with pytest.raises(ValueError, match="env must be"):
        loop.run_until_complete(
            avault.register_to(source.address, provider.address, 3, dev_key("agent"), session=acs)
        )


def test_default_async_session_is_its_own(acs: aio.AsyncSession, cs: Session) -> None:
    from ogpu.chain import get_session as sync_default

    with aio.use_session(acs):
        assert aio.get_session() is acs
        assert sync_default() is not acs.core
    assert aio.get_session() is not acs
