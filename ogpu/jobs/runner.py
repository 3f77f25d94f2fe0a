"""The job engine: every input published exactly once, followed to its answer, across crashes.

Each input is driven by a small state machine whose every step is journaled first (see
:mod:`ogpu.jobs.journal`): *intent* → *signed* (raw bytes on disk, then broadcast) →
*published* (task address from the receipt) → *confirmed* (result fetched and verified) or
*expired* → *refunded* (then, within the retry budget, a new attempt). A restarted process
(:meth:`Job.resume`) re-sends the recorded bytes of every attempt whose fate is unknown and
looks their receipts up; it signs a new publish for an input only when the old one is provably
dead: never signed, or its nonce consumed by another transaction while none of its hashes was
mined.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import math
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eth_utils.address import to_checksum_address

from ogpu.chain.tx import ON_SIGNED, Sent, send_error_kind, sign_raw
from ogpu.ipfs.errors import IPFSSizeLimitError
from ogpu.jobs.journal import ENDED, FINAL_ITEM, UNSETTLED, Attempt, Journal, SignedTx
from ogpu.jobs.policy import Policy
from ogpu.rpc import RpcError
from ogpu.types.checks import integer, uint
from ogpu.types.enums import DeliveryMethod, Role, TaskStatus
from ogpu.types.errors import (
    BudgetExceededError,
    IPFSError,
    IPFSIntegrityError,
    JobError,
    JobItemError,
    OGPUError,
    TaskAlreadyFinalizedError,
    TaskExpiredError,
    TxRpcError,
)

if TYPE_CHECKING:
    from ogpu.chain.session import Session
    from ogpu.chain.signers import SignerInput, SignerLike
    from ogpu.protocol.task import Task
    from ogpu.types.receipt import Receipt

__all__ = ["Job", "JobStatus", "publish_once", "run_job"]

log = logging.getLogger("ogpu.jobs")

Validator = Callable[[dict[str, Any]], bool]

#: replacement fees: both the fee cap and the tip go up by this factor (EIP-1559 needs >= 10 %)
FEE_BUMP = 1.125
#: seconds between re-broadcasts of the same bytes while waiting for a receipt
REBROADCAST_EVERY = 5.0


@dataclass(frozen=True)
class JobStatus:
    """Counts and money of a job (wei), from its journal."""

    job_id: str
    state: str
    total: int
    published: int
    attempted: int
    answered: int
    confirmed: int
    failed: int
    canceled: int
    pending: int
    spent: int
    paid: int
    refunded: int
    escrowed: int
    elapsed: float
    eta: float | None

    @property
    def finished(self) -> bool:
        return self.confirmed + self.failed + self.canceled == self.total

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "finished": self.finished}


class _Watcher:
    """Status of every followed task, read in one batch per poll with the head's timestamp."""

    CHUNK = 200

    def __init__(self, session: Session, interval: float) -> None:
        self.session = session
        self.interval = interval
        self._cond = threading.Condition()
        self._tasks: dict[str, int] = {}
        self._head = 0
        self._round = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self, task: str) -> None:
        with self._cond:
            self._tasks.setdefault(task, -1)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="ogpu-job-watch", daemon=True
                )
                self._thread.start()

    def forget(self, task: str) -> None:
        with self._cond:
            self._tasks.pop(task, None)

    def stop(self) -> None:
        self._stop.set()

    def next(self, task: str, after_round: int, timeout: float) -> tuple[int, int, int]:
        """``(round, status, head timestamp)`` from a poll newer than ``after_round`` (or the
        newest known after ``timeout``; status -1 before the first)."""
        with self._cond:
            self._cond.wait_for(lambda: self._round > after_round or self._stop.is_set(), timeout)
            return self._round, self._tasks.get(task, -1), self._head

    def _run(self) -> None:
        from ogpu.protocol.task import Task

        while not self._stop.is_set():
            with self._cond:
                tasks = list(self._tasks)
            try:
                found: dict[str, int] = {}
                head = self._head
                for i in range(0, max(len(tasks), 1), self.CHUNK):
                    chunk = tasks[i : i + self.CHUNK]
                    _, values = self.session.batch_call_at(
                        [Task(t, self.session)._fn("getStatus") for t in chunk],
                        allow_failure=True,
                        extra=[("eth_getBlockByNumber", ["latest", False])],
                    )
                    *statuses, header = values
                    if isinstance(header, dict):
                        head = int(header["timestamp"], 16)
                    for t, status in zip(chunk, statuses, strict=True):
                        if not isinstance(status, BaseException):
                            found[t] = int(status)
                with self._cond:
                    for t, v in found.items():
                        if t in self._tasks:
                            self._tasks[t] = v
                    self._head = head
                    self._round += 1
                    self._cond.notify_all()
            except Exception as exc:  # the node is down for a moment: keep polling
                log.debug("job watcher poll failed: %s", exc)
            self._stop.wait(self.interval)


