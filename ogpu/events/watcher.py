"""The event engine: bounded ``eth_getLogs`` scans, live watchers with resumable cursors and
reorganisation handling.

No server-side filters are used: every read is an ``eth_getLogs`` over an explicit, bounded block
range (``max_range`` blocks, halved adaptively when the node refuses a range as too large, grown
back after successes), selected by contract address and ``topics[0]``. The protocol's events have
no indexed parameters, so the field filters (``where``) run in Python on the raw log data.

Live semantics (:class:`EventWatcher`):

* Events are yielded exactly once each, in chain order ``(block_number, log_index)``, from blocks
  at least ``confirmations`` deep (0: the head itself).
* ``watcher.cursor`` / ``event.cursor`` is an :class:`~ogpu.events.models.EventCursor`; a watcher
  started with ``cursor=`` yields exactly the events after it (restart without loss or repeats).
* Reorganisations: the watcher remembers the hashes of the last ``reorg_window`` blocks it
  processed and checks, on every poll, that the last processed block is still in the chain and
  that every new block links to it (``parentHash``) and matches the ``blockHash`` of its logs. On
  a mismatch it finds the fork point (the newest remembered block whose hash is unchanged),
  re-scans from there and yields only events not yet yielded; an event re-included by the new
  chain (same transaction, same log) is not repeated. Delivered events that the new chain no
  longer contains are *removed*: once the re-scan has caught up, they are reported to
  ``on_reorg(Reorg)``, logged as a warning on the ``ogpu.events`` logger and, with
  ``include_removed=True``, yielded again with ``removed=True``. A reorganisation deeper than the
  window raises :class:`~ogpu.events.errors.ReorgTooDeepError`.
* Transport: ``eth_subscribe("newHeads")`` over a WebSocket triggers the scans when the URL is
  ``ws://``/``wss://`` (the session's ``ws_url`` is preferred when its network has one), with a
  fallback poll every ``idle_interval`` s (default 1 s); once a (re)subscription stands the head
  is read again, since blocks mined before it are never notified. Otherwise HTTP polling: every
  ``poll_interval`` s (default 0.05 s on a loopback node, 0.25 s otherwise) while new blocks
  arrive, the pause growing with the time since the last new head (a quarter of it) up to
  ``idle_interval``, so an idle chain costs at most one request per second.
* Cancellation and closing: cancelling the task that iterates always stops the watcher (also
  when it lands as a new head is delivered), and ``aclose()`` may be called from another task:
  the ``async for`` in progress then ends.
* Errors: transient RPC failures are retried with backoff; persistent ones raise
  :class:`~ogpu.events.errors.EventsRpcError` from the ``async for``. Nothing is swallowed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import statistics
from collections import Counter, deque
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar
from urllib.parse import urlparse

from typing_extensions import Unpack

from ogpu.chain.retry import RetryPolicy
from ogpu.events._rpc import DEFAULT_RETRY, AsyncRpc, open_rpc
from ogpu.events.errors import EventsRpcError, ReorgTooDeepError
from ogpu.events.models import WHOLE_BLOCK, ChainEvent, EventCursor, build_event
from ogpu.rpc import RpcError

__all__ = [
    "DEFAULT_IDLE_INTERVAL",
    "DEFAULT_MAX_RANGE",
    "DEFAULT_REORG_WINDOW",
    "EventWatcher",
    "PastOptions",
    "Reorg",
    "WatchOptions",
    "default_poll_interval",
    "get_past_events",
    "watch_events",
]

log = logging.getLogger("ogpu.events")

E = TypeVar("E", bound=ChainEvent)

#: Blocks per ``eth_getLogs`` request (upper bound; halved when the node refuses).
DEFAULT_MAX_RANGE = 2000
#: How many recent blocks a watcher remembers to detect reorganisations.
DEFAULT_REORG_WINDOW = 64

#: Longest pause between two polls of an idle chain (at most one request per second).
DEFAULT_IDLE_INTERVAL = 1.0


class _SourceOptions(TypedDict, total=False):
    confirmations: int
    """Only blocks at least this deep (default 0: the head itself)."""
    max_range: int
    """Blocks per ``eth_getLogs`` request (default :data:`DEFAULT_MAX_RANGE`)."""
    session: Any
    """The :class:`~ogpu.chain.Session` giving the node and addresses (default: the current)."""
    rpc_url: str | None
    """Another node URL than the session's (``ws://``/``wss://`` subscribes to ``newHeads``)."""
    addresses: Mapping[str, str] | None
    """Contract name → address, instead of the session's."""
    rpc: AsyncRpc | None
    """An open client to use (not closed by the watcher)."""
    retry: RetryPolicy | None
    """Retry schedule of transient RPC failures."""


