"""No one but the protocol can move escrow.

Every Vault payment entry point is called by every role's EOA on a task with open escrow — once
through the SDK (refused by simulation with the decoded custom error) and once as a raw
transaction with a fixed gas limit (mined, status 0) — and the escrow, the client's balance and
the caller's balance are unchanged afterwards. ``forceReleasePayment`` is the documented escape
hatch of the judge and the admin: for them it can only *refund the owning client* — never pay
the caller or anyone else.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from support.world import World

from ogpu.chain import Session
from ogpu.devnet.accounts import DEV_ROLES, dev_account, dev_key
from ogpu.devnet.node import rpc_call
from ogpu.protocol import vault
from ogpu.types import OGPUError

ROLES = tuple(DEV_ROLES)


def _calls(v: Any, client: str, task: str, attacker: str) -> dict[str, Any]:
    return {
        "freezePayment": v.functions.freezePayment(client, task, 1),
        "freezePayment(new task)": v.functions.freezePayment(client, attacker, 1),
        "processPayment": v.functions.processPayment(client, attacker, task, 10**16),
        "releasePayment": v.functions.releasePayment(client, task),
        "releasePayment(to attacker)": v.functions.releasePayment(attacker, task),
        "forceReleasePayment": v.functions.forceReleasePayment(client, task),
        "forceReleasePayment(to attacker)": v.functions.forceReleasePayment(attacker, task),
    }


def _state(session: Session, task: str, client: str, caller: str) -> tuple[int, ...]:
    return (
        vault.get_frozen_payment(task, session=session),
        vault.get_frozen_payment(client, session=session),
        vault.get_balance_of(client, session=session),
        vault.get_balance_of(caller, session=session),
    )


@pytest.mark.parametrize("role", ROLES)
def test_no_role_can_move_escrow(anvil: Any, world: World, session: Session, role: str) -> None:
    _, task = world.ready_task()
    client = dev_account("client").address
    caller = dev_account(role).address
    v = session.contract("Vault")
    before = _state(session, task.address, client, caller)
    assert before[0] == 10**16
    privileged = role in ("admin", "judge")
    checked = 0
    for name, fn in _calls(v, client, task.address, caller).items():
        if privileged and name == "forceReleasePayment":
            continue  # the escape hatch, checked below
        with pytest.raises(OGPUError) as info:
            session.transact(fn, dev_key(role), context=f"Vault.{name.split('(')[0]}")
        assert info.value.error_name in (
            "NotController",
            "NotJudge",
            "EscrowNotFound",
            "InvalidParams",
        ), (
            name,
            info.value.error_name,
        )
        # the same call forced on chain (no simulation): mined and reverted
        tx = {
            "from": caller,
            "to": v.address,
            "data": fn._encode_transaction_data(),
            "gas": hex(300_000),
        }
        tx_hash = rpc_call(anvil.url, "eth_sendTransaction", [tx])
        receipt = None
        for _ in range(500):  # anvil may answer before the block exists
            receipt = rpc_call(anvil.url, "eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                break
            time.sleep(0.01)
        assert receipt is not None and int(receipt["status"], 16) == 0, name
        checked += 1
        assert _state(session, task.address, client, caller)[:3] == before[:3], name
    assert checked >= 5
    if privileged:
        fee_free_caller_balance = vault.get_balance_of(caller, session=session)
        vault.force_release_payment(client, task.address, signer=dev_key(role), session=session)
        after = _state(session, task.address, client, caller)
        assert after[0] == 0 and after[1] == before[1] - 10**16
        assert after[2] == before[2] + 10**16  # refunded to the owning client only
        if role != "client":
            assert vault.get_balance_of(caller, session=session) == fee_free_caller_balance


def test_escrow_cannot_be_paid_twice(world: World, session: Session) -> None:
    """After a confirmation settled the escrow, every settlement path reverts."""
    _, task = world.ready_task()
    world.attempt(task)
    response = world.respond(task)
    from ogpu.protocol import controller

    controller.confirm_response(response.address, signer=dev_key("client"), session=session)
    client = dev_account("client").address
    v = session.contract("Vault")
    for role in ("admin", "judge"):
        with pytest.raises(OGPUError) as info:
            session.transact(v.functions.forceReleasePayment(client, task.address), dev_key(role))
        assert info.value.error_name == "EscrowNotFound"
    with pytest.raises(OGPUError):
        controller.confirm_response(response.address, signer=dev_key("client"), session=session)
    with pytest.raises(OGPUError):
        controller.cancel_task(task.address, signer=dev_key("client"), session=session)
