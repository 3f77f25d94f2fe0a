"""The provider runtime: watch the served sources, attempt tasks, run handlers, submit responses.

Pipeline per task (docs/provider-guide.md): check the task on-chain (status, expiry, payment, our attempt
and response) → ``Nexus.attempt`` with the bid → fetch the task config from IPFS (verified) →
run the handler (in-process or ``POST /run/{fn}/{task}?mode=sync``) → pin the output as
``response.json`` → ``Nexus.submitResponse``. Several tasks run at once (``slots`` threads).
Example in :mod:`ogpu.provider`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from ogpu import __version__
from ogpu.chain.retry import is_transient
from ogpu.chain.session import Session, get_session
from ogpu.chain.signers import SignerInput
from ogpu.events.models import AttemptedEvent
from ogpu.ipfs.client import encode_payload
from ogpu.ipfs.errors import IPFSContentMismatchError, IPFSError, IPFSSizeLimitError
from ogpu.protocol import ZERO_ADDRESS, nexus, terminal
from ogpu.protocol._base import checksum
from ogpu.provider.fetch import FetchPolicy, fetch_task_config
from ogpu.provider.handlers import HandlerError, TaskHandler, make_handler
from ogpu.provider.state import ProviderState, default_state_dir
from ogpu.rpc import RpcError
from ogpu.types import (
    ConfigError,
    DeliveryMethod,
    Environment,
    ResponseParams,
    Role,
    SourceParams,
    TaskStatus,
    TxReceiptTimeoutError,
    TxRevertError,
    TxRpcError,
)
from ogpu.types.errors import OGPUError, StateError

__all__ = ["ProviderConfig", "ProviderRuntime", "ProviderSetupError", "SourceBinding"]

log = logging.getLogger("ogpu.provider")

T = TypeVar("T")

_TERMINAL = (TaskStatus.CANCELED, TaskStatus.EXPIRED, TaskStatus.FINALIZED)
#: The stats counter of each outcome; the others are "skipped: <why>".
_COUNTER = {"responded": "done", "failed": "failed"}

#: Pauses before a task whose node requests failed is looked at again, and before a failed event
#: watcher resumes: 1 s, doubling up to this.
RESUME_MAX_DELAY = 30.0


class ProviderSetupError(ConfigError):
    """The runtime cannot start (pairing missing, unknown source, bad handler)."""


@dataclass(frozen=True)
class SourceBinding:
    """A source to serve and the handler for its tasks.

    ``handler``: a Python module path (``pkg.module``, ``pkg.module:service``, a ``.py`` file) or
    the URL of a running service (``http://host:5555``). ``environment``: the environment to
    register with (must be in the source's mask).

    >>> SourceBinding("0x5FbDB2315678afecb367f032d93F642f64180aa3", "ogpu.devnet.demo_handlers")
    ... # doctest: +ELLIPSIS
    SourceBinding(source='0x5FbDB2315678afecb367f032d93F642f64180aa3', handler=...)
    """

    source: str
    handler: str
    environment: Environment = Environment.CPU

    @classmethod
    def parse(cls, spec: str) -> SourceBinding:
        """``ADDR=HANDLER`` (the CLI's ``--source``), optionally ``ADDR=HANDLER@nvidia``."""
        addr, sep, handler = spec.partition("=")
        if not sep or not addr.strip() or not handler.strip():
            raise ValueError(f"expected ADDRESS=HANDLER, got {spec!r}")
        env = Environment.CPU
        if "@" in handler and not handler.startswith(("http://", "https://")):
            handler, _, env_name = handler.rpartition("@")
            try:
                env = Environment[env_name.strip().upper()]
            except KeyError:
                raise ValueError(f"unknown environment {env_name!r} (cpu, nvidia, amd)") from None
        return cls(checksum(addr.strip()), handler.strip(), env)


@dataclass
class ProviderConfig:
    """Configuration of a :class:`ProviderRuntime`.

    ``provider``: the provider's key (hex, LocalAccount or signer). ``master``: its master address.
    ``master_signer``: optional master key, used to complete the pairing (``announceProvider``).
    ``bid``: absolute bid in wei for MANUAL_CONFIRMATION tasks; else ``bid_fraction * payment``
    (default the full payment). FIRST_RESPONSE tasks always bid the full payment.
    ``expiry_margin``: skip tasks expiring within this many seconds. ``from_block``: where to start
    watching when the state file has no cursor (default: the current head).
    """

    provider: SignerInput | None = field(repr=False)  # keys never appear in a repr
    master: str
    sources: list[SourceBinding] = field(default_factory=list)
    master_signer: SignerInput | None = field(default=None, repr=False)
    slots: int = 4
    bid: int | None = None
    bid_fraction: float = 1.0
    min_payment: int = 0
    poll_interval: float | None = None
    state_dir: Path | None = None
    from_block: int | None = None
    live_data_interval: float = 60.0
    expiry_margin: int = 5
    drain_timeout: float = 30.0
    retries: int = 3
    retry_backoff: float = 0.5
    handler_timeout: float = 600.0
    announce_amount: int = 0
    fetch_policy: FetchPolicy = field(default_factory=FetchPolicy.from_env)

    def __post_init__(self) -> None:
        if self.slots < 1:
            raise ValueError("slots must be >= 1")
        if not 0 < self.bid_fraction <= 1:
            raise ValueError("bid_fraction must be in (0, 1]")
        if self.bid is not None and self.bid < 0:
            raise ValueError("bid must be >= 0")
        if self.retries < 0:
            raise ValueError("retries must be >= 0")
        self.master = checksum(self.master)


class _Abandoned(Exception):
    """The runtime is shutting down: leave the task for the next start."""


class _Skip(Exception):
    """Nothing to do for this task (the message says why)."""


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, (IPFSContentMismatchError, IPFSSizeLimitError)):
        return False
    return isinstance(exc, (IPFSError, TxRpcError)) or is_transient(exc)


def _node_unreachable(exc: BaseException) -> bool:
    """The node did not answer (after every retry) or a sent transaction has no receipt yet.

    Nothing is known about the task then; the pipeline is idempotent (it re-reads the task, never
    attempts or responds twice), so the task is looked at again later instead of failing.
    """
    if isinstance(exc, (TxRpcError, TxReceiptTimeoutError)):
        return True
    return isinstance(exc, RpcError) and is_transient(exc)


class ProviderRuntime:
    """Serve sources as a provider (see the module docs): :meth:`start`, :meth:`run_forever`,
    :meth:`stop`, :meth:`stats`."""

    def __init__(self, config: ProviderConfig, session: Session | None = None) -> None:
        self.config = config
        self.session = session if session is not None else get_session()
        self.signer = self.session.resolve_signer(config.provider, Role.PROVIDER)
        self.address = checksum(self.signer.address)
        self._sources = {checksum(b.source): b for b in config.sources}
        self._handlers: dict[str, TaskHandler] = {}
        self.state: ProviderState | None = None
        self._lock = threading.Lock()
        self._futures: dict[str, Future[None]] = {}  # queued or running
        self._running: set[str] = set()
        self._task_sources: dict[str, str] = {}
        self._requeues: dict[str, int] = {}
        self._timers: dict[str, threading.Timer] = {}
        self._counts = {"done": 0, "failed": 0, "skipped": 0, "abandoned": 0}
        self._latencies: deque[float] = deque(maxlen=1000)
        self._executor: ThreadPoolExecutor | None = None
        self._stopping = threading.Event()
        self._abandon = threading.Event()
        self._stopped = threading.Event()
        self._started = False
        self._started_at = 0.0
        self._watch_thread: threading.Thread | None = None
        self._watch_task: asyncio.Task[None] | None = None
        self._live_thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------
    # Lifecycle

    def start(self) -> None:
        """Set up on-chain (pairing, registration, base data), then watch and work in the background.

        Raises :class:`ProviderSetupError` when the pairing is missing and no master key is given.
        """
        if self._started:
            return
        if not self._sources:
            raise ProviderSetupError("no sources to serve; give at least one SOURCE=HANDLER")
        for src, binding in self._sources.items():
            try:
                self._handlers[src] = make_handler(
                    binding.handler, timeout=self.config.handler_timeout
                )
            except Exception as exc:
                raise ProviderSetupError(
                    f"cannot load the handler {binding.handler!r} of source {src}: {exc}"
                ) from exc
        for src in self._sources:
            if nexus.get_source_id(src, session=self.session) == 0:
                raise ProviderSetupError(f"{src} is not a source of this deployment")
        self.ensure_pairing()
        self.ensure_registrations()
        self.report_base_data()
        self.state = state = ProviderState.load(
            self.config.state_dir or default_state_dir(),
            self.address,
            chain_id=self.session.chain_id,
            nexus=self.session.address_of("Nexus"),
        )
        head = self.session.block_number()
        if state.cursor is not None and state.cursor.block_number > head:
            log.warning(
                "saved cursor (block %d) is ahead of the chain (block %d): the chain was reset; "
                "starting fresh",
                state.cursor.block_number,
                head,
            )
            self.state = state = ProviderState(
                state.path, self.address, state.chain_id, state.nexus
            )
        if state.cursor is None:
            if state.from_block is None:
                state.from_block = (
                    head if self.config.from_block is None else self.config.from_block
                )
            state.save()
        self._executor = ThreadPoolExecutor(self.config.slots, thread_name_prefix="ogpu-provider")
        self._started = True
        self._started_at = time.monotonic()
        for task in state.pending:
            self._enqueue(task, resumed=True)
        self._watch_thread = threading.Thread(
            target=self._watch_main, name="ogpu-provider-watch", daemon=True
        )
        self._watch_thread.start()
        if self.config.live_data_interval > 0:
            self._live_thread = threading.Thread(
                target=self._live_main, name="ogpu-provider-live", daemon=True
            )
            self._live_thread.start()
        log.info(
            "provider %s serving %d source(s) with %d slot(s), watching %s",
            self.address,
            len(self._sources),
            self.config.slots,
            f"after block {state.cursor.block_number}"
            if state.cursor
            else f"from block {state.from_block}",
        )

    def run_forever(self) -> list[str]:
        """``start()``, serve until SIGINT/SIGTERM (or :meth:`stop`), then drain and stop.

        Returns the tasks abandoned at shutdown (see :meth:`stop`).
        """
        self.start()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._on_signal)
        while not self._stopping.wait(0.5):
            pass
        return self.stop()

    def _on_signal(self, signum: int, frame: Any) -> None:
        log.info("received %s: shutting down", signal.Signals(signum).name)
        self._stopping.set()

    def stop(self, drain_timeout: float | None = None) -> list[str]:
        """Stop watching, wait up to ``drain_timeout`` s for in-flight tasks, abandon the rest.

        Returns the abandoned task addresses (they stay pending in the state file and are looked
        at again on the next start).
        """
        if not self._started or self._stopped.is_set():
            return []
        self._stopping.set()
        timeout = self.config.drain_timeout if drain_timeout is None else drain_timeout
        self._stop_watcher()
        with self._lock:
            waiting, self._timers = self._timers, {}
            futures = dict(self._futures)
        for timer in waiting.values():  # waiting to be looked at again: they stay pending
            timer.cancel()
        # Queued tasks that have not started are abandoned at once; running ones get the drain.
        unstarted = [task for task, fut in futures.items() if fut.cancel()]
        with self._lock:
            for task in unstarted:
                log.info("task %s abandoned (not started)", _short(task))
                self._futures.pop(task, None)
        started = {fut: task for task, fut in futures.items() if not fut.cancelled()}
        _, late = wait(started, timeout=timeout)
        running = [task for fut, task in started.items() if fut in late]
        if running:
            self._abandon.set()
        for task in running:
            log.warning(
                "task %s abandoned at shutdown (drain timeout %.0f s)", _short(task), timeout
            )
        with self._lock:
            self._counts["abandoned"] += len(unstarted) + len(running)
        abandoned = unstarted + list(waiting) + running
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._live_thread is not None:
            self._live_thread.join(timeout=2)
        for h in self._handlers.values():
            with contextlib.suppress(Exception):
                h.close()
        if self.state is not None:
            self.state.save()
        self._stopped.set()
        log.info(
            "provider stopped: %d done, %d failed, %d skipped, %d abandoned",
            self._counts["done"],
            self._counts["failed"],
            self._counts["skipped"],
            len(abandoned),
        )
        return abandoned

    def stats(self) -> dict[str, Any]:
        """Counters: ``in_flight`` (running + queued), ``running``, ``queued``, ``done``,
        ``failed``, ``skipped``, ``abandoned``, ``slots``, ``uptime_s``, ``median_ms``."""
        with self._lock:
            lat = sorted(self._latencies)
            return {
                "provider": self.address,
                "in_flight": len(self._futures),
                "running": len(self._running),
                "queued": len(self._futures) - len(self._running),
                **self._counts,
                "slots": self.config.slots,
                "sources": len(self._sources),
                "uptime_s": round(time.monotonic() - self._started_at, 1) if self._started else 0,
                "median_ms": round(lat[len(lat) // 2] * 1000) if lat else None,
            }

    @property
    def running(self) -> bool:
        """Started and not stopped."""
        return self._started and not self._stopped.is_set()

    # ------------------------------------------------------------------------------------------
    # Setup steps

    def ensure_pairing(self) -> None:
        """Make ``master`` this provider's master in Terminal (announceMaster, and announceProvider
        when the master key is configured); fail clearly when the master's side is missing."""
        s, master = self.session, self.config.master
        current = terminal.get_master_of(self.address, session=s)
        if current == master:
            return
        if current != ZERO_ADDRESS:
            raise ProviderSetupError(
                f"provider {self.address} is paired with master {current}, not {master}; "
                "remove the pairing first (Terminal.removeProvider)"
            )
        announced: str | None = None
        with contextlib.suppress(OGPUError, ValueError):
            announced = terminal.get_announced_master_of(self.address, session=s)
        if announced != master:
            terminal.announce_master(master, signer=self.signer, session=s)
            log.info("announced master %s", master)
        if terminal.get_master_of(self.address, session=s) == master:
            return
        if self.config.master_signer is None:
            raise ProviderSetupError(
                f"master {master} has not announced provider {self.address}: the master must call "
                "Terminal.announceProvider for it (Management dApp, or "
                "ogpu.protocol.terminal.announce_provider), or give the runtime the master key "
                "(--master-key-file)"
            )
        ms = s.resolve_signer(self.config.master_signer, Role.MASTER)
        if checksum(ms.address) != master:
            raise ProviderSetupError(f"the master key is for {ms.address}, not {master}")
        terminal.announce_provider(self.address, self.config.announce_amount, signer=ms, session=s)
        if terminal.get_master_of(self.address, session=s) != master:
            raise ProviderSetupError(f"pairing {self.address} with {master} did not take effect")
        log.info("paired with master %s", master)

    def ensure_registrations(self) -> None:
        """Register to every served source not registered yet (Source registrant id == 0)."""
        s = self.session
        for src, binding in self._sources.items():
            contract = s.contract("Source", src)
            _, (reg_id, params_raw, status) = s.batch_call_at(
                [
                    contract.functions.getRegistrantId(self.address),
                    contract.functions.getSourceParams(),
                    contract.functions.getStatus(),
                ]
            )
            params = SourceParams.from_tuple(params_raw)
            if int(reg_id) != 0:
                continue
            if int(status) != 0:
                log.warning(
                    "source %s is inactive: not registering (existing tasks still served)", src
                )
                continue
            env = int(binding.environment)
            if not env & int(params.imageEnvironments):
                raise ProviderSetupError(
                    f"source {src} does not offer environment {binding.environment.name} "
                    f"(mask {params.imageEnvironments})"
                )
            nexus.register(src, self.address, env, signer=self.signer, session=s)
            log.info("registered to source %s (%s)", src, binding.environment.name)

    def report_base_data(self) -> None:
        """``Terminal.setBaseData`` (handlers per source, SDK version, CPU count) unless the stored
        value is already current."""
        handlers = {src: sorted(h.names()) for src, h in self._handlers.items()}
        data = json.dumps(
            {"handlers": handlers, "sdk": f"ogpu-python/{__version__}", "cpus": os.cpu_count()},
            separators=(",", ":"),
            sort_keys=True,
        )
        if terminal.get_base_data_of(self.address, session=self.session) != data:
            terminal.set_base_data(data, signer=self.signer, session=self.session)

    def report_live_data(self) -> None:
        """``Terminal.setLiveData`` with :meth:`stats` (tasks in flight, done, failed)."""
        st = self.stats()
        live = {k: st[k] for k in ("in_flight", "done", "failed", "skipped", "slots")}
        data = json.dumps(live | {"ts": int(time.time())}, separators=(",", ":"))
        terminal.set_live_data(data, signer=self.signer, session=self.session)

    def _live_main(self) -> None:
        interval = self.config.live_data_interval
        while not self._stopping.wait(interval):
            try:
                self.report_live_data()
            except Exception as exc:
                log.warning("reporting live data failed: %s", exc)

    # ------------------------------------------------------------------------------------------
    # Watching

    def _watch_main(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            asyncio.run(self._watch_forever())

    async def _watch_forever(self) -> None:
        """Watch from the saved cursor; when the watcher fails (RPC down for longer than its own
        retries), log, wait and resume from the saved cursor. The pause doubles up to 30 s while
        the failures follow each other, and is back to 1 s after a watcher that ran for 30 s."""
        from ogpu.events import watch_task_published

        self._watch_task = asyncio.current_task()
        assert self.state is not None
        delay = 1.0
        while not self._stopping.is_set():
            began = time.monotonic()
            cursor = self.state.cursor
            try:
                async with watch_task_published(
                    None,
                    cursor=cursor,
                    from_block=None if cursor is not None else self.state.from_block,
                    poll_interval=self.config.poll_interval,
                    session=self.session,
                ) as watcher:
                    async for ev in watcher:
                        if self._stopping.is_set():
                            return
                        src = checksum(ev.source)
                        if src in self._sources:
                            self.state.add_pending(ev.task, ev.cursor)
                            self._enqueue(ev.task, source=src)
                        else:
                            self.state.set_cursor(ev.cursor)
                return
            except Exception as exc:
                if time.monotonic() - began >= RESUME_MAX_DELAY:
                    delay = 1.0
                log.warning("event watcher failed (%s); resuming in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RESUME_MAX_DELAY)

    def _stop_watcher(self) -> None:
        task = self._watch_task
        if task is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed already
                task.get_loop().call_soon_threadsafe(task.cancel)
        if self._watch_thread is not None:
            self._watch_thread.join(timeout=5)

    # ------------------------------------------------------------------------------------------
    # Dispatch

    def _enqueue(self, task: str, *, source: str | None = None, resumed: bool = False) -> None:
        task = checksum(task)
        assert self.state is not None and self._executor is not None
        with self._lock:
            self._timers.pop(task, None)  # its requeue timer, if any, fired or is overtaken
            if task in self._futures or self.state.outcome(task) or self._stopping.is_set():
                return
            if source is not None:
                self._task_sources[task] = source
            self._futures[task] = self._executor.submit(self._process, task)
        log.debug("task %s queued%s", _short(task), " (resumed)" if resumed else "")

    def _process(self, task: str) -> None:
        with self._lock:
            self._running.add(task)
        assert self.state is not None
        started = time.monotonic()
        outcome: str | None = None
        try:
            outcome = self._pipeline(task, started)
        except _Abandoned:
            outcome = None
        except _Skip as skip:
            log.info("task %s skipped: %s", _short(task), skip)
            outcome = f"skipped: {skip}"
        except HandlerError as exc:
            log.warning("task %s failed: %s", _short(task), exc)
            outcome = "failed"
        except Exception as exc:
            if _node_unreachable(exc) and not self._stopping.is_set():
                self._requeue(task, exc)
            else:
                log.warning("task %s failed: %s: %s", _short(task), type(exc).__name__, exc)
                outcome = "failed"
        finally:
            with self._lock:
                self._running.discard(task)
                self._futures.pop(task, None)
                if outcome is not None:
                    self._requeues.pop(task, None)
                    self._counts[_COUNTER.get(outcome, "skipped")] += 1
                if outcome == "responded":
                    self._latencies.append(time.monotonic() - started)
            if outcome is not None:
                self.state.finish(task, outcome)

    def _requeue(self, task: str, exc: BaseException) -> None:
        """Look at ``task`` again after a pause (it stays pending in the state file)."""
        with self._lock:
            n = self._requeues.get(task, 0)
            self._requeues[task] = n + 1
            delay = min(2.0**n, RESUME_MAX_DELAY)
            timer = threading.Timer(delay, self._enqueue, args=(task,), kwargs={"resumed": True})
            timer.daemon = True
            self._timers[task] = timer
        log.warning(
            "task %s: the node did not answer (%s: %s); looking at it again in %.0f s",
            _short(task),
            type(exc).__name__,
            exc,
            delay,
        )
        timer.start()

    def _retry(self, what: str, task: str, fn: Callable[[], T]) -> T:
        """``fn()``, retrying transient failures; :class:`_Abandoned` before any try once the
        runtime abandons its tasks (every pipeline step goes through here)."""
        delay = self.config.retry_backoff
        for attempt in range(self.config.retries + 1):
            if self._abandon.is_set():
                raise _Abandoned()
            try:
                return fn()
            except Exception as exc:
                if not _transient(exc) or attempt == self.config.retries:
                    if _transient(exc):
                        log.warning(
                            "task %s: %s gave up after %d tries", _short(task), what, attempt + 1
                        )
                    raise
                log.info(
                    "task %s: %s failed (%s); retrying in %.1f s", _short(task), what, exc, delay
                )
                if self._abandon.wait(delay):
                    raise _Abandoned() from exc
                delay = min(delay * 2, 10.0)
        raise AssertionError("unreachable")

    # ------------------------------------------------------------------------------------------
    # The pipeline

    def _read_task(self, task: str, source: str | None) -> dict[str, Any]:
        s = self.session
        t = s.contract("Task", task).functions
        fns = [
            t.getStatus(),
            t.getExpiryTime(),
            t.getPayment(),
            t.getDeliveryMethod(),
            t.taskParams(),
            t.getAttempterId(self.address),
            t.responseOf(self.address),
            t.getSource(),
        ]
        if source is not None:
            fns.append(s.contract("Source", source).functions.getSourceParams())
        reqs: list[tuple[str, Any]] = [s.encode_call(fn, "latest") for fn in fns]
        reqs.append(("eth_getBlockByNumber", ["latest", False]))
        results = s.rpc_batch(reqs)
        for r in results:
            if isinstance(r, Exception):
                raise r
        values = [s.decode_output(fn, raw) for fn, raw in zip(fns, results, strict=False)]
        out = {
            "status": TaskStatus(int(values[0])),
            "expiry": int(values[1]),
            "payment": int(values[2]),
            "delivery": DeliveryMethod(int(values[3])),
            "config": str(values[4][1]),
            "attempted": int(values[5]) != 0,
            "response": checksum(values[6]),
            "source": checksum(values[7]),
            "now": int(results[-1]["timestamp"], 16),
        }
        if source is not None:
            out["min_payment"] = int(SourceParams.from_tuple(values[8]).minPayment)
        return out

    def _bid(self, info: dict[str, Any]) -> int:
        payment = int(info["payment"])
        if info["delivery"] is DeliveryMethod.FIRST_RESPONSE:
            return payment
        if self.config.bid is not None:
            return min(self.config.bid, payment)
        return min(payment, int(payment * self.config.bid_fraction))

    def _pipeline(self, task: str, started: float) -> str:
        s, cfg = self.session, self.config
        with self._lock:
            known = self._task_sources.pop(task, None)
        if known is None:
            first = self._retry("reading the task", task, lambda: self._read_task(task, None))
            known = first["source"]
            if known not in self._sources:
                raise _Skip(f"source {known} is not served")
        source: str = known
        info = self._retry("reading the task", task, lambda: self._read_task(task, source))
        if info["source"] != source:
            raise _Skip(f"task belongs to source {info['source']}")
        if info["response"] != ZERO_ADDRESS:
            raise _Skip("already responded")
        if info["status"] in _TERMINAL:
            raise _Skip(f"task is {info['status'].name}")
        if info["now"] + cfg.expiry_margin >= info["expiry"]:
            raise _Skip(f"expires too soon (in {info['expiry'] - info['now']} s)")
        if info["payment"] < max(info["min_payment"], cfg.min_payment):
            raise _Skip(f"payment {info['payment']} below the minimum")
        bid = self._bid(info)
        # Fetched once, before the attempt: a config that cannot be read or served never locks
        # the provider into a task it cannot answer.
        config = self._fetch_config(task, info["config"])
        if not info["attempted"]:
            self._refuse_unserved(task, source, config)
            try:
                receipt = self._retry(
                    "attempt",
                    task,
                    lambda: nexus.attempt(task, self.address, bid, signer=self.signer, session=s),
                )
            except StateError as exc:
                raise _Skip(f"attempt refused: {exc}") from exc
            except TxRevertError as exc:
                if exc.error_name != "AlreadyAttempted":
                    raise _Skip(f"attempt refused: {exc.error_name or exc}") from exc
            else:
                topic = AttemptedEvent.topic0()
                if not any(
                    lg["topics"] and "0x" + bytes(lg["topics"][0]).hex() == topic
                    for lg in receipt.logs
                ):
                    raise _Skip("the task had expired (the attempt settled its expiry)")
            log.info("task %s attempted (bid %d wei)", _short(task), bid)
        fn_name = config.get("function_name")
        if not isinstance(fn_name, str) or not fn_name:
            raise HandlerError("the task config has no function_name")
        data = config.get("data", {})
        handler = self._handlers[source]
        output = self._retry("running the handler", task, lambda: handler.run(fn_name, data, task))
        url = self._retry(
            "uploading the response", task, lambda: s.ipfs.publish(output, "response.json")
        )
        self._submit(task, url, bid, output)
        ms = (time.monotonic() - started) * 1000
        log.info("task %s responded in %.0f ms", _short(task), ms)
        return "responded"

    def _fetch_config(self, task: str, url: str) -> dict[str, Any]:
        """The task config under the fetch policy; one deadline covers every retry."""
        policy = self.config.fetch_policy
        deadline = time.monotonic() + policy.timeout
        return self._retry(
            "fetching the task config",
            task,
            lambda: fetch_task_config(
                url, policy=policy, ipfs=self.session.ipfs, deadline=deadline
            ),
        )

    def _refuse_unserved(self, task: str, source: str, config: dict[str, Any]) -> None:
        """Skip, before attempting (the task stays NEW, the client can cancel), a task whose
        function the source's handlers do not serve or whose input they would refuse."""
        from ogpu.service.schemas import InvalidHandlersDocumentError, check_served
        from ogpu.types import InvalidTaskInputError, UnknownFunctionError

        try:
            check_served(
                self._handlers[source], str(config.get("function_name", "")), config.get("data", {})
            )
        except (UnknownFunctionError, InvalidTaskInputError) as exc:
            raise _Skip(f"not attempted: {exc}") from exc
        except InvalidHandlersDocumentError as exc:
            log.warning("task %s: input not checked: %s", _short(task), exc)

    def _submit(self, task: str, url: str, bid: int, output: Any) -> None:
        s = self.session
        # Last check against double submission (another runtime with the same key, a restart).
        existing = checksum(
            self._retry(
                "checking for an earlier response",
                task,
                lambda: s.call(s.contract("Task", task).functions.responseOf(self.address)),
            )
        )
        if existing != ZERO_ADDRESS:
            raise _Skip("already responded")

        def send(data_url: str) -> None:
            params = ResponseParams(task=task, provider=self.address, data=data_url, payment=bid)
            nexus.submit_response(params, signer=self.signer, session=s)

        try:
            self._retry("submitting the response", task, lambda: send(url))
        except StateError as exc:
            raise _Skip(f"response refused: {exc}") from exc
        except TxRevertError as exc:
            if exc.error_name != "AlreadySubmitted":
                raise
            # Same output as another provider's response: the task refuses a second response
            # with the same CID, so pin our copy with trailing whitespace derived from our
            # address (the same JSON value under another CID).
            pad = "".join(" \t"[int(b)] for b in f"{int(self.address, 16):0160b}").encode()
            own = self._retry(
                "uploading the response",
                task,
                lambda: s.ipfs.publish(encode_payload(output) + pad, "response.json"),
            )
            self._retry("submitting the response", task, lambda: send(own))
