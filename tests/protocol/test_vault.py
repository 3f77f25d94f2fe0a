"""ogpu.protocol.vault against the real contracts on anvil."""

from __future__ import annotations

import pytest
from support.world import ETH, World, acct, key

from ogpu.chain.session import Session
from ogpu.devnet.deploy import Deployment
from ogpu.protocol import vault
from ogpu.types import (
    InsufficientBalanceError,
    MissingSignerError,
    NotEligibleError,
    TxRevertError,
    UnbondingPeriodNotElapsedError,
)


def _advance(session: Session, seconds: int) -> None:
    session.rpc("evm_increaseTime", [seconds])
    session.rpc("evm_mine", [])


def test_writes_need_an_explicit_signer(session: Session) -> None:
    """No environment fallback for money movements, even on a devnet with dev keys."""
    with pytest.raises(MissingSignerError) as info:
        vault.deposit(acct("client").address, 1, signer=None, session=session)  # type: ignore[arg-type]
    assert info.value.role is None
    with pytest.raises(MissingSignerError):
        vault.withdraw(1, signer=None, session=session)  # type: ignore[arg-type]


def test_deposit_lock_unbond_claim_withdraw(session: Session) -> None:
    me, signer = acct("client").address, key("client")
    vault.deposit(me, ETH // 2, signer=signer, session=session)
    assert vault.get_balance_of(me, session=session) == ETH // 2
    vault.lock(ETH // 5, signer=signer, session=session)
    assert vault.get_lockup_of(me, session=session) == ETH // 5
    receipt = vault.unbond(ETH // 10, signer=signer, session=session)
    assert vault.get_unbonding_of(me, session=session) == ETH // 10
    period = vault.get_unbonding_period(session=session)
    assert period == 600
    assert vault.get_unbonding_timestamp(me, session=session) == receipt.timestamp + period
    with pytest.raises(UnbondingPeriodNotElapsedError) as info:
        vault.claim(signer=signer, session=session)
    assert info.value.remaining_seconds > 0
    _advance(session, period + 1)
    vault.claim(signer=signer, session=session)
    assert vault.get_balance_of(me, session=session) == ETH // 2 - ETH // 5 + ETH // 10
    vault.withdraw(ETH // 10, signer=signer, session=session)
    assert vault.get_balance_of(me, session=session) == ETH // 2 - ETH // 5
    with pytest.raises(InsufficientBalanceError):
        vault.withdraw(ETH, signer=signer, session=session)


def test_cancel_unbonding(session: Session) -> None:
    me, signer = acct("client").address, key("client")
    vault.deposit(me, 100, signer=signer, session=session)
    vault.lock(100, signer=signer, session=session)
    vault.unbond(40, signer=signer, session=session)
    vault.cancel_unbonding(signer=signer, session=session)
    assert vault.get_lockup_of(me, session=session) == 100
    assert vault.get_unbonding_of(me, session=session) == 0
    assert vault.get_unbonding_timestamp(me, session=session) == 0


def test_sanction_waive_whitelist(world: World, session: Session) -> None:
    world.pair(amount=1000)
    provider, judge = acct("provider").address, key("judge")
    assert vault.is_eligible(provider, session=session) is True
    vault.sanction(provider, 300, signer=judge, session=session)
    assert vault.get_sanction_of(provider, session=session) == 300
    assert vault.get_sanctioned_amount(session=session) == 300
    assert vault.is_eligible(provider, session=session) is False
    source = world.publish_source()
    with pytest.raises(NotEligibleError):
        world.register(source)
    vault.set_whitelist(provider, True, signer=judge, session=session)
    assert vault.is_whitelisted(provider, session=session) is True
    assert vault.is_eligible(provider, session=session) is True
    vault.waive(provider, 100, signer=judge, session=session)
    assert vault.get_lockup_of(provider, session=session) == 800
    vault.withdraw_sanction_of(provider, signer=key("admin"), session=session)
    assert vault.get_sanction_of(provider, session=session) == 0


def test_admin_settings(session: Session, deployment: Deployment) -> None:
    admin = key("admin")
    vault.set_min_lockup_per_source(5, signer=admin, session=session)
    assert vault.get_min_lockup_per_source(session=session) == 5
    vault.set_max_unbonding_period(60, signer=admin, session=session)
    assert vault.get_unbonding_period(session=session) == 60
    assert vault.set_terminal(deployment.terminal, signer=admin, session=session).ok
    assert vault.get_terminal(session=session) == deployment.terminal
    assert vault.get_nexus(session=session) == deployment.nexus
    assert vault.get_manager(session=session) == deployment.manager


def test_available_lockup_and_emergency_exit(session: Session) -> None:
    me = acct("client2").address
    vault.deposit(me, 500, signer=key("client2"), session=session)
    vault.lock(200, signer=key("client2"), session=session)
    assert vault.get_available_lockup_of(me, session=session) == 200
    before = session.w3.eth.get_balance(me)
    vault.emergency_exit(me, signer=key("admin"), session=session)
    assert vault.get_balance_of(me, session=session) == 0
    assert vault.get_lockup_of(me, session=session) == 0
    assert session.w3.eth.get_balance(me) == before + 500


def test_escrow_hooks_and_force_release(world: World, session: Session) -> None:
    _, task = world.ready_task()
    client = acct("client").address
    for call in (
        lambda: vault.freeze_payment(
            client, task.address, 1, signer=key("stranger"), session=session
        ),
        lambda: vault.process_payment(
            client,
            acct("provider").address,
            task.address,
            1,
            signer=key("stranger"),
            session=session,
        ),
        lambda: vault.release_payment(
            client, task.address, signer=key("stranger"), session=session
        ),
    ):
        with pytest.raises(TxRevertError) as info:
            call()
        assert info.value.error_name == "NotController"
    assert vault.get_frozen_payment(client, session=session) == 10**16
    vault.force_release_payment(client, task.address, signer=key("judge"), session=session)
    assert vault.get_frozen_payment(task.address, session=session) == 0
    assert vault.get_balance_of(client, session=session) == ETH
    assert vault.get_total_earnings_of(acct("provider").address, session=session) == 0