@dataclass
class _Publisher:
    """Publishes of one signer, journaled: sign (bytes recorded before broadcast), settle from
    the chain, replace stuck transactions."""

    journal: Journal
    session: Session
    get_signer: Callable[[], SignerLike]
    stuck_after: float
    max_fee_per_gas: int | None
    settle_timeout: float
    poll_interval: float = 0.1
    halt: threading.Event = field(default_factory=threading.Event)

    @property
    def signer(self) -> SignerLike:
        return self.get_signer()

    def publish_attempt(self, att: Attempt, info: Any) -> None:
        from ogpu.client.workflows import publish_task

        sender = to_checksum_address(self.signer.address)
        # each signed transaction is journaled before it is broadcast
        token = ON_SIGNED.set(functools.partial(self.journal.record_signed, att.id, sender))
        try:
            pending = publish_task(info, signer=self.signer, session=self.session, wait=False)
        except OGPUError as exc:
            if self.journal.txs(att.id):
                log.info("publish of %s ended ambiguously (%s); settling", att.key, exc)
                return  # signed: the fate is settled from the chain
            self.journal.update_attempt(att.id, state="dead", note=f"not sent: {exc}"[:500])
            raise
        finally:
            ON_SIGNED.reset(token)
        try:
            receipt = pending.pending.wait(self.stuck_after)
        except Exception:  # reverted, stuck or unknown: settled from the journal's transactions
            return
        self.journal.mark_mined(receipt.tx_hash)
        self._published(att, receipt)

    def _published(self, att: Attempt, receipt: Receipt) -> None:
        from ogpu.protocol import controller

        task = controller.extract_task_address(receipt, session=self.session)
        self.journal.update_attempt(att.id, state="published", task=task)

    # -- transactions

    def rebroadcast(self, attempts: Iterable[Attempt]) -> None:
        """Re-send the recorded bytes of every attempt whose fate is unknown, in nonce order,
        before anything new is signed (so no new transaction takes a recorded nonce)."""
        unsettled = [self.journal.txs(a.id) for a in attempts if a.state in UNSETTLED]
        for tx in sorted((txs[-1] for txs in unsettled if txs), key=lambda t: t.nonce):
            self.send_raw(tx)

    def send_raw(self, tx: SignedTx) -> str | None:
        """Broadcast recorded bytes; the rejection kind (``fee``, ``funds``…) or ``None``."""
        try:
            self.session.rpc("eth_sendRawTransaction", [tx.raw], retry=False)
        except RpcError as exc:
            kind = send_error_kind(exc)
            return None if kind in ("known", "nonce_low") else kind
        except Exception as exc:  # transport: the next poll looks the hash up
            log.debug("re-broadcast of %s failed: %s", tx.hash, exc)
        return None

    def settle(self, att: Attempt) -> None:
        """Find which recorded transaction of ``att`` was mined; bump the fee of a stuck one."""
        txs = self.journal.txs(att.id)
        if not txs:
            self.journal.update_attempt(att.id, state="dead", note="never signed")
            return
        bump_at = time.time() + self.stuck_after
        last_send = 0.0
        give_up = time.monotonic() + self.settle_timeout
        while not self.halt.is_set():
            try:
                last = txs[-1]
                # the nonce count is read BEFORE the receipts: a consumed nonce with none of
                # our hashes mined afterwards means another transaction took it
                used = int(self.session.rpc("eth_getTransactionCount", [last.sender, "latest"]), 16)
                receipts = self.session.rpc_batch(
                    [("eth_getTransactionReceipt", [t.hash]) for t in txs]
                )
                for tx, receipt in zip(txs, receipts, strict=True):
                    if isinstance(receipt, dict) and receipt.get("blockHash"):
                        self.mined(att, tx, receipt)
                        return
                if used > last.nonce:
                    self.journal.update_attempt(
                        att.id, state="dead", note=f"nonce {last.nonce} used by another transaction"
                    )
                    return
                kind = None
                if time.monotonic() - last_send >= REBROADCAST_EVERY:
                    kind = self.send_raw(last)
                    last_send = time.monotonic()
                if kind == "fee" or time.time() >= bump_at:
                    bumped = self.bump(att, last)
                    if bumped is not None:
                        txs.append(bumped)
                        self.send_raw(bumped)
                        last_send = time.monotonic()
                    bump_at = time.time() + self.stuck_after
            except (RpcError, TxRpcError, OSError) as exc:
                log.debug("settling %s: %s", att.key, exc)
            if time.monotonic() > give_up:
                raise JobError(
                    f"input {att.key}: the publish transaction is neither mined nor provably "
                    "dropped; resume the job later"
                )
            time.sleep(self.poll_interval)

    def bump(self, att: Attempt, last: SignedTx) -> SignedTx | None:
        """Sign ``last`` again with the same nonce and fees raised by :data:`FEE_BUMP` (capped by
        the job's ``max_fee_per_gas``); record it before it is broadcast. ``None`` if the cap
        leaves no valid replacement."""
        fields = dict(last.fields)
        cap = self.max_fee_per_gas
        head = self.session.rpc("eth_getBlockByNumber", ["latest", False])

        def up(v: int) -> int:
            return math.ceil(int(v) * FEE_BUMP)

        if "maxFeePerGas" in fields:
            floor, tip = up(fields["maxFeePerGas"]), up(fields["maxPriorityFeePerGas"])
            base = int(head.get("baseFeePerGas") or "0x0", 16)
            new_max = max(floor, 2 * base + tip)
            if cap is not None:
                new_max = min(new_max, int(cap))
            if new_max < floor or tip > new_max:
                log.warning("%s is stuck and the max fee cap allows no bump", att.key)
                return None
            fields.update(maxFeePerGas=new_max, maxPriorityFeePerGas=tip)
        else:
            price = up(int(fields["gasPrice"]))
            if cap is not None and price > int(cap):
                return None
            fields["gasPrice"] = price
        raw, tx_hash = sign_raw(self.signer, fields)
        self.journal.record_signed(att.id, last.sender, fields, raw, tx_hash)
        log.info("replaced stuck publish of %s (nonce %d) with %s", att.key, last.nonce, tx_hash)
        return self.journal.txs(att.id)[-1]

    def mined(self, att: Attempt, tx: SignedTx, raw: dict[str, Any]) -> None:
        self.journal.mark_mined(tx.hash)
        try:
            sent = Sent(tx.hash, tx.fields, tx.sender, tx.nonce, f"publish of {att.key}", raw)
            receipt = self.session.executor.wait(sent, None)
        except OGPUError as exc:
            self.journal.update_attempt(att.id, state="reverted", note=str(exc)[:500])
            return
        self._published(att, receipt)