class WatchOptions(_SourceOptions, total=False):
    """Keyword options of :class:`EventWatcher`, :func:`watch_events` and the ``watch_*``
    functions."""

    from_block: int | None
    """First block to deliver (default: after the current head)."""
    cursor: EventCursor | None
    """Resume right after this position (exclusive with ``from_block``)."""
    poll_interval: float | None
    """Pause between polls while blocks arrive (default :func:`default_poll_interval`)."""
    idle_interval: float | None
    """Longest pause on an idle chain, and the WebSocket fallback poll (default 1 s)."""
    reorg_window: int
    """Recent blocks remembered to detect reorganisations (default 64)."""
    include_removed: bool
    """Yield removed events again with ``removed=True`` after a reorganisation."""
    on_reorg: Callable[[Reorg], None] | None
    """Called with each :class:`Reorg`."""
    websocket: bool | None
    """Use the network's ``ws_url`` (None: when it has one; False: never; True: required)."""


class PastOptions(_SourceOptions, total=False):
    """Keyword options of :func:`get_past_events` and the ``get_past_*`` functions."""

    from_block: int
    """First block (default 0)."""
    to_block: int | None
    """Last block (default: the head minus ``confirmations``)."""
    concurrency: int
    """``eth_getLogs`` requests in flight (default 4)."""


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})
#: How geth, Erigon, Infura, Alchemy and QuickNode word a refused ``eth_getLogs`` range.
_RANGE_HINTS = re.compile(
    "more than|too many|block range|range (is )?too|exceed|response size|max results|limit"
)


