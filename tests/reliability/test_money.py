"""Money conserved: a seeded random walk over every money-moving operation, through a faulty RPC
proxy, checked against a Python ledger and the Vault's solvency invariant — to the wei.

Operations: deposit, withdraw, lock, unbond, cancel unbonding, claim (after ``evm_increaseTime``),
publish task (escrow), attempt (including lazy expiry), respond (FIRST_RESPONSE pays at once),
confirm (pays the provider's master, the rest back to the client), cancel (NEW → refund; overdue
ATTEMPTED/RESPONDED → EXPIRED, refund) and time jumps. Only operations the ledger says must succeed
are chosen, so every typed error is a fault outcome: the ledger is updated only for calls that
returned, or whose error carries a ``tx_hash`` that was in fact mined (ambiguous outcome).

Invariants at the end (views of the contracts, one block):
``vault native balance == Σ balanceOf + lockupOf + unbondingOf + sanctionOf + Σ_clients frozenPayment``,
and per account / per task the ledger equals the chain.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from faults.proxy import Fault, FaultProxy, Rule
from faults.stats import STATS
from support.reliability import SMALL_SIZE, client_network, soak_size

from ogpu.chain import Session
from ogpu.devnet.accounts import DEV_ROLES, dev_account, dev_key
from ogpu.protocol import controller, nexus, terminal, vault
from ogpu.types import DeliveryMethod, OGPUError, Receipt, ResponseParams, SourceParams, TaskParams

MIN_PAYMENT = 10**14
MARGIN = 30  # seconds kept between "now" and an expiry before time-dependent operations
ACCOUNTS = ("client", "client2", "provider", "provider2", "master", "master2")
MASTER_OF = {"provider": "master", "provider2": "master2"}


def addr(role: str) -> str:
    return dev_account(role).address


@dataclass
class TaskModel:
    address: str
    client: str
    payment: int
    expiry: int
    delivery: DeliveryMethod
    status: str = "NEW"  # NEW ATTEMPTED RESPONDED CANCELED EXPIRED FINALIZED
    escrow: int = 0
    attempted: set[str] = field(default_factory=set)
    responses: dict[str, tuple[str, int]] = field(default_factory=dict)  # provider → (addr, pay)


@dataclass
class Ledger:
    balance: dict[str, int] = field(default_factory=dict)
    lockup: dict[str, int] = field(default_factory=dict)
    unbonding: dict[str, int] = field(default_factory=dict)
    maturity: dict[str, int] = field(default_factory=dict)
    tasks: list[TaskModel] = field(default_factory=list)

    def frozen_of(self, role: str) -> int:
        return sum(t.escrow for t in self.tasks if t.client == role)


class Walk:
    """The random walk: ``session`` goes through the proxy, ``direct`` to the node."""

    def __init__(self, session: Session, direct: Session, rng: random.Random) -> None:
        self.s = session
        self.d = direct
        self.rng = rng
        self.ledger = Ledger()
        self.sources: dict[DeliveryMethod, str] = {}
        self.counts: dict[str, int] = {}
        self.failed = 0
        self.ambiguous = 0
        self.calls = 0
        self.unbonding_period = vault.get_unbonding_period(session=direct)

    # -------------------------------------------------------------- plumbing

    def now(self) -> int:
        return self.d.timestamp("latest")

    def do(self, name: str, fn: Any) -> Receipt | None:
        """Run one write; the receipt if it took effect (returned, or ambiguous but mined)."""
        self.calls += 1
        try:
            receipt: Receipt = fn()
        except OGPUError as err:
            self.failed += 1
            if err.tx_hash is None:
                return None
            self.ambiguous += 1
            raw = self.d.rpc("eth_getTransactionReceipt", [err.tx_hash])
            if raw is None or int(raw["status"], 16) != 1:
                return None
            return Receipt.from_web3_receipt(self.d.w3.eth.get_transaction_receipt(err.tx_hash))
        self.counts[name] = self.counts.get(name, 0) + 1
        return receipt

    # -------------------------------------------------------------- set-up (direct, no faults)

    def setup(self) -> None:
        d = self.d
        for p, m in MASTER_OF.items():
            terminal.announce_master(addr(m), signer=dev_key(p), session=d)
            terminal.announce_provider(addr(p), 0, signer=dev_key(m), session=d)
        for delivery in (DeliveryMethod.MANUAL_CONFIRMATION, DeliveryMethod.FIRST_RESPONSE):
            params = SourceParams(
                client=addr("client"),
                imageMetadataUrl="https://meta.test/money.json",
                imageEnvironments=1,
                minPayment=MIN_PAYMENT,
                minAvailableLockup=0,
                maxExpiryDuration=86_400,
                deliveryMethod=int(delivery),
            )
            rec = nexus.publish_source(params, signer=dev_key("client"), session=d)
            source = nexus.extract_source_address(rec, session=d)
            self.sources[delivery] = source
            for p in MASTER_OF:
                nexus.register(source, addr(p), 1, signer=dev_key(p), session=d)
        # the ledger starts from the chain
        for role in ACCOUNTS:
            a = addr(role)
            self.ledger.balance[role] = vault.get_balance_of(a, session=d)
            self.ledger.lockup[role] = vault.get_lockup_of(a, session=d)
            self.ledger.unbonding[role] = vault.get_unbonding_of(a, session=d)
            self.ledger.maturity[role] = vault.get_unbonding_timestamp(a, session=d)

    # -------------------------------------------------------------- operations

    def op_deposit(self) -> bool:
        role = self.rng.choice(ACCOUNTS)
        amount = self.rng.randint(1, 10**17)
        if self.do(
            "deposit",
            lambda: vault.deposit(addr(role), amount, signer=dev_key(role), session=self.s),
        ):
            self.ledger.balance[role] += amount
        return True

    def _with_balance(self, minimum: int = 1) -> str | None:
        roles = [r for r in ACCOUNTS if self.ledger.balance[r] >= minimum]
        return self.rng.choice(roles) if roles else None

    def op_withdraw(self) -> bool:
        role = self._with_balance()
        if role is None:
            return False
        amount = self.rng.randint(1, self.ledger.balance[role])
        if self.do(
            "withdraw", lambda: vault.withdraw(amount, signer=dev_key(role), session=self.s)
        ):
            self.ledger.balance[role] -= amount
        return True

    def op_lock(self) -> bool:
        role = self._with_balance()
        if role is None:
            return False
        amount = self.rng.randint(1, self.ledger.balance[role])
        if self.do("lock", lambda: vault.lock(amount, signer=dev_key(role), session=self.s)):
            self.ledger.balance[role] -= amount
            self.ledger.lockup[role] += amount
        return True

    def op_unbond(self) -> bool:
        roles = [r for r in ACCOUNTS if self.ledger.lockup[r] > 0]
        if not roles:
            return False
        role = self.rng.choice(roles)
        amount = self.rng.randint(1, self.ledger.lockup[role])
        rec = self.do("unbond", lambda: vault.unbond(amount, signer=dev_key(role), session=self.s))
        if rec:
            self.ledger.lockup[role] -= amount
            self.ledger.unbonding[role] += amount
            self.ledger.maturity[role] = rec.timestamp + self.unbonding_period
        return True

    def op_cancel_unbonding(self) -> bool:
        roles = [r for r in ACCOUNTS if self.ledger.unbonding[r] > 0]
        if not roles:
            return False
        role = self.rng.choice(roles)
        if self.do(
            "cancel_unbonding", lambda: vault.cancel_unbonding(signer=dev_key(role), session=self.s)
        ):
            self.ledger.lockup[role] += self.ledger.unbonding[role]
            self.ledger.unbonding[role] = 0
            self.ledger.maturity[role] = 0
        return True

    def op_claim(self) -> bool:
        now = self.now()
        roles = [
            r for r in ACCOUNTS if self.ledger.unbonding[r] > 0 and now >= self.ledger.maturity[r]
        ]
        if not roles:
            return False
        role = self.rng.choice(roles)
        if self.do("claim", lambda: vault.claim(signer=dev_key(role), session=self.s)):
            self.ledger.balance[role] += self.ledger.unbonding[role]
            self.ledger.unbonding[role] = 0
            self.ledger.maturity[role] = 0
        return True

    def op_warp(self) -> bool:
        seconds = self.rng.choice((60, 300, self.unbonding_period + 1, 1200))
        self.d.rpc("evm_increaseTime", [seconds])
        self.d.rpc("evm_mine", [])
        self.counts["warp"] = self.counts.get("warp", 0) + 1
        return True

    def op_publish(self) -> bool:
        if self.ledger.balance["client"] < MIN_PAYMENT:
            return False
        payment = self.rng.randint(MIN_PAYMENT, min(self.ledger.balance["client"], 10**16))
        delivery = self.rng.choice(list(self.sources))
        expiry = self.now() + self.rng.choice((200, 600, 2000))
        params = TaskParams(
            source=self.sources[delivery],
            config=f"https://cfg.test/{self.rng.random()}.json",
            expiryTime=expiry,
            payment=payment,
        )
        rec = self.do(
            "publish",
            lambda: controller.publish_task(params, signer=dev_key("client"), session=self.s),
        )
        if rec:
            task = controller.extract_task_address(rec, session=self.d)
            self.ledger.balance["client"] -= payment
            self.ledger.tasks.append(
                TaskModel(task, "client", payment, expiry, delivery, escrow=payment)
            )
        return True

    def _refund(self, t: TaskModel, status: str) -> None:
        self.ledger.balance[t.client] += t.escrow
        t.escrow = 0
        t.status = status

    def _pay(self, t: TaskModel, provider: str, amount: int) -> None:
        self.ledger.balance[MASTER_OF[provider]] += amount
        self.ledger.balance[t.client] += t.escrow - amount
        t.escrow = 0
        t.status = "FINALIZED"

    def op_attempt(self) -> bool:
        now = self.now()
        choices = [
            (t, p)
            for t in self.ledger.tasks
            if t.status in ("NEW", "ATTEMPTED", "RESPONDED")
            for p in MASTER_OF
            if p not in t.attempted and (now + MARGIN < t.expiry or now > t.expiry + MARGIN)
        ]
        if not choices:
            return False
        t, p = self.rng.choice(choices)
        overdue = now > t.expiry + MARGIN
        rec = self.do(
            "attempt",
            lambda: nexus.attempt(t.address, addr(p), t.payment, signer=dev_key(p), session=self.s),
        )
        if rec:
            if overdue:
                self._refund(t, "EXPIRED")  # lazy expiry settles instead of attempting
            else:
                t.attempted.add(p)
                if t.status == "NEW":
                    t.status = "ATTEMPTED"
        return True

    def op_respond(self) -> bool:
        now = self.now()
        choices = [
            (t, p)
            for t in self.ledger.tasks
            if t.status in ("ATTEMPTED", "RESPONDED") and now + MARGIN < t.expiry
            for p in t.attempted
            if p not in t.responses
        ]
        if not choices:
            return False
        t, p = self.rng.choice(choices)
        pay = self.rng.randint(0, t.payment)
        params = ResponseParams(
            task=t.address,
            provider=addr(p),
            data=f"https://data.test/{self.rng.random()}",
            payment=pay,
        )
        rec = self.do(
            "respond", lambda: nexus.submit_response(params, signer=dev_key(p), session=self.s)
        )
        if rec:
            response = nexus.extract_response_address(rec, session=self.d)
            t.responses[p] = (response, pay)
            if t.delivery is DeliveryMethod.FIRST_RESPONSE:
                self._pay(t, p, t.payment)  # first response is paid the task's full payment
            elif t.status == "ATTEMPTED":
                t.status = "RESPONDED"
        return True

    def op_confirm(self) -> bool:
        choices = [
            (t, p)
            for t in self.ledger.tasks
            if t.status == "RESPONDED" and t.delivery is DeliveryMethod.MANUAL_CONFIRMATION
            for p in t.responses
        ]
        if not choices:
            return False
        t, p = self.rng.choice(choices)
        response, pay = t.responses[p]
        if self.do(
            "confirm",
            lambda: controller.confirm_response(response, signer=dev_key("client"), session=self.s),
        ):
            self._pay(t, p, pay)
        return True

    def op_cancel(self) -> bool:
        now = self.now()
        choices = [
            t
            for t in self.ledger.tasks
            if t.status == "NEW"
            or (t.status in ("ATTEMPTED", "RESPONDED") and now > t.expiry + MARGIN)
        ]
        if not choices:
            return False
        t = self.rng.choice(choices)
        status = "CANCELED" if t.status == "NEW" else "EXPIRED"
        if self.do(
            "cancel",
            lambda: controller.cancel_task(t.address, signer=dev_key("client"), session=self.s),
        ):
            self._refund(t, status)
        return True

    OPS = (
        ("deposit", 4),
        ("withdraw", 2),
        ("lock", 2),
        ("unbond", 2),
        ("cancel_unbonding", 1),
        ("claim", 2),
        ("warp", 1),
        ("publish", 5),
        ("attempt", 4),
        ("respond", 4),
        ("confirm", 3),
        ("cancel", 2),
    )

    def step(self) -> None:
        names = [n for n, _ in self.OPS]
        weights = [w for _, w in self.OPS]
        for _ in range(20):
            name = self.rng.choices(names, weights)[0]
            if getattr(self, f"op_{name}")():
                return
        self.op_deposit()

    # -------------------------------------------------------------- verification

    def unaccounted(self) -> tuple[int, list[str]]:
        """Wei the ledger and the chain disagree on, plus the solvency gap, with details."""
        d = self.d
        v = d.contract("Vault")
        block = d.block_number()
        roles = list(DEV_ROLES)
        calls = []
        for role in roles:
            a = addr(role)
            calls += [
                v.functions.balanceOf(a),
                v.functions.lockupOf(a),
                v.functions.unbondingOf(a),
                v.functions.sanctionOf(a),
                v.functions.frozenPayment(a),
            ]
        calls += [v.functions.frozenPayment(t.address) for t in self.ledger.tasks]
        values = d.batch_call(calls, block=block)
        native = int(d.rpc("eth_getBalance", [v.address, hex(block)]), 16)
        gap = 0
        details: list[str] = []
        total = 0
        for i, role in enumerate(roles):
            bal, lock, unb, sanc, frozen = values[5 * i : 5 * i + 5]
            total += bal + lock + unb + sanc + frozen
            if role in ACCOUNTS:
                expected = (
                    self.ledger.balance[role],
                    self.ledger.lockup[role],
                    self.ledger.unbonding[role],
                    0,
                    self.ledger.frozen_of(role),
                )
                for label, want, got in zip(
                    ("balance", "lockup", "unbonding", "sanction", "frozen"),
                    expected,
                    (bal, lock, unb, sanc, frozen),
                    strict=True,
                ):
                    if want != got:
                        gap += abs(want - got)
                        details.append(f"{role}.{label}: ledger {want} chain {got}")
        for t, frozen in zip(self.ledger.tasks, values[5 * len(roles) :], strict=True):
            if frozen != t.escrow:
                gap += abs(frozen - t.escrow)
                details.append(f"task {t.address} escrow: ledger {t.escrow} chain {frozen}")
        if native != total:
            gap += abs(native - total)
            details.append(f"solvency: vault holds {native}, accounts sum to {total}")
        return gap, details


def run_money_soak(
    n: int, seed: int, anvil: Any, deployment: Any, store: Any, direct: Session
) -> None:
    rng = random.Random(seed)
    with FaultProxy(anvil.url, seed=seed, keep_bodies=False) as proxy:
        sess = Session(client_network(deployment, proxy.url, store.url), request_timeout=10.0)
        walk = Walk(sess, direct, rng)
        walk.setup()
        gap0, details0 = walk.unaccounted()
        assert gap0 == 0, details0
        proxy.add_rule(Rule(Fault.DROP_REPLY, method="eth_sendRawTransaction", probability=0.10))
        proxy.add_rule(
            Rule(Fault.MALFORMED_AFTER_FORWARD, method="eth_sendRawTransaction", probability=0.03)
        )
        proxy.random_faults(0.05, [Fault.HTTP_502, Fault.HTTP_503, Fault.HTTP_429])
        proxy.random_faults(0.02, [Fault.CLOSE_MID_BODY, Fault.DROP_REQUEST])
        proxy.random_faults(0.05, [Fault.DELAY], delay=0.0, max_delay=0.03)
        for _ in range(n):
            walk.step()
        fired = proxy.total_injected()
        sess.close()
    gap, details = walk.unaccounted()
    STATS.add(
        calls=walk.calls,
        failed_calls=walk.failed,
        ambiguous_calls=walk.ambiguous,
        wei_unaccounted=gap,
    )
    STATS.note(f"money walk (seed {seed}, {n} steps): {sorted(walk.counts.items())}")
    assert gap == 0, details
    assert fired > 0
    # the checker itself can fail: one wei off in the ledger is found
    walk.ledger.balance["client"] += 1
    assert walk.unaccounted()[0] == 1
    walk.ledger.balance["client"] -= 1
    # the walk really moved money through escrow
    assert (
        walk.counts.get("publish", 0) > 0
        and walk.counts.get("confirm", 0) + walk.counts.get("respond", 0) > 0
    )


def test_money_conserved(anvil: Any, deployment: Any, store: Any, direct: Session) -> None:
    run_money_soak(SMALL_SIZE, 7, anvil, deployment, store, direct)


@pytest.mark.soak
def test_money_conserved_soak(anvil: Any, deployment: Any, store: Any, direct: Session) -> None:
    run_money_soak(soak_size(), 77, anvil, deployment, store, direct)