class Job:
    """A job in a journal: inputs, their tasks and results.

    Made by :func:`run_job` / ``Source.map`` (started) or :meth:`resume` / :meth:`open`. Iterate
    it for results in input order (:meth:`results` for completion order or failures returned as
    values), :meth:`status` for counts and money, :meth:`cancel` to stop publishing and refund
    tasks no provider has taken.
    """

    def __init__(
        self,
        journal: Journal,
        job_id: str,
        *,
        session: Session | None = None,
        signer: SignerInput | None = None,
        validator: Validator | None = None,
        max_in_flight: int | None = None,
        poll_interval: float = 0.2,
        settle_timeout: float = 300.0,
    ) -> None:
        self.journal = journal
        self.id = job_id
        spec, _, _ = journal.job(job_id)
        self.spec = spec
        self._session = session
        self._signer_input = signer
        self._signer: SignerLike | None = None
        self.validator = validator
        self.policy = Policy.parse(spec.get("policy"))
        if spec.get("policy_window") is not None:
            self.policy = replace(self.policy, window=float(spec["policy_window"]))
        self.max_in_flight = int(max_in_flight or spec.get("max_in_flight") or 16)
        self.poll_interval = poll_interval
        self.settle_timeout = settle_timeout
        self._cond = threading.Condition()
        self._halt = threading.Event()
        self._canceled = False
        self._threads: list[threading.Thread] = []
        self._finisher: threading.Thread | None = None
        self._budget_lock = threading.Lock()
        self._watcher: _Watcher | None = None
        self._lock_file: Any = None
        self._started = 0.0
        self._done_at_start = 0
        self._first_valid: dict[int, float] = {}
        self._docs: dict[str, dict[str, Any]] = {}

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls, job_id: str, *, journal: Journal | str | Path | None = None, **kwargs: Any
    ) -> Job:
        """The job ``job_id`` of ``journal`` (default journal file), not started."""
        return cls(_journal(journal), job_id, **kwargs)

    @classmethod
    def resume(
        cls, job_id: str, *, journal: Journal | str | Path | None = None, **kwargs: Any
    ) -> Job:
        """Re-open ``job_id`` after a crash or a stop and drive it to the end (in the background).

        Attempts whose fate is unknown are settled first, their recorded bytes re-sent in nonce
        order; nothing is published twice.
        """
        return cls.open(job_id, journal=journal, **kwargs).start()

    @property
    def session(self) -> Session:
        if self._session is None:
            from ogpu.chain.session import get_session

            self._session = get_session()
        return self._session

    @property
    def signer(self) -> SignerLike:
        if self._signer is None:
            self._signer = self.session.resolve_signer(self._signer_input, Role.CLIENT)
            sender = to_checksum_address(self._signer.address)
            if self.spec.get("sender") and sender != self.spec["sender"]:
                raise JobError(
                    f"job {self.id} publishes as {self.spec['sender']}; the signer given is "
                    f"{sender} (use the same key to resume it)"
                )
        return self._signer

    @functools.cached_property
    def _tx(self) -> _Publisher:
        return _Publisher(
            self.journal,
            self.session,
            lambda: self.signer,
            stuck_after=float(self.spec.get("stuck_after", 30.0)),
            max_fee_per_gas=self.spec.get("max_fee_per_gas"),
            poll_interval=self.poll_interval,
            settle_timeout=self.settle_timeout,
            halt=self._halt,
        )

    # ------------------------------------------------------------------ running

    def start(self) -> Job:
        """Take the job's lock, settle unknown transactions, start ``max_in_flight`` workers."""
        if self._threads:
            return self
        self._check_chain()
        self._take_lock()
        # The workers import these lazily (they import this package): import them once, here,
        # before several threads race on a partly initialised module (an ImportError in one).
        import ogpu.client.workflows
        import ogpu.protocol  # noqa: F401

        _, state, _ = self.journal.job(self.id)
        self._canceled = state == "canceled"
        self._started = time.monotonic()
        items = self.journal.items(self.id)
        keys = [i.key for i in items if i.state not in FINAL_ITEM]
        self._done_at_start = len(items) - len(keys)
        self._watcher = _Watcher(self.session, self.poll_interval)
        self._tx.rebroadcast(self.journal.job_attempts(self.id))
        queue = iter(keys)
        qlock = threading.Lock()

        def worker() -> None:
            while not self._halt.is_set():
                with qlock:
                    key = next(queue, None)
                if key is None:
                    return
                for tries in range(1, 6):
                    try:
                        self._drive(key)
                        break
                    except Exception:  # e.g. the node or the store failed for a moment
                        log.exception("job %s: input %s failed (try %d of 5)", self.id, key, tries)
                        self._halt.wait(0.5 * tries)
                self._notify()

        n = max(1, min(self.max_in_flight, len(keys)))
        self._threads = [
            threading.Thread(target=worker, name=f"ogpu-job-{i}", daemon=True) for i in range(n)
        ]
        for t in self._threads:
            t.start()
        self._finisher = threading.Thread(target=self._finish_when_done, daemon=True)
        self._finisher.start()
        return self

    def _finish_when_done(self) -> None:
        for t in self._threads:
            t.join()
        if self._watcher is not None:
            self._watcher.stop()
        if (
            not self._halt.is_set()
            and self._all_final()
            and self.journal.job(self.id)[1] == "running"
        ):
            self.journal.set_job_state(self.id, "done")
        self._release_lock()
        self._notify()

    def _check_chain(self) -> None:
        cid = self.spec.get("chain_id")
        if cid is not None and int(cid) != self.session.chain_id:
            raise JobError(
                f"job {self.id} runs on chain {cid}; this session is on chain "
                f"{self.session.chain_id} (use the job's network)"
            )

    def _take_lock(self) -> None:
        if str(self.journal.path) == ":memory:":
            return
        from filelock import FileLock, Timeout

        lock = FileLock(f"{self.journal.path}.{self.id}.lock")
        try:
            lock.acquire(timeout=3.0)
        except Timeout:
            raise JobError(f"job {self.id} is being run by another process") from None
        self._lock_file = lock

    def _release_lock(self) -> None:
        if self._lock_file is not None:
            with contextlib.suppress(Exception):
                self._lock_file.release()
            self._lock_file = None

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the workers (the journal keeps everything; :meth:`resume` carries on)."""
        self._halt.set()
        for t in self._threads:
            t.join(timeout)
        if self._watcher is not None:
            self._watcher.stop()
        self._release_lock()

    def cancel(self, *, wait: bool = True, timeout: float = 120.0) -> JobStatus:
        """Publish nothing more; tasks no provider took (NEW) are cancelled and refunded; tasks
        already taken are followed to their answer or expiry. Persists across restarts."""
        self.journal.set_job_state(self.id, "canceled")
        self._canceled = True
        if not self._threads:
            # inputs with nothing on chain are canceled here, without a node
            for key in [i.key for i in self.journal.items(self.id) if i.state not in FINAL_ITEM]:
                atts = self.journal.attempts(key)
                if not atts or atts[-1].state in ENDED:
                    self._finish(key, "canceled")
            if not self._all_final():
                self.start()
        if wait:
            self.wait(timeout)
        return self.status()

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until every input is final (or ``timeout``); the status. Once every input is
        final it also waits (within ``timeout``) for the job to be marked done."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._all_final() and self._running():
            if not self._pause(deadline, 0.5):
                break
        finisher = self._finisher
        if (
            finisher is not None
            and finisher is not threading.current_thread()
            and self._all_final()
        ):
            finisher.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return self.status()

    def _all_final(self) -> bool:
        return all(v in FINAL_ITEM for v in self.journal.states(self.id).values())

    def _running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _pause(self, deadline: float | None, step: float) -> bool:
        """Wait for news of the workers, ``step`` s at most; False once ``deadline`` passed."""
        left = step if deadline is None else min(deadline - time.monotonic(), step)
        if left <= 0:
            return False
        with self._cond:
            self._cond.wait(left)
        return True

    def _notify(self) -> None:
        with self._cond:
            self._cond.notify_all()

    # ------------------------------------------------------------------ results

    def __iter__(self) -> Iterator[Any]:
        return self.results()

    def results(
        self,
        *,
        ordered: bool = True,
        return_exceptions: bool = False,
        timeout: float | None = None,
    ) -> Iterator[Any]:
        """Results in input order (``ordered=False``: as they complete). A failed input raises
        its :class:`JobItemError`, or with ``return_exceptions`` yields it in its place."""
        deadline = None if timeout is None else time.monotonic() + timeout
        remaining = [i.key for i in self.journal.items(self.id)]
        while remaining:
            final = {k for k, v in self.journal.states(self.id).items() if v in FINAL_ITEM}
            ready = [k for k in remaining if k in final]
            if ordered:
                ready = list(itertools.takewhile(final.__contains__, remaining))
            for k in ready:
                remaining.remove(k)
                item = self.journal.item(k)
                assert item is not None
                if item.state == "done":
                    yield item.result
                    continue
                err = item.error or {"type": item.state, "message": item.state}
                exc = JobItemError(k, err.get("message", ""), kind=err.get("type"))
                if not return_exceptions:
                    raise exc
                yield exc
            if ready:
                continue
            if not self._running():
                raise JobError(
                    f"job {self.id} is not running and {len(remaining)} inputs are not "
                    "finished; resume it (Job.resume / ogpu job resume)"
                )
            if not self._pause(deadline, 0.2):
                raise TimeoutError(f"job {self.id}: {len(remaining)} results not ready")

    # ------------------------------------------------------------------ status

    def status(self) -> JobStatus:
        """Counts (published = tasks on chain) and money of the job, from the journal."""
        _, state, _ = self.journal.job(self.id)
        states = Counter(self.journal.states(self.id).values())
        on_chain = [a for a in self.journal.job_attempts(self.id) if a.task]
        spent = sum(a.payment for a in on_chain)
        paid = sum(a.paid for a in on_chain)
        refunded = sum(a.refunded for a in on_chain)
        total = states.total()
        pending = total - sum(states[s] for s in FINAL_ITEM)
        elapsed = time.monotonic() - self._started if self._started else 0.0
        finished_now = total - pending - self._done_at_start
        return JobStatus(
            job_id=self.id,
            state=state,
            total=total,
            published=len(on_chain),
            attempted=sum(a.attempted for a in on_chain),
            answered=sum(a.answered for a in on_chain),
            confirmed=states["done"],
            failed=states["failed"],
            canceled=states["canceled"],
            pending=pending,
            spent=spent,
            paid=paid,
            refunded=refunded,
            escrowed=spent - paid - refunded,
            elapsed=elapsed,
            eta=pending * elapsed / finished_now if finished_now > 0 and elapsed > 0 else None,
        )

    # ------------------------------------------------------------------ the state machine

    def _finish(self, key: str, state: str, *, result: Any = None, error: Any = None) -> None:
        if isinstance(error, BaseException):
            error = {"type": type(error).__name__, "message": str(error)[:2000]}
        self.journal.finish_item(key, state, result=result, error=error)
        self._notify()

    def _drive(self, key: str) -> None:
        retries = int(self.spec.get("retries", 0))
        while not self._halt.is_set():
            item = self.journal.item(key)
            if item is None or item.state in FINAL_ITEM:
                return
            atts = self.journal.attempts(key)
            att = atts[-1] if atts else None
            if att is None or att.state in ENDED:
                used = sum(1 for a in atts if a.state in ("reverted", "refunded"))
                if self._canceled:
                    self._finish(key, "canceled")
                    return
                if used > retries:
                    expired = att is not None and att.state == "refunded"
                    why = "expired unanswered" if expired else "reverted"
                    note = f" ({att.note})" if att and att.note else ""
                    error = {
                        "type": "TaskExpiredError" if expired else "TxRevertError",
                        "message": f"{why} after {used} publishes{note}",
                    }
                    self._finish(key, "failed", error=error)
                    return
                try:
                    self._publish(key, item.input)
                except (TxRpcError, IPFSError):
                    raise  # nothing was sent: the worker tries the input again
                except (OGPUError, ValueError) as exc:  # refused before sending (budget, state)
                    self._finish(key, "failed", error=exc)
                    return
                continue
            if att.state in UNSETTLED:
                self._tx.settle(att)
            elif att.state == "published":
                self._follow(att)
            elif att.state == "expired":  # overdue and unanswered: cancel it (full refund)
                self._cancel_task(att, canceled=False)
            elif att.state == "confirmed":
                self._collect(att)
            else:  # pragma: no cover - a state this version does not know
                raise JobError(f"input {key}: unknown attempt state {att.state!r}")

    def _publish(self, key: str, data: Any) -> None:
        from ogpu.client.models import TaskInfo, TaskInput

        payment = int(self.spec["payment"])
        budget = self.spec.get("budget")
        config = TaskInput(self.spec["function"], data)
        with self._budget_lock:
            if budget is not None:
                committed = self.journal.committed(self.id)
                if committed + payment > int(budget):
                    raise BudgetExceededError(int(budget), committed, payment)
            expiry = self.session.timestamp() + int(self.spec["expires_in"])
            att = self.journal.new_attempt(key, payment, expiry)
        info = TaskInfo(
            source=self.spec["source"], config=config, expiryTime=expiry, payment=payment
        )
        self._tx.publish_attempt(att, info)

    # -- outcomes

    def _task(self, address: str) -> Task:
        from ogpu.protocol.task import Task

        return Task(address, self.session)

    def _delivery(self) -> DeliveryMethod:
        return DeliveryMethod(int(self.spec.get("delivery", 0)))

    def _follow(self, att: Attempt) -> None:
        assert att.task is not None and self._watcher is not None
        w = self._watcher
        w.watch(att.task)
        seen_round = -1
        attempted = att.attempted
        try:
            while not self._halt.is_set():
                seen_round, status, head = w.next(att.task, seen_round, 5.0)
                if status < 0:
                    continue
                if status != TaskStatus.NEW and not attempted:
                    self.journal.update_attempt(att.id, attempted=1)
                    attempted = True
                if status == TaskStatus.FINALIZED:
                    self._finalized(att)
                    return
                if status in (TaskStatus.CANCELED, TaskStatus.EXPIRED):
                    self.journal.update_attempt(att.id, state="refunded", refunded=att.payment)
                    return
                if head > att.expiry:
                    self.journal.update_attempt(att.id, state="expired")
                    return
                if self._canceled and status == TaskStatus.NEW:
                    self._cancel_task(att, canceled=True)
                    return
                if (
                    self._delivery() is DeliveryMethod.MANUAL_CONFIRMATION
                    and status == TaskStatus.RESPONDED
                    and self._judge(att)
                ):
                    return
        finally:
            w.forget(att.task)

    def _fetch(self, url: str) -> dict[str, Any]:
        """The JSON document a response names, fetched BY ITS CID through the session's own IPFS
        backend/gateway (never from the host a stranger put in the URL) and verified against it."""
        from ogpu.ipfs.cid import has_subpath, parse_cid_from_url

        cid = parse_cid_from_url(url)
        if cid is None or has_subpath(url):
            raise JobItemError("", f"response data {url[:200]!r} names no CID; cannot verify it")
        doc: dict[str, Any] = self.session.ipfs.fetch_json(cid)
        return doc

    def _finalized(self, att: Attempt) -> None:
        """FINALIZED: FIRST_RESPONSE paid in full, or a MANUAL confirmation (maybe ours, made
        before a crash). The winning response's data is fetched and checked against its CID."""
        task = self._task(att.task or "")
        winner = task.get_winning_provider()
        response = task.get_response_of(winner) if winner else None
        if response is None:
            raise JobError(f"task {att.task} is FINALIZED without a confirmed response")
        params = response.snapshot().params
        bid = int(params.payment)
        manual = self._delivery() is DeliveryMethod.MANUAL_CONFIRMATION
        paid = bid if manual else att.payment
        self._confirmed(att, response.address, params.provider, bid, None, paid)

    def _confirmed(
        self, att: Attempt, response: str, provider: str, bid: int, content: str | None, paid: int
    ) -> None:
        """Journal ``response`` as the confirmed one of ``att`` (``paid`` wei of its payment),
        then collect its result."""
        self.journal.record_response(response, att.id, provider, bid, content, "confirmed")
        self.journal.update_attempt(
            att.id,
            state="confirmed",
            attempted=1,
            answered=1,
            paid=paid,
            refunded=att.payment - paid,
        )
        self._collect(att)

    def _collect(self, att: Attempt) -> None:
        """The result of a confirmed attempt: its confirmed response's data, verified."""
        responses = self.journal.responses(att.id)
        address = next((r[0] for r in responses if r[4] == "confirmed"), None)
        doc = self._docs.pop(address, None) if address else None
        try:
            if doc is None:
                from ogpu.protocol.response import Response

                if address is None:
                    found = self._task(att.task or "").get_confirmed_response()
                    if found is None:
                        raise JobError(f"task {att.task} has no confirmed response")
                    address = found.address
                doc = self._fetch(Response(address, self.session).get_data())
        except (IPFSIntegrityError, IPFSSizeLimitError, JobItemError) as exc:
            self._finish(att.key, "failed", error=exc)  # paid, but the answer is unusable
            return
        self._finish(att.key, "done", result=doc)

    def _judge(self, att: Attempt) -> bool:
        """Check new responses of a MANUAL task and confirm one when the policy is met."""
        from ogpu.client.workflows import confirm_response
        from ogpu.ipfs import encode_payload
        from ogpu.ipfs.client import local_cid

        task = self._task(att.task or "")
        known = {r[0]: r for r in self.journal.responses(att.id)}
        for response in task.get_responses():
            if response.address in known:
                continue
            snap = response.snapshot()
            provider, bid = snap.params.provider, int(snap.params.payment)
            verdict, content = "rejected", None
            try:
                doc = self._fetch(snap.data)
                content = local_cid(encode_payload(doc))
                if self.validator is None or bool(self.validator(doc)):
                    verdict = "valid"
                    self._docs[response.address] = doc
            except Exception as exc:  # hostile or broken data: this response is not valid
                log.info("response %s rejected: %s", response.address, exc)
            self.journal.record_response(response.address, att.id, provider, bid, content, verdict)
            known[response.address] = (response.address, provider, bid, content, verdict)
        if not att.answered and known:
            self.journal.update_attempt(att.id, answered=1)
        valid = [r for r in known.values() if r[4] == "valid"]
        if not valid:
            return False
        self._first_valid.setdefault(att.id, time.monotonic())
        chosen: tuple[Any, ...] | None = None
        policy = self.policy
        if policy.kind == "first":
            chosen = valid[0]
        elif policy.kind == "cheapest":
            waited = time.monotonic() - self._first_valid[att.id]
            if len(valid) >= policy.k or waited >= policy.window:
                chosen = min(valid, key=lambda r: r[2])
        else:
            groups: dict[str | None, list[tuple[Any, ...]]] = {}
            for r in valid:
                groups.setdefault(r[3], []).append(r)
            full = [g for g in groups.values() if len(g) >= policy.k]
            if full:
                chosen = min(full[0], key=lambda r: r[2])
        if chosen is None:
            return False
        address, provider, bid, content, _ = chosen
        try:
            confirm_response(address, signer=self.signer, session=self.session)
        except OGPUError as exc:  # confirmed already (before a crash) or expired: re-read
            log.info("confirming %s: %s", address, exc)
            return False
        self._confirmed(att, address, provider, bid, content, bid)
        return True

    def _cancel_task(self, att: Attempt, *, canceled: bool) -> None:
        from ogpu.client.workflows import cancel_task

        try:
            cancel_task(att.task or "", signer=self.signer, session=self.session)
        except (TaskAlreadyFinalizedError, TaskExpiredError) as exc:
            status = self._task(att.task or "").get_status()
            if status == TaskStatus.FINALIZED:
                self.journal.update_attempt(att.id, state="published")
                return
            if status not in (TaskStatus.CANCELED, TaskStatus.EXPIRED):
                if canceled:  # taken by a provider meanwhile: follow it to its answer
                    return
                raise JobError(f"cannot refund task {att.task}: {exc}") from exc
        self.journal.update_attempt(att.id, state="refunded", refunded=att.payment)
        if canceled:
            self._finish(att.key, "canceled")


