"""Vault: balances, stake (lockup), unbonding, escrow and sanctions (docs/protocol.md, "Money flows").

Every Vault write moves money, so ``signer`` is mandatory (no ``<ROLE>_PRIVATE_KEY`` fallback;
``None`` raises :class:`~ogpu.types.MissingSignerError`).

Example::

    from ogpu.protocol import vault
    vault.deposit(client_address, 10**18, signer=client_key)
    vault.get_balance_of(client_address)
    # 1000000000000000000
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ogpu.protocol._base import BlockId, Signer, call, send
from ogpu.protocol._wrappers import Wrappers

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.types import Receipt

__all__ = [
    "cancel_unbonding",
    "claim",
    "deposit",
    "emergency_exit",
    "force_release_payment",
    "freeze_payment",
    "get_available_lockup_of",
    "get_balance_of",
    "get_frozen_payment",
    "get_lockup_of",
    "get_manager",
    "get_min_lockup_per_source",
    "get_nexus",
    "get_sanction_of",
    "get_sanctioned_amount",
    "get_terminal",
    "get_total_earnings_of",
    "get_unbonding_of",
    "get_unbonding_period",
    "get_unbonding_timestamp",
    "is_eligible",
    "is_whitelisted",
    "lock",
    "process_payment",
    "release_payment",
    "sanction",
    "set_max_unbonding_period",
    "set_min_lockup_per_source",
    "set_terminal",
    "set_whitelist",
    "unbond",
    "waive",
    "withdraw",
    "withdraw_sanction_of",
]

_V = "Vault"

# Wrappers every singleton shares, built by protocol._wrappers: wiring, owner, roles, views.
_wrap = Wrappers(_V, __name__)
set_terminal = _wrap.setter("setTerminal", "admin")
get_manager = _wrap.address("manager")
get_nexus = _wrap.address("nexus", "The Nexus the Vault serves.")
get_terminal = _wrap.address("terminal", "The Terminal whose deposits go straight to lockup.")
get_balance_of = _wrap.account(
    "balanceOf", int, "Liquid (withdrawable) balance in wei — ``balanceOf``/``getBalanceOf``."
)
get_lockup_of = _wrap.account("lockupOf", int, "Staked amount — ``lockupOf``/``getLockupOf``.")
get_unbonding_of = _wrap.account("unbondingOf", int, "Amount cooling down (``unbondingOf``).")
get_unbonding_timestamp = _wrap.account(
    "unbondingTimestamp", int, "Maturity time of the unbonding bucket, unix seconds (0 = none)."
)
get_total_earnings_of = _wrap.account(
    "totalEarningsOf", int, "Cumulative task income (``totalEarningsOf``)."
)
get_frozen_payment = _wrap.account(
    "frozenPayment",
    int,
    "Escrow keyed by task (per task) or by client (aggregate) — ``frozenPayment``.",
)
get_sanction_of = _wrap.account(
    "sanctionOf", int, "Stake seized pending judgement (``sanctionOf``)."
)
is_eligible = _wrap.account(
    "isEligible",
    bool,
    "Whether ``address`` may register/attempt (not sanctioned, floor met, or whitelisted).",
)
is_whitelisted = _wrap.account(
    "isWhitelisted",
    bool,
    "Whether ``address`` is exempt from lockup floors and sanction ineligibility.",
)
get_available_lockup_of = _wrap.account(
    "availableLockupOf",
    int,
    "Lockup not backing the account's own sources (``availableLockupOf``, devnet extension).",
)


def _send(
    function: str,
    *args: Any,
    signer: Signer,
    session: Session | None,
    value: int = 0,
    **tx: Unpack[Tx],
) -> Receipt:
    return send(session, _V, function, *args, signer=signer, role=None, value=value, **tx)


# ----------------------------------------------------------------------------------------------
# Account-facing


def deposit(
    account: str, amount: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.deposit(account)`` with ``value=amount``: credit ``account``'s liquid balance."""
    return _send("deposit", account, signer=signer, session=session, value=amount, **tx)