def _release(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _uncancel(task: asyncio.Task[Any]) -> int:
    """``task.uncancel()`` where it exists (Python 3.11+); 0 before."""
    uncancel = getattr(task, "uncancel", None)
    return int(uncancel()) if uncancel is not None else 0


def default_poll_interval(url: str) -> float:
    """0.05 s for a node on this machine, 0.25 s for a remote one."""
    host = urlparse(url).hostname or ""
    return 0.05 if host in _LOOPBACK else 0.25


def _refused(start: int, end: int) -> Callable[[BaseException], bool]:
    """Whether the node refused ``eth_getLogs`` over ``[start, end]`` as too large (EIP-1474
    -32005 'limit exceeded', or :data:`_RANGE_HINTS`); a single block cannot be split."""

    def refused(exc: BaseException) -> bool:
        if end <= start or not isinstance(exc, RpcError):
            return False
        return exc.code == -32005 or _RANGE_HINTS.search(exc.message.lower()) is not None

    return refused


@dataclass(frozen=True)
class Reorg:
    """A chain reorganisation seen by a watcher.

    ``fork_block`` is the newest block the old and new chains share; ``removed`` the delivered
    events that the new chain does not contain (in their old chain order).
    """

    fork_block: int
    removed: tuple[ChainEvent, ...]


# ----------------------------------------------------------------------------------------------
# Query: which logs, and the Python-side field filter


class _Query:
    """Addresses + topic0s for ``eth_getLogs``, and decoding/filtering of the raw logs."""

    def __init__(
        self,
        types: Sequence[type[ChainEvent]],
        addresses: Mapping[str, str],
        where: Mapping[str, Any] | None,
    ) -> None:
        if not types:
            raise ValueError("give at least one event type")
        self.types = tuple(types)
        self._by_key = {(addresses[c.contract].lower(), c.topic0()): c for c in self.types}
        self._filters = {c: self._compile(c, where or {}) for c in self.types}
        self.addresses = list(dict.fromkeys(a for a, _ in self._by_key))
        self.topics = list(dict.fromkeys(t for _, t in self._by_key))

    @staticmethod
    def _compile(cls: type[ChainEvent], where: Mapping[str, Any]) -> list[tuple[int, int, str]]:
        names = [n for n, _ in cls.abi_fields]
        out = []
        for key, value in where.items():
            if key not in names:
                raise ValueError(
                    f"{cls.__name__} has no field {key!r} to filter on (fields: {', '.join(names)})"
                )
            i = names.index(key)
            typ = cls.abi_fields[i][1]
            if typ == "address":
                text = str(value).lower().removeprefix("0x")
                if len(text) != 40:
                    raise ValueError(f"{key}={value!r} is not an address")
                word = "0" * 24 + text
            elif typ in ("uint256", "uint8", "bool"):
                word = format(int(value), "064x")
            else:
                raise ValueError(f"cannot filter {cls.__name__} on {key} ({typ})")
            out.append((2 + 64 * i, 2 + 64 * (i + 1), word))
        return out

    def params(self, start: int, end: int) -> dict[str, Any]:
        """The ``eth_getLogs`` filter object for ``[start, end]``."""
        return {
            "fromBlock": hex(start),
            "toBlock": hex(end),
            "address": self.addresses[0] if len(self.addresses) == 1 else self.addresses,
            "topics": [self.topics[0] if len(self.topics) == 1 else self.topics],
        }

    def decode(self, raw: Mapping[str, Any]) -> ChainEvent | None:
        """The event record for a raw log, or None if it is not wanted."""
        topics = raw.get("topics") or []
        if not topics:
            return None
        cls = self._by_key.get((str(raw["address"]).lower(), str(topics[0]).lower()))
        if cls is None:
            return None
        data = str(raw["data"]).lower()
        for lo, hi, word in self._filters[cls]:
            if data[lo:hi] != word:
                return None
        return build_event(cls, raw)


def _position(raw: Mapping[str, Any]) -> tuple[int, int]:
    return (int(raw["blockNumber"], 16), int(raw["logIndex"], 16))


def _identity_keys(raws: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """A fork-independent identity per log: transaction, emitter, topics, data, and the ordinal
    among identical logs of the same transaction (block number and log index change when a
    transaction is re-included by another chain)."""
    seen: Counter[tuple[Any, ...]] = Counter()
    out = []
    for r in raws:
        base = (
            str(r["transactionHash"]).lower(),
            str(r["address"]).lower(),
            tuple(str(t).lower() for t in r.get("topics") or ()),
            str(r["data"]).lower(),
        )
        out.append((*base, seen[base]))
        seen[base] += 1
    return out


# ----------------------------------------------------------------------------------------------
# Bounded range fetching


class _LogFetcher:
    """``eth_getLogs`` over ``[start, end]`` in requests of at most ``span`` blocks; the span
    halves when the node refuses a range and doubles back (up to ``max_range``) after 4
    consecutive successes."""

    def __init__(self, rpc: AsyncRpc, query: _Query, max_range: int) -> None:
        if max_range < 1:
            raise ValueError("max_range must be at least 1")
        self.rpc = rpc
        self.query = query
        self.max_range = max_range
        self.span = max_range
        self._streak = 0

    def shrink(self, tried: int) -> None:
        self.span = max(1, min(self.span, tried) // 2)
        self._streak = 0
        log.debug("eth_getLogs range refused; span now %d blocks", self.span)

    def succeeded(self) -> None:
        self._streak += 1
        if self._streak >= 4 and self.span < self.max_range:
            self.span = min(self.max_range, self.span * 2)
            self._streak = 0

    async def fetch(self, start: int, end: int, concurrency: int = 1) -> list[dict[str, Any]]:
        """All matching logs of ``[start, end]`` in chain order, with up to ``concurrency``
        requests in flight."""
        out: list[dict[str, Any]] = []
        redo: list[tuple[int, int]] = []
        next_block = start

        async def worker() -> None:
            nonlocal next_block
            while True:
                if redo:
                    b, e = redo.pop()
                elif next_block <= end:
                    b, e = next_block, min(end, next_block + self.span - 1)
                    next_block = e + 1
                else:
                    return
                try:
                    logs = await self.rpc.call(
                        "eth_getLogs", [self.query.params(b, e)], give_up=_refused(b, e)
                    )
                except RpcError:
                    self.shrink(e - b + 1)
                    pieces = [(x, min(e, x + self.span - 1)) for x in range(b, e + 1, self.span)]
                    redo.extend(reversed(pieces))
                    continue
                out.extend(logs)
                self.succeeded()

        await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
        out.sort(key=_position)
        return out


# ----------------------------------------------------------------------------------------------
# Resolving the session


def _resolve(
    types: Sequence[type[ChainEvent]],
    where: Mapping[str, Any] | None,
    options: Mapping[str, Any],
    kind: type[Any],
    websocket: bool | None,
) -> tuple[str, _Query]:
    """Check ``options`` (keys of ``kind``); the node URL and the query (from the options or
    the session)."""
    unknown = sorted(set(options) - set(kind.__annotations__))
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(unknown)}")
    session: Any = options.get("session")
    rpc_url, addresses = options.get("rpc_url"), options.get("addresses")
    if session is None and (rpc_url is None or addresses is None):
        from ogpu.chain import get_session

        session = get_session()
    url = rpc_url
    if url is None:
        net = session.network
        ws = getattr(net, "ws_url", None)
        url = ws if (ws and websocket is not False) else net.rpc_url
        if websocket and not ws:
            raise ValueError("websocket=True but the session's network has no ws_url")
    resolved: dict[str, str] = dict(addresses or {})
    for cls in types:
        if cls.contract not in resolved:
            resolved[cls.contract] = str(session.address_of(cls.contract))
    return str(url), _Query(types, resolved, where)


# ----------------------------------------------------------------------------------------------
# Historical queries


async def get_past_events(
    *event_types: type[E], where: Mapping[str, Any] | None = None, **options: Unpack[PastOptions]
) -> list[E]:
    """Events of the given types in ``[from_block, to_block]``, in chain order.

    ``to_block`` None means the head minus ``confirmations``. The range is read in bounded
    ``eth_getLogs`` requests (see the module docs), up to ``concurrency`` at a time; ``where``
    filters on event fields (addresses case-insensitively).

    Example::

        events = await get_past_events(TaskPublishedEvent, where={"source": src}, from_block=0)
    """
    o = options
    url, query = _resolve(event_types, where, o, PastOptions, websocket=False)
    rpc = o.get("rpc")
    client = rpc or open_rpc(url, retry=o.get("retry"))
    try:
        to_block = o.get("to_block")
        if to_block is None:
            to_block = int(await client.call("eth_blockNumber"), 16) - o.get("confirmations", 0)
        fetcher = _LogFetcher(client, query, o.get("max_range", DEFAULT_MAX_RANGE))
        raws = await fetcher.fetch(o.get("from_block", 0), to_block, o.get("concurrency", 4))
        return [ev for raw in raws if (ev := query.decode(raw)) is not None]  # type: ignore[misc]
    finally:
        if rpc is None:
            await client.close()


# ----------------------------------------------------------------------------------------------
# Live watching


class EventWatcher(Generic[E]):
    """An async iterator over live (and, from ``from_block``/``cursor``, past) events.

    Use it with ``async for``; close it with ``await watcher.aclose()`` or ``async with``.
    ``watcher.cursor`` is the position of the last event delivered (store it to resume; see
    :func:`watch_events` and the package example).
    """

    def __init__(
        self,
        event_types: Sequence[type[E]],
        *,
        where: Mapping[str, Any] | None = None,
        **options: Unpack[WatchOptions],
    ) -> None:
        o = options
        confirmations = o.get("confirmations", 0)
        reorg_window = o.get("reorg_window", DEFAULT_REORG_WINDOW)
        from_block, cursor = o.get("from_block"), o.get("cursor")
        rpc = o.get("rpc")
        if confirmations < 0:
            raise ValueError("confirmations must be >= 0")
        if reorg_window < 1:
            raise ValueError("reorg_window must be >= 1")
        if from_block is not None and cursor is not None:
            raise ValueError("give from_block or cursor, not both")
        url, self.query = _resolve(event_types, where, o, WatchOptions, o.get("websocket"))
        self.url = url
        self.confirmations = confirmations
        poll, idle = o.get("poll_interval"), o.get("idle_interval")
        self.poll_interval = default_poll_interval(url) if poll is None else float(poll)
        idle = DEFAULT_IDLE_INTERVAL if idle is None else float(idle)
        self.idle_interval = max(self.poll_interval, idle)
        self.reorg_window = max(reorg_window, confirmations + 1)
        self.include_removed = o.get("include_removed", False)
        self.on_reorg = o.get("on_reorg")
        self.retry = o.get("retry") or DEFAULT_RETRY
        self._owns_rpc = rpc is None
        self.rpc: AsyncRpc = rpc or open_rpc(url, retry=self.retry)
        self._fetcher = _LogFetcher(self.rpc, self.query, o.get("max_range", DEFAULT_MAX_RANGE))
        self._from_block = from_block
        self._start_cursor = cursor
        #: Position of the last delivered event (None before the first one, unless resumed).
        self.cursor: EventCursor | None = cursor
        #: Latest head block number seen.
        self.head: int | None = None
        #: Reorganisations seen so far.
        self.reorgs: list[Reorg] = []
        self._next_block = 0
        self._skip_upto: tuple[int, int] | None = None
        self._hashes: dict[int, str] = {}
        self._delivered: dict[int, list[tuple[tuple[Any, ...], ChainEvent]]] = {}
        self._pending_removed: dict[tuple[Any, ...], ChainEvent] = {}
        self._fork: int | None = None
        self._heads_task: asyncio.Task[None] | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._head_pending = False
        self._head_changed_at = 0.0
        self._block_times: deque[float] = deque(maxlen=4)
        self._stepping: asyncio.Task[Any] | None = None
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self._cleaned = False
        self._ws_head: int | None = None
        self._heads_error: BaseException | None = None
        self._agen = self._run()

    # -- iterator protocol ---------------------------------------------------------------

    def __aiter__(self) -> EventWatcher[E]:
        return self

    async def __anext__(self) -> E:
        if self._closing:
            raise StopAsyncIteration
        task = asyncio.current_task()
        self._stepping = task
        self._idle.clear()
        try:
            return await self._agen.__anext__()
        except asyncio.CancelledError:
            # aclose() from another task cancels the step in progress: end the iteration.
            if self._closing and task is not None and _uncancel(task) == 0:
                raise StopAsyncIteration from None
            raise
        finally:
            self._stepping = None
            self._idle.set()

    async def __aenter__(self) -> EventWatcher[E]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop watching and release the connection (safe from any task, and more than once).

        From another task than the one iterating, the ``async for`` in progress ends (as if the
        events had run out) once its current step has been stopped.
        """
        self._closing = True
        step = self._stepping
        if step is not None and step is not asyncio.current_task():
            step.cancel()
            await self._idle.wait()
        await self._agen.aclose()
        await self._cleanup()

    async def _cleanup(self) -> None:
        heads, self._heads_task = self._heads_task, None
        # Cancel until it has ended: code under it may lose a cancellation (asyncio.wait_for up
        # to Python 3.11 does when the awaited result lands at the same moment). wait() does not
        # raise the task's CancelledError, while a cancellation of this task still propagates.
        while heads is not None and not heads.done():
            heads.cancel()
            await asyncio.wait({heads}, timeout=1.0)
        if self._owns_rpc and not self._cleaned:
            self._cleaned = True
            await self.rpc.close()

    # -- engine --------------------------------------------------------------------------

    async def _start(self) -> None:
        cur = self._start_cursor
        if cur is not None:
            self._next_block = cur.block_number
            self._skip_upto = cur.position
            if cur.block_hash and cur.log_index != WHOLE_BLOCK:
                hdr = await self.rpc.call("eth_getBlockByNumber", [hex(cur.block_number), False])
                if hdr is None or hdr["hash"].lower() != cur.block_hash.lower():
                    log.warning(
                        "block %d of the resume cursor was replaced by a reorganisation; "
                        "re-delivering its events",
                        cur.block_number,
                    )
                    self._skip_upto = None
                    self._notify(Reorg(cur.block_number - 1, ()))
        elif self._from_block is not None:
            self._next_block = self._from_block
        else:
            self._next_block = int(await self.rpc.call("eth_blockNumber"), 16) + 1
        if self.rpc.supports_subscriptions:
            self._heads_task = asyncio.create_task(self._heads_loop())

    async def _heads_loop(self) -> None:
        delays = self.retry.delays()
        while True:
            try:
                async for number in self.rpc.new_heads(on_subscribed=self._subscribed):
                    self._ws_head = number
                    self._wake()
                    delays = self.retry.delays()
            except Exception as exc:  # (a cancellation is not an Exception: it propagates)
                delay = next(delays, None)
                if delay is None:
                    self._heads_error = exc
                    self._wake()
                    return
                log.debug("newHeads subscription lost (%s); resubscribing", exc)
                await asyncio.sleep(delay)

    def _subscribed(self) -> None:
        """The subscription stands: read the head once more over RPC, since blocks mined between
        the last read and the subscription are never notified."""
        self._ws_head = None
        self._wake()

    def _wake(self) -> None:
        """A new head arrived: end the current wait, or the next one at once."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        else:
            self._head_pending = True

    async def _sleep(self, seconds: float, *, until_head: bool) -> None:
        """Sleep ``seconds`` (or until a new head when ``until_head``).

        The task awaits one future directly (no ``asyncio.wait_for`` and no inner task), so a
        cancellation always propagates, even when it lands just as a head is delivered.
        """
        if until_head and self._head_pending:
            self._head_pending = False
            return
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(seconds, _release, waiter)
        if until_head:
            self._waiter = waiter
        try:
            await waiter
        finally:
            timer.cancel()
            if until_head:
                self._waiter = None
                self._head_pending = False

    def _saw_head(self, head: int) -> None:
        """Note when the head moved, and the time per block it implies."""
        now = asyncio.get_running_loop().time()
        if self.head is not None and head > self.head:
            self._block_times.append((now - self._head_changed_at) / (head - self.head))
        if self.head is None or head > self.head:
            self._head_changed_at = now

    def _block_time(self) -> float | None:
        """The chain's block time, when the last blocks came at a regular pace (else None)."""
        times = self._block_times
        if len(times) < 3 or max(times) > 2 * min(times):
            return None
        return statistics.median(times)

    def _idle_delay(self) -> float:
        """The next polling pause. With a regular block time: sleep until just before the next
        block is due, then poll every ``poll_interval``. Otherwise (and once an expected block is
        late) the pause grows with the time waited (a quarter of it), from ``poll_interval`` up
        to ``idle_interval``."""
        waited = asyncio.get_running_loop().time() - self._head_changed_at
        block_time = self._block_time()
        if block_time is not None:
            due = block_time - waited - self.poll_interval
            if due > 0:
                return min(self.idle_interval, max(self.poll_interval, due))
            waited = -due
        return min(self.idle_interval, max(self.poll_interval, waited / 4))

    async def _wait(self) -> None:
        if self._heads_task is None:
            await self._sleep(self._idle_delay(), until_head=False)
            return
        # WebSocket: wake on a new head; poll as a fallback in case a notification is lost.
        await self._sleep(self.idle_interval, until_head=True)
        if self._heads_error is not None:
            err = self._heads_error
            raise EventsRpcError("eth_subscribe", f"newHeads subscription failed: {err}") from err

    def _notify(self, reorg: Reorg) -> None:
        self.reorgs.append(reorg)
        if reorg.removed:
            log.warning(
                "chain reorganisation after block %d removed %d delivered event(s)",
                reorg.fork_block,
                len(reorg.removed),
            )
        if self.on_reorg is not None:
            self.on_reorg(reorg)

    def _prune(self, head: int) -> None:
        floor = head - self.reorg_window
        for table in (self._hashes, self._delivered):
            for b in [b for b in table if b < floor]:
                del table[b]

    async def _rewind(self) -> None:
        """A remembered block changed: find the fork point and rewind to it."""
        remembered = sorted(self._hashes)
        if not remembered:
            raise ReorgTooDeepError(self._next_block - 1, self.reorg_window)
        headers = await self.rpc.batch(
            [("eth_getBlockByNumber", [hex(b), False]) for b in remembered]
        )
        fork: int | None = None
        for b, hdr in zip(reversed(remembered), reversed(headers), strict=True):
            if hdr is not None and hdr["hash"].lower() == self._hashes[b]:
                fork = b
                break
        if fork is None:
            raise ReorgTooDeepError(remembered[0], self.reorg_window)
        for b in sorted(b for b in self._delivered if b > fork):
            for key, ev in self._delivered.pop(b):
                self._pending_removed[key] = ev
        for b in [b for b in self._hashes if b > fork]:
            del self._hashes[b]
        self._next_block = fork + 1
        self._fork = fork if self._fork is None else min(self._fork, fork)
        if self._skip_upto is not None and self._skip_upto[0] > fork:
            self._skip_upto = None
        if self.cursor is not None and self.cursor.block_number > fork:
            self.cursor = EventCursor(fork, WHOLE_BLOCK, self._hashes.get(fork))
        log.info("reorganisation detected; re-scanning from block %d", fork + 1)

    async def _poll_head(self) -> int | None:
        """The head number, or None when a reorganisation was detected (already rewound)."""
        last = self._next_block - 1
        check_last = last in self._hashes
        if self._heads_task is not None and self._ws_head is not None and not check_last:
            return self._ws_head
        calls: list[tuple[str, Sequence[Any]]] = [("eth_getBlockByNumber", ["latest", False])]
        if check_last:
            calls.append(("eth_getBlockByNumber", [hex(last), False]))
        results = await self.rpc.batch(calls)
        head = int(results[0]["number"], 16)
        if check_last:
            hdr = results[1]
            if hdr is None or hdr["hash"].lower() != self._hashes[last]:
                await self._rewind()
                return None
        return head

    async def _scan(self, head: int, end: int) -> list[dict[str, Any]] | None:
        """Logs of ``[next_block, end]``; verifies the chain inside the reorg window.

        Returns None when the chain changed under the reads (caller retries / has rewound).
        """
        start = self._next_block
        if end < head - self.reorg_window:
            # Far behind the head (older than the window): plain bounded reads.
            return await self._fetcher.fetch(start, end)
        lo = max(start - 1, head - self.reorg_window, 0)
        calls: list[tuple[str, Sequence[Any]]] = [("eth_getLogs", [self.query.params(start, end)])]
        calls += [("eth_getBlockByNumber", [hex(b), False]) for b in range(lo, end + 1)]
        try:
            results = await self.rpc.batch(calls, give_up=_refused(start, end))
        except RpcError:
            self._fetcher.shrink(end - start + 1)
            return None
        raws: list[dict[str, Any]] = results[0]
        headers: list[dict[str, Any] | None] = results[1:]
        hashes: dict[int, str] = {}
        prev: dict[str, Any] | None = None
        for b, hdr in zip(range(lo, end + 1), headers, strict=True):
            if hdr is None:
                return None  # the chain got shorter under us: look again
            if prev is not None and hdr["parentHash"].lower() != prev["hash"].lower():
                return None
            hashes[b] = hdr["hash"].lower()
            prev = hdr
        if lo in self._hashes and self._hashes[lo] != hashes[lo]:
            await self._rewind()
            return None
        for raw in raws:
            bn = int(raw["blockNumber"], 16)
            if bn >= lo and hashes.get(bn) != str(raw.get("blockHash", "")).lower():
                return None  # logs from another fork than the headers: read again
        self._hashes.update(hashes)
        raws.sort(key=_position)
        return raws

    async def _run(self) -> AsyncGenerator[E, None]:
        try:
            await self._start()
            retries = 0
            caught_up = False
            while True:
                if caught_up:
                    # The last scan reached the head: the next block cannot be there yet.
                    caught_up = False
                    await self._wait()
                head = await self._poll_head()
                if head is None:
                    continue
                self._saw_head(head)
                self.head = head
                target = head - self.confirmations
                if target < self._next_block:
                    for ev in self._flush_removed():
                        yield ev
                    await self._wait()
                    continue
                end = min(target, self._next_block + self._fetcher.span - 1)
                raws = await self._scan(head, end)
                if raws is None:
                    # The chain moved under the reads (or was rewound): read again, without
                    # spinning if the node keeps answering inconsistently.
                    retries += 1
                    if retries > 2:
                        await asyncio.sleep(min(self.poll_interval * retries, 1.0))
                    continue
                retries = 0
                keys = _identity_keys(raws)
                in_window = head - self.reorg_window
                # (event, deliver?) in chain order; re-included events only move the cursor.
                batch: list[tuple[ChainEvent, bool]] = []
                for raw, key in zip(raws, keys, strict=True):
                    ev = self.query.decode(raw)
                    if ev is None:
                        continue
                    pos = (ev.block_number, ev.log_index)
                    if self._skip_upto is not None and pos <= self._skip_upto:
                        continue
                    if ev.block_number >= in_window:
                        self._delivered.setdefault(ev.block_number, []).append((key, ev))
                    reincluded = self._pending_removed.pop(key, None) is not None
                    batch.append((ev, not reincluded))
                self._next_block = end + 1
                caught_up = self._next_block > target
                self._prune(head)
                if caught_up:
                    # The re-scan caught up: report removals before the new chain's events.
                    for removed in self._flush_removed():
                        yield removed
                for ev, deliver in batch:
                    self.cursor = ev.cursor
                    if deliver:
                        yield ev  # type: ignore[misc]
        finally:
            await self._cleanup()

    def _flush_removed(self) -> Iterable[Any]:
        """After a reorganisation: report it; the removal notices to yield (if asked for)."""
        if not self._pending_removed and self._fork is None:
            return []
        removed = sorted(
            self._pending_removed.values(), key=lambda e: (e.block_number, e.log_index)
        )
        self._pending_removed.clear()
        fork = self._fork if self._fork is not None else self._next_block - 1
        self._fork = None
        self._notify(Reorg(fork, tuple(removed)))
        if self.include_removed:
            return [dataclasses.replace(ev, removed=True) for ev in removed]  # type: ignore[type-var]
        return []


def watch_events(
    *event_types: type[E], where: Mapping[str, Any] | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[E]:
    """Watch one or more event types (see :class:`EventWatcher`, :class:`WatchOptions` and the
    module docs).

    ``from_block`` None (and no ``cursor``) starts after the current head. ``where`` filters on
    event fields (e.g. ``{"task": addr}``), addresses case-insensitively.

    Example::

        async for ev in watch_events(TaskStatusChangedEvent, AttemptedEvent,
                                     where={"task": task.address}, from_block=0):
            print(type(ev).__name__, ev.block_number)
    """
    return EventWatcher(event_types, where=where, **options)