# ----------------------------------------------------------------------------------------------


def _journal(journal: Journal | str | Path | None) -> Journal:
    return journal if isinstance(journal, Journal) else Journal(journal)


def run_job(
    source: Any,
    function: str,
    inputs: Iterable[Any],
    *,
    payment: int,
    expires_in: int = 600,
    retries: int = 1,
    budget: int | None = None,
    policy: str | Policy | None = None,
    validator: Validator | None = None,
    max_in_flight: int = 16,
    stuck_after: float = 30.0,
    max_fee_per_gas: int | None = None,
    journal: Journal | str | Path | None = None,
    job_id: str | None = None,
    session: Session | None = None,
    signer: SignerInput | None = None,
    start: bool = True,
) -> Job:
    """Run ``function`` of ``source`` over ``inputs`` (JSON objects), one task each, exactly once.

    ``payment`` (wei) per task, ``expires_in`` seconds per task; a task that expires unanswered is
    refunded and published again up to ``retries`` times; ``budget`` (wei) caps what the job may
    commit (payments not refunded): a publish beyond it fails its input with
    :class:`BudgetExceededError`, nothing sent. MANUAL_CONFIRMATION sources confirm by ``policy``
    (``first``, ``cheapest[:k]``, ``quorum:k``, see :class:`Policy`) among responses that pass
    ``validator``. A publish not mined within ``stuck_after`` s is replaced with the same nonce
    and fees raised 12.5 % (capped by ``max_fee_per_gas``). The journal (default
    ``~/.ogpu/jobs.sqlite3``, ``$OGPU_JOURNAL``) makes :meth:`Job.resume` safe after a crash.
    The example is :mod:`ogpu.jobs`'s; with a provider serving the source, ``list(job)`` gives
    the results in input order.
    """
    from ogpu.chain.session import get_session
    from ogpu.client.models import TaskInput
    from ogpu.protocol._base import checksum
    from ogpu.protocol.source import Source

    uint(payment, "payment")
    uint(expires_in, "expires_in", minimum=2)
    integer(retries, "retries", 0, 101, "[0, 100]")
    if budget is not None:
        uint(budget, "budget")
    integer(max_in_flight, "max_in_flight", 1, 1025, "[1, 1024]")
    if not stuck_after > 0:
        raise ValueError("stuck_after must be positive")
    parsed = Policy.parse(policy)
    data = list(inputs)
    for i, x in enumerate(data):
        try:
            TaskInput(function, x)
        except ValueError as exc:
            raise ValueError(f"input {i}: {exc}") from None
    session = session or (source.session if isinstance(source, Source) else None) or get_session()
    address = checksum(source, what="source")
    params = Source(address, session).get_params()
    if payment < int(params.minPayment):
        raise ValueError(
            f"payment {payment} wei is below the source's minPayment {params.minPayment} wei"
        )
    if expires_in > int(params.maxExpiryDuration):
        raise ValueError(
            f"expires_in {expires_in} s is above the source's maxExpiryDuration "
            f"{params.maxExpiryDuration} s"
        )
    resolved = session.resolve_signer(signer, Role.CLIENT)
    jid = job_id or uuid.uuid4().hex[:16]
    spec = {
        "source": address,
        "function": function,
        "payment": payment,
        "expires_in": expires_in,
        "retries": retries,
        "budget": budget,
        "policy": str(parsed),
        "policy_window": parsed.window,
        "max_in_flight": max_in_flight,
        "stuck_after": stuck_after,
        "max_fee_per_gas": max_fee_per_gas,
        "sender": to_checksum_address(resolved.address),
        "chain_id": session.chain_id,
        "delivery": int(params.deliveryMethod),
    }
    j = _journal(journal)
    j.create_job(jid, spec, data, [f"{jid}/{i}" for i in range(len(data))])
    job = Job(j, jid, session=session, signer=resolved, validator=validator)
    return job.start() if start else job


