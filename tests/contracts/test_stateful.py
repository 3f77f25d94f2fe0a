"""Hypothesis stateful test: random protocol operations against a model of the Vault.

Rules cover the Vault's account operations, the Terminal stake path (a master funding its provider's
lockup), the judge and admin paths (sanction, waive, forceReleasePayment, emergencyExit) and the task
lifecycle. After every step: the Vault is solvent (native balance == Σ balances + lockups + unbonding +
sanctions + open escrow), every known account and task matches the model exactly, and no task is
ever paid twice. Reverted transactions must leave the state unchanged; operations the spec says must
succeed are checked to succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from web3 import Web3

from ogpu.devnet.deploy import Deployment
from tests.support.reliability import soak_size

from .helpers import (
    ATTEMPTED,
    CANCELED,
    ETH,
    EXPIRED,
    FINALIZED,
    FIRST_RESPONSE,
    MANUAL,
    NEW,
    RESPONDED,
    Protocol,
    addr,
    batch_read,
    decode_events,
    dev_account,
    pair,
    prepare,
    publish_source,
    send,
    tx_for,
)

CLIENTS = ("client", "client2")
PROVIDERS = ("provider", "provider2")
MASTER = {"provider": "master", "provider2": "master2"}
ACCOUNTS = ("client", "client2", "provider", "provider2", "master", "master2")
# Stake and judge rules act on fewer accounts, so sequences on one account (unbond, then sanction,
# then exit) come up within the default budget.
STAKERS = ("client", "provider", "master")
UNBONDING = 600


@dataclass
class TaskModel:
    address: str
    client: str
    delivery: int
    payment: int
    expiry: int
    status: int = NEW
    frozen: int = 0
    attempts: set[str] = field(default_factory=set)
    responses: dict[str, tuple[str, int]] = field(default_factory=dict)
    released: bool = False  # escrow force-released by the judge: every later settlement reverts


def try_send(p: Protocol, role: str, fn: Any, value: int = 0) -> Any:
    """Send without failing on revert; returns the receipt (status 0 or 1)."""
    account = dev_account(role).account
    tx = tx_for(p.w3, account, fn, value)
    signed = account.sign_transaction(tx)
    p.w3.provider.make_request("eth_sendRawTransactionSync", [signed.raw_transaction.to_0x_hex()])  # type: ignore[arg-type]
    return p.w3.eth.get_transaction_receipt(signed.hash)


class ProtocolMachine(RuleBasedStateMachine):
    p: Protocol
    sources: dict[tuple[str, int], str]

    def __init__(self) -> None:
        super().__init__()
        self.snap = self.p.w3.provider.make_request("evm_snapshot", [])["result"]  # type: ignore[arg-type]
        self.bal = {a: self.p.balance(addr(a)) for a in ACCOUNTS}
        self.lock = {a: self.p.lockup(addr(a)) for a in ACCOUNTS}
        self.unb = dict.fromkeys(ACCOUNTS, 0)
        self.sanc = dict.fromkeys(ACCOUNTS, 0)
        self.maturity = dict.fromkeys(ACCOUNTS, 0)
        self.earned = dict.fromkeys(PROVIDERS, 0)
        self.tasks: list[TaskModel] = []
        self.paid: set[str] = set()

    def teardown(self) -> None:
        self.p.w3.provider.make_request("evm_revert", [self.snap])  # type: ignore[arg-type]

    def block_ts(self, receipt: Any) -> int:
        return int(self.p.w3.eth.get_block(receipt["blockNumber"])["timestamp"])

    def pick(self, i: int, prefer: Callable[[TaskModel], bool] | None = None) -> TaskModel:
        """Task number ``i``, mostly among those ``prefer`` accepts (odd ``i`` picks from all tasks)."""
        pool = [t for t in self.tasks if prefer(t)] if prefer is not None and i % 2 == 0 else []
        pool = pool or self.tasks
        return pool[(i // 2) % len(pool)]

    def refund(self, t: TaskModel, status: int) -> None:
        event(f"task refunded ({'expired' if status == EXPIRED else 'canceled'})")
        self.bal[t.client] += t.frozen
        t.frozen = 0
        t.status = status

    def pay(self, t: TaskModel, provider: str, amount: int) -> None:
        assert t.address not in self.paid, f"task {t.address} paid twice"
        self.paid.add(t.address)
        event("task paid")
        self.bal[MASTER[provider]] += amount
        self.bal[t.client] += t.frozen - amount
        self.earned[provider] += amount
        t.frozen = 0
        t.status = FINALIZED

    # ------------------------------------------------------------------------------ vault rules
    # Amounts other than deposits are a fraction of what the account holds (frac: 0, ¼ … all, and
    # one wei too much), so the edges are reached in a few steps.
    @rule(who=st.sampled_from(ACCOUNTS), amount=st.integers(0, ETH // 5))
    def deposit(self, who: str, amount: int) -> None:
        r = try_send(self.p, who, self.p.vault.functions.deposit(addr(who)), value=amount)
        assert r["status"] == (1 if amount > 0 else 0)
        self.bal[who] += amount if r["status"] else 0

    @rule(who=st.sampled_from(ACCOUNTS), frac=st.integers(0, 5))
    def withdraw(self, who: str, frac: int) -> None:
        amount = self.bal[who] * frac // 4 + (frac == 5)
        r = try_send(self.p, who, self.p.vault.functions.withdraw(amount))
        assert r["status"] == (1 if 0 < amount <= self.bal[who] else 0)
        self.bal[who] -= amount if r["status"] else 0

    @rule(who=st.sampled_from(ACCOUNTS), frac=st.integers(0, 5))
    def lock(self, who: str, frac: int) -> None:
        amount = self.bal[who] * frac // 4 + (frac == 5)
        r = try_send(self.p, who, self.p.vault.functions.lock(amount))
        assert r["status"] == (1 if 0 < amount <= self.bal[who] else 0)
        if r["status"]:
            self.bal[who] -= amount
            self.lock[who] += amount

    @rule(who=st.sampled_from(STAKERS), frac=st.integers(0, 5))
    def unbond(self, who: str, frac: int) -> None:
        amount = self.lock[who] * frac // 4 + (frac == 5)
        r = try_send(self.p, who, self.p.vault.functions.unbond(amount))
        assert r["status"] == (1 if 0 < amount <= self.lock[who] else 0)
        if r["status"]:
            self.lock[who] -= amount
            self.unb[who] += amount
            self.maturity[who] = self.block_ts(r) + UNBONDING

    @rule(who=st.sampled_from(STAKERS))
    def claim(self, who: str) -> None:
        r = try_send(self.p, who, self.p.vault.functions.claim())
        if r["status"]:
            assert self.unb[who] > 0 and self.block_ts(r) >= self.maturity[who]
            self.bal[who] += self.unb[who]
            self.unb[who] = 0
        else:
            assert self.unb[who] == 0 or self.block_ts(r) < self.maturity[who] + 2

    @rule(who=st.sampled_from(STAKERS))
    def cancel_unbonding(self, who: str) -> None:
        r = try_send(self.p, who, self.p.vault.functions.cancelUnbonding())
        assert r["status"] == (1 if self.unb[who] > 0 else 0)
        if r["status"]:
            self.lock[who] += self.unb[who]
            self.unb[who] = 0

    @rule(seconds=st.sampled_from([30, 301, 700]))
    def advance(self, seconds: int) -> None:
        self.p.advance(seconds)

    # ------------------------------------------------------------------------------- task rules
    @rule(
        client=st.sampled_from(CLIENTS),
        delivery=st.sampled_from([MANUAL, FIRST_RESPONSE]),
        payment=st.integers(10**16, 6 * 10**16),
        ttl=st.sampled_from([400, 3000]),
    )
    def publish_task(self, client: str, delivery: int, payment: int, ttl: int) -> None:
        source = self.sources[(client, delivery)]
        expiry = self.p.now() + ttl
        r = try_send(
            self.p,
            client,
            self.p.controller.functions.publishTask((source, "cfg", expiry, payment)),
        )
        assert r["status"] == (1 if payment <= self.bal[client] else 0)
        if r["status"]:
            task = next(
                e.args["task"] for e in decode_events(self.p.w3, r) if e.name == "TaskPublished"
            )
            self.bal[client] -= payment
            self.tasks.append(TaskModel(task, client, delivery, payment, expiry, NEW, payment))

    @precondition(lambda self: self.tasks)
    @rule(
        i=st.integers(0, 99),
        provider=st.sampled_from(PROVIDERS),
        by_master=st.booleans(),
        bid=st.integers(0, 10**16),
    )
    def attempt(self, i: int, provider: str, by_master: bool, bid: int) -> None:
        t = self.pick(
            i, lambda t: t.status in (NEW, ATTEMPTED, RESPONDED) and provider not in t.attempts
        )
        sender = MASTER[provider] if by_master else provider
        r = try_send(self.p, sender, self.p.nexus.functions.attempt(t.address, addr(provider), bid))
        open_ = t.status in (NEW, ATTEMPTED, RESPONDED)
        if not r["status"]:
            assert (
                not open_
                or provider in t.attempts
                or self.sanc[provider] > 0
                or (t.released and self.block_ts(r) > t.expiry)
            )
            return
        assert open_
        names = [(e.name, e.args.get("status")) for e in decode_events(self.p.w3, r)]
        if ("TaskStatusChanged", EXPIRED) in names:
            assert self.block_ts(r) > t.expiry
            self.refund(t, EXPIRED)
        else:
            assert self.block_ts(r) <= t.expiry and provider not in t.attempts
            t.attempts.add(provider)
            if t.status == NEW:
                t.status = ATTEMPTED

    @precondition(lambda self: self.tasks)
    @rule(
        i=st.integers(0, 99),
        provider=st.sampled_from(PROVIDERS),
        percent=st.integers(0, 110),
    )
    def submit(self, i: int, provider: str, percent: int) -> None:
        t = self.pick(i, lambda t: provider in t.attempts and provider not in t.responses)
        payment = t.payment * percent // 100
        data = f"https://r/{t.address}/{provider}"
        fn = self.p.nexus.functions.submitResponse((t.address, addr(provider), data, payment))
        r = try_send(self.p, provider, fn)
        can = (
            t.status in (ATTEMPTED, RESPONDED)
            and provider in t.attempts
            and provider not in t.responses
            and payment <= t.payment
            and not (t.released and t.delivery == FIRST_RESPONSE)
        )
        if not r["status"]:
            assert not can or self.block_ts(r) > t.expiry
            return
        assert can and self.block_ts(r) <= t.expiry
        resp = next(
            e.args["response"] for e in decode_events(self.p.w3, r) if e.name == "ResponseSubmitted"
        )
        t.responses[provider] = (resp, payment)
        if t.delivery == FIRST_RESPONSE:
            self.pay(t, provider, t.payment)
        elif t.status == ATTEMPTED:
            t.status = RESPONDED

    @precondition(lambda self: self.tasks)
    @rule(i=st.integers(0, 99), provider=st.sampled_from(PROVIDERS))
    def confirm(self, i: int, provider: str) -> None:
        t = self.pick(i, lambda t: provider in t.responses)
        if provider not in t.responses:
            return
        resp, payment = t.responses[provider]
        r = try_send(self.p, t.client, self.p.controller.functions.confirmResponse(resp))
        assert r["status"] == (1 if t.status == RESPONDED and not t.released else 0)
        if r["status"]:
            self.pay(t, provider, payment)

    @precondition(lambda self: self.tasks)
    @rule(i=st.integers(0, 99))
    def cancel(self, i: int) -> None:
        t = self.pick(i)
        r = try_send(self.p, t.client, self.p.controller.functions.cancelTask(t.address))
        if t.released:
            assert r["status"] == 0
        elif t.status == NEW:
            assert r["status"] == 1
            self.refund(t, CANCELED)
        elif t.status in (ATTEMPTED, RESPONDED):
            overdue = self.block_ts(r) > t.expiry
            assert r["status"] == (1 if overdue else 0)
            if r["status"]:
                self.refund(t, EXPIRED)
        else:
            assert r["status"] == 0

    # ------------------------------------------------------------------- stake, judge and admin
    @rule(provider=st.sampled_from(PROVIDERS), amount=st.integers(0, ETH // 10))
    def terminal_stake(self, provider: str, amount: int) -> None:
        """The master re-announces its provider with a stake: it lands in the provider's lockup."""
        master = MASTER[provider]
        fn = self.p.terminal.functions.announceProvider(addr(provider), amount)
        r = try_send(self.p, master, fn, value=amount)
        assert r["status"] == 1
        self.lock[provider] += amount

    @rule(who=st.sampled_from(STAKERS), frac=st.integers(0, 5))
    def sanction(self, who: str, frac: int) -> None:
        """A fraction of the stake within reach (lockup + unbonding): 0, ¼ … all, or too much."""
        amount = (self.lock[who] + self.unb[who]) * frac // 4 + (frac == 5)
        r = try_send(self.p, "judge", self.p.vault.functions.sanction(addr(who), amount))
        assert r["status"] == (1 if 0 < amount <= self.lock[who] + self.unb[who] else 0)
        if r["status"]:
            event("sanction reached unbonding" if amount > self.lock[who] else "sanction")
            from_lock = min(amount, self.lock[who])
            self.lock[who] -= from_lock
            self.unb[who] -= amount - from_lock
            self.sanc[who] += amount

    @rule(who=st.sampled_from(STAKERS), part=st.integers(0, 3))
    def waive(self, who: str, part: int) -> None:
        amount = self.sanc[who] * part // 2  # 0, half, all or more than sanctioned
        r = try_send(self.p, "judge", self.p.vault.functions.waive(addr(who), amount))
        assert r["status"] == (1 if amount <= self.sanc[who] else 0)
        if r["status"]:
            self.sanc[who] -= amount
            self.lock[who] += amount

    @rule(who=st.sampled_from(STAKERS))
    def emergency_exit(self, who: str) -> None:
        r = try_send(self.p, "admin", self.p.vault.functions.emergencyExit(addr(who)))
        assert r["status"] == 1
        event("emergency exit")
        self.bal[who] = self.lock[who] = self.unb[who] = 0
        self.maturity[who] = 0

    @precondition(lambda self: self.tasks)
    @rule(i=st.integers(0, 99))
    def force_release(self, i: int) -> None:
        t = self.pick(i, lambda t: t.frozen > 0)
        fn = self.p.vault.functions.forceReleasePayment(addr(t.client), t.address)
        r = try_send(self.p, "judge", fn)
        assert r["status"] == (1 if t.frozen > 0 else 0)
        if r["status"]:
            event("escrow force-released")
            self.bal[t.client] += t.frozen
            t.frozen = 0
            t.released = True

    # ------------------------------------------------------------------------------- invariants
    def reads(self) -> list[Any]:
        """Prepared view calls for every known account and task (cached; tasks appended)."""
        v = self.p.vault.functions
        if not hasattr(self, "_reads"):
            self._reads: list[Any] = []
            for a in ACCOUNTS:
                x = addr(a)
                self._reads += [
                    prepare(f(x)) for f in (v.balanceOf, v.lockupOf, v.unbondingOf, v.sanctionOf)
                ]
            self._reads += [prepare(v.frozenPayment(addr(c))) for c in CLIENTS]
            self._reads += [prepare(v.totalEarningsOf(addr(prov))) for prov in PROVIDERS]
            self._task_reads: list[Any] = []
        while len(self._task_reads) < 2 * len(self.tasks):
            t = self.tasks[len(self._task_reads) // 2]
            self._task_reads += [
                prepare(v.frozenPayment(t.address)),
                prepare(self.p.task(t.address).functions.getStatus()),
            ]
        return self._reads + self._task_reads

    @invariant()
    def solvent_and_matches_model(self) -> None:
        values = batch_read(self.p.w3, self.reads())
        k = 0
        liabilities = 0
        for a in ACCOUNTS:
            bal, lock, unb, sanction = values[k : k + 4]
            k += 4
            assert (bal, lock, unb, sanction) == (
                self.bal[a],
                self.lock[a],
                self.unb[a],
                self.sanc[a],
            ), a
            liabilities += bal + lock + unb + sanction
        for c in CLIENTS:
            assert values[k] == sum(t.frozen for t in self.tasks if t.client == c), c
            k += 1
        for prov in PROVIDERS:
            assert values[k] == self.earned[prov], prov
            k += 1
        escrow = 0
        for t in self.tasks:
            frozen, status = values[k : k + 2]
            k += 2
            assert (frozen, status) == (t.frozen, t.status), t.address
            escrow += frozen
        assert self.p.w3.eth.get_balance(self.p.d.vault) == liabilities + escrow
        finalized = {t.address for t in self.tasks if t.status == FINALIZED}
        assert finalized == self.paid


def _run(w3: Web3, deployment: Deployment, max_examples: int, steps: int) -> None:
    p = Protocol(w3, deployment)
    for a in ACCOUNTS:  # everyone starts with a balance and a stake
        send(w3, a, p.vault.functions.deposit(addr(a)), value=ETH // 5)
        send(w3, a, p.vault.functions.lock(ETH // 10))
    pair(p, "provider", "master")
    pair(p, "provider2", "master2")
    sources = {}
    for c in CLIENTS:
        for delivery in (MANUAL, FIRST_RESPONSE):
            s = publish_source(p, client=c, delivery=delivery, max_expiry=10_000)
            for prov in PROVIDERS:
                send(w3, prov, p.nexus.functions.register(s, addr(prov), 1))
            sources[(c, delivery)] = s
    ProtocolMachine.p = p
    ProtocolMachine.sources = sources
    run_state_machine_as_test(
        ProtocolMachine,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )


def test_protocol_state_machine(w3: Web3, deployment: Deployment) -> None:
    """Default budget: 50 runs of up to 30 steps (about 20 s here). A planted solvency bug on the
    sanction-of-unbonding or emergency-exit path fails it within 5 s."""
    _run(w3, deployment, max_examples=50, steps=30)


@pytest.mark.soak
@pytest.mark.timeout(1800)  # OGPU_SOAK_SIZE x 50 steps; minutes on a busy 2-core machine
def test_protocol_state_machine_soak(w3: Web3, deployment: Deployment) -> None:
    """``OGPU_SOAK_SIZE`` examples of 50 steps each."""
    _run(w3, deployment, max_examples=soak_size(), steps=50)