def withdraw(
    amount: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.withdraw(amount)``: liquid balance back to the signer's wallet."""
    return _send("withdraw", amount, signer=signer, session=session, **tx)


def lock(
    amount: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.lock(amount)``: balance → lockup (stake)."""
    return _send("lock", amount, signer=signer, session=session, **tx)


def unbond(
    amount: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.unbond(amount)``: lockup → unbonding; claimable after ``UNBONDING_PERIOD``."""
    return _send("unbond", amount, signer=signer, session=session, **tx)


def cancel_unbonding(
    *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.cancelUnbonding()``: the whole unbonding bucket back to lockup."""
    return _send("cancelUnbonding", signer=signer, session=session, **tx)


def claim(*, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]) -> Receipt:
    """``Vault.claim()``: matured unbonding → balance."""
    return _send("claim", signer=signer, session=session, **tx)


# ----------------------------------------------------------------------------------------------
# Judge / admin


def sanction(
    account: str, amount: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.sanction(account, amount)`` (JUDGE): seize stake into ``sanctionOf``."""
    return _send("sanction", account, amount, signer=signer, session=session, **tx)


def waive(
    account: str, amount: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.waive(account, amount)`` (JUDGE): return sanctioned stake to lockup."""
    return _send("waive", account, amount, signer=signer, session=session, **tx)


def set_whitelist(
    account: str, value: bool, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.setWhitelist(account, value)`` (JUDGE or admin)."""
    return _send("setWhitelist", account, value, signer=signer, session=session, **tx)


def force_release_payment(
    client: str, task: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.forceReleasePayment(client, task)`` (JUDGE or admin): refund an escrow regardless of state."""
    return _send("forceReleasePayment", client, task, signer=signer, session=session, **tx)


def emergency_exit(
    account: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.emergencyExit(account)`` (admin): pay out balance + lockup + unbonding of ``account``."""
    return _send("emergencyExit", account, signer=signer, session=session, **tx)


def withdraw_sanction_of(
    account: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.withdrawSanctionOf(account)`` (admin): move ``account``'s sanctioned stake to the caller."""
    return _send("withdrawSanctionOf", account, signer=signer, session=session, **tx)


def set_min_lockup_per_source(
    amount: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.setMinLockupPerSource(amount)`` (admin)."""
    return _send("setMinLockupPerSource", amount, signer=signer, session=session, **tx)


def set_max_unbonding_period(
    period: int, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.setMaxUnbondingPeriod(period)`` (admin), seconds; affects future unbonds."""
    return _send("setMaxUnbondingPeriod", period, signer=signer, session=session, **tx)


# ----------------------------------------------------------------------------------------------
# Protocol escrow hooks (Nexus or CONTROLLER role; exposed 1:1 for operators and tests)


def freeze_payment(
    client: str,
    task: str,
    amount: int,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Vault.freezePayment(client, task, amount)`` (CONTROLLER role)."""
    return _send("freezePayment", client, task, amount, signer=signer, session=session, **tx)


def process_payment(
    client: str,
    provider: str,
    task: str,
    amount: int,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Vault.processPayment(client, provider, task, amount)`` (CONTROLLER role)."""
    return _send(
        "processPayment", client, provider, task, amount, signer=signer, session=session, **tx
    )


def release_payment(
    client: str, task: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Vault.releasePayment(client, task)`` (CONTROLLER role)."""
    return _send("releasePayment", client, task, signer=signer, session=session, **tx)


# ----------------------------------------------------------------------------------------------
# Views


def _int(function: str, *args: Any, session: Session | None, block: BlockId) -> int:
    return int(call(session, _V, function, *args, block=block))


def get_min_lockup_per_source(*, session: Session | None = None, block: BlockId = "latest") -> int:
    """``MIN_LOCKUP_PER_SOURCE``: client stake required per active source."""
    return _int("MIN_LOCKUP_PER_SOURCE", session=session, block=block)


def get_unbonding_period(*, session: Session | None = None, block: BlockId = "latest") -> int:
    """``UNBONDING_PERIOD`` in seconds."""
    return _int("UNBONDING_PERIOD", session=session, block=block)


def get_sanctioned_amount(*, session: Session | None = None, block: BlockId = "latest") -> int:
    """Total currently held in sanctions across accounts (``sanctionedAmount``)."""
    return _int("sanctionedAmount", session=session, block=block)