def publish_once(
    key: str, task_info: Any, private_key: SignerInput | None = None, **kwargs: Any
) -> Task:
    """``publish_task`` at most once per ``key`` (a journal entry, default file as for jobs):
    a second call with the same key returns the same task, also after a crash between signing
    and the receipt (the recorded bytes are re-sent, never re-signed). Keywords: ``journal``,
    ``session``, ``signer``, ``timeout``, ``stuck_after``, ``max_fee_per_gas``."""
    from ogpu.chain.session import get_session
    from ogpu.client.workflows import _task_info

    if not isinstance(key, str) or not 0 < len(key) <= 200:
        raise ValueError("idempotency_key must be a non-empty string of at most 200 characters")
    info = _task_info(task_info)
    journal = _journal(kwargs.pop("journal", None))
    session: Session = kwargs.pop("session", None) or get_session()
    signer = kwargs.pop("signer", None) or private_key
    timeout = float(kwargs.pop("timeout", 120.0))
    stuck_after = float(kwargs.pop("stuck_after", 30.0))
    max_fee = kwargs.pop("max_fee_per_gas", None)
    if kwargs.pop("wait", True) is not True or kwargs.pop("dry_run", False):
        raise ValueError("idempotency_key works with wait=True and without dry_run")
    if kwargs:
        raise TypeError(f"unexpected keyword arguments with idempotency_key: {sorted(kwargs)}")
    record = {
        "source": info.source,
        "config": info.config.to_dict(),
        "expiryTime": info.expiryTime,
        "payment": info.payment,
        "chain_id": session.chain_id,
    }
    item = journal.ensure_item(f"key:{key}", record)
    if item.input != record:
        raise JobError(f"idempotency key {key!r} was used for a different task")
    resolved = session.resolve_signer(signer, Role.CLIENT)
    tx = _Publisher(
        journal,
        session,
        lambda: resolved,
        stuck_after=stuck_after,
        max_fee_per_gas=max_fee,
        settle_timeout=timeout,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        atts = journal.attempts(item.key)
        att = atts[-1] if atts else None
        if att is None or att.state == "dead":
            att = journal.new_attempt(item.key, info.payment, info.expiryTime)
            tx.publish_attempt(att, info)
            continue
        if att.state in UNSETTLED:
            tx.settle(att)
            continue
        if att.state == "reverted":
            raise JobError(f"the publish recorded for key {key!r} reverted: {att.note}")
        from ogpu.protocol.task import Task

        return Task(att.task or "", session)
    raise JobError(f"the publish for key {key!r} is not settled yet; call again to carry on")
