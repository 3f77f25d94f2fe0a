"""The event machinery's async JSON-RPC clients: a thin layer over :mod:`ogpu.rpc`.

Encoding, reply checks, the retry policy and the failure classifier are the core's; this module
adds what the watchers need: a batch in which any error fails the whole batch, the ``give_up``
hook (a caller handles some errors itself, e.g. halving a log range), persistent failures raised
as :class:`EventsRpcError` with the attempt count, and the WebSocket transport with
``eth_subscribe`` notifications. Tests inject faults at the ``httpx`` transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import httpx

from ogpu.events.errors import EventsRpcError
from ogpu.rpc import (
    AsyncRpcClient,
    BatchRefusedError,
    RetryPolicy,
    RpcError,
    await_reply,
    is_retryable,
)
from ogpu.rpc._client import BaseRpcClient
from ogpu.rpc._models import encode, encode_batch, parse_batch, parse_reply
from ogpu.types import jsonsafe

__all__ = ["AsyncRpc", "HttpRpc", "WsRpc", "open_rpc"]

log = logging.getLogger("ogpu.events")

#: The default retry schedule of the watchers: ~6 attempts over ~3 s at most.
DEFAULT_RETRY = RetryPolicy(max_attempts=6, base_delay=0.05, max_delay=1.0)


def _to_events_error(method: str, exc: BaseException, attempts: int) -> EventsRpcError:
    node = exc if isinstance(exc, RpcError) else None
    return EventsRpcError(
        method,
        node.message if node else f"{type(exc).__name__}: {exc}",
        code=node.code if node else None,
        data=node.data if node else None,
        attempts=attempts,
        transient=is_retryable(exc),
    )


class AsyncRpc(BaseRpcClient):
    """Base of the clients: the core's ids and counters, retries and error surfacing;
    ``_exchange`` is the I/O."""

    supports_subscriptions = False

    def __init__(
        self, url: str = "", *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(url, timeout=timeout, retry=retry or DEFAULT_RETRY)

    async def _exchange(self, body: bytes, ids: Sequence[int]) -> Any:  # pragma: no cover
        """Send one encoded request or batch; return the reply (bytes or parsed JSON)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release the connection."""

    async def _with_retry(
        self,
        what: str,
        attempt: Callable[[], Awaitable[Any]],
        give_up: Callable[[BaseException], bool] | None,
    ) -> Any:
        schedule = self.retry.schedule()
        while True:
            schedule.attempts += 1
            try:
                return await attempt()
            except Exception as exc:
                if give_up is not None and give_up(exc):
                    raise
                delay = schedule.after(exc, is_retryable, what)
                if delay is None:
                    raise _to_events_error(what, exc, schedule.attempts) from exc
                await asyncio.sleep(delay)

    async def call(
        self,
        method: str,
        params: Sequence[Any] = (),
        *,
        give_up: Callable[[BaseException], bool] | None = None,
    ) -> Any:
        """One request, retried on transient failures.

        ``give_up(exc)`` returning True re-raises ``exc`` untouched (the caller handles it, e.g.
        halving a log range); persistent errors become :class:`EventsRpcError`.
        """

        async def attempt() -> Any:
            rid = self._next_ids(1)
            self.round_trips += 1
            return parse_reply(method, await self._exchange(encode(method, params, rid), [rid]))

        return await self._with_retry(method, attempt, give_up)

    async def batch(
        self,
        calls: Sequence[tuple[str, Sequence[Any]]],
        *,
        give_up: Callable[[BaseException], bool] | None = None,
    ) -> list[Any]:
        """Several requests in one round trip; results in order. Any error fails the batch
        (and is retried as a whole when transient)."""
        if len(calls) > 1 and self.batches_supported:

            async def attempt() -> list[Any]:
                body, ids = encode_batch(calls, first_id=self._next_ids(len(calls)))
                self.round_trips += 1
                out = parse_batch(calls, ids, await self._exchange(body, ids))
                for item in out:
                    if isinstance(item, RpcError):
                        raise item
                return out

            try:
                return await self._with_retry(  # type: ignore[no-any-return]
                    ",".join(sorted({m for m, _ in calls})),
                    attempt,
                    lambda exc: (
                        isinstance(exc, BatchRefusedError) or bool(give_up and give_up(exc))
                    ),
                )
            except BatchRefusedError:
                self._refused()
        return [await self.call(m, p, give_up=give_up) for m, p in calls]

    def new_heads(
        self, on_subscribed: Callable[[], None] | None = None
    ) -> AsyncIterator[int]:  # pragma: no cover - only on WsRpc
        """Block numbers of new heads as they arrive (WebSocket only); ``on_subscribed()`` is
        called once the node has confirmed the subscription."""
        raise NotImplementedError


class HttpRpc(AsyncRpc):
    """JSON-RPC over HTTP(S) through the core's :class:`~ogpu.rpc.AsyncRpcClient`.

    ``transport`` lets tests put an ``httpx`` transport (a fault injector) in front of the node.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(url, timeout=timeout, retry=retry)
        self._client = AsyncRpcClient(url, timeout=timeout, retry=self.retry, transport=transport)

    async def _exchange(self, body: bytes, ids: Sequence[int]) -> Any:
        return await self._client.post(body)

    async def close(self) -> None:
        await self._client.aclose()


class WsRpc(AsyncRpc):
    """JSON-RPC over one WebSocket: requests multiplexed by id, ``eth_subscribe`` notifications
    routed to subscribers. A dropped connection is reopened on the next request (transient)."""

    supports_subscriptions = True

    def __init__(
        self, url: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(url, timeout=timeout, retry=retry)
        self._ws: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._subs: dict[str, asyncio.Queue[Any]] = {}
        self._lock = asyncio.Lock()
        self._closed = False

    async def _connect(self) -> Any:
        async with self._lock:
            if self._ws is not None:
                return self._ws
            if self._closed:
                raise EventsRpcError("websocket", "the client is closed")
            from websockets.asyncio.client import connect

            try:
                ws = await connect(self.url, max_size=None, open_timeout=self.timeout, proxy=None)
            except OSError as exc:
                raise ConnectionError(f"cannot connect to {self.url}: {exc}") from exc
            self._ws = ws
            self._reader = asyncio.create_task(self._read_loop(ws))
            return ws

    async def _read_loop(self, ws: Any) -> None:
        error: BaseException = ConnectionError(f"websocket {self.url} closed")
        try:
            async for raw in ws:
                msg = jsonsafe.loads(raw)
                if isinstance(msg, dict) and msg.get("method") == "eth_subscription":
                    params = msg.get("params") or {}
                    queue = self._subs.get(str(params.get("subscription")))
                    if queue is not None:
                        queue.put_nowait(params.get("result"))
                    continue
                # A reply; the ids of a batch reply share one future.
                items = msg if isinstance(msg, list) else [msg]
                ids = [m.get("id") for m in items if isinstance(m, dict)]
                futs = [
                    self._pending.pop(i) for i in ids if isinstance(i, int) and i in self._pending
                ]
                if futs and not futs[0].done():
                    futs[0].set_result(msg)
        except Exception as exc:
            error = ConnectionError(f"websocket {self.url} failed: {exc}")
        finally:
            if self._ws is ws:
                self._ws = None
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(error)
            self._pending.clear()
            for queue in self._subs.values():
                queue.put_nowait(error)
            self._subs.clear()

    async def _exchange(self, body: bytes, ids: Sequence[int]) -> Any:
        ws = await self._connect()
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        for i in ids:
            self._pending[i] = fut
        try:
            await ws.send(body.decode())
        except Exception as exc:
            raise ConnectionError(f"websocket send failed: {exc}") from exc
        try:
            return await await_reply(
                fut, self.timeout, lambda t: TimeoutError(f"no reply within {t:g} s")
            )
        finally:
            for i in ids:
                self._pending.pop(i, None)

    async def new_heads(  # type: ignore[override]
        self, on_subscribed: Callable[[], None] | None = None
    ) -> AsyncIterator[int]:
        """Block numbers from an ``eth_subscribe("newHeads")`` subscription; ``on_subscribed()``
        is called once the node has confirmed it (blocks mined before are not notified).

        Ends with an exception when the connection drops; the watcher resubscribes.
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        sub_id = await self.call("eth_subscribe", ["newHeads"])
        self._subs[sub_id] = queue
        if on_subscribed is not None:
            on_subscribed()
        try:
            while True:
                item = await queue.get()
                if isinstance(item, BaseException):
                    raise item
                if isinstance(item, dict) and "number" in item:
                    yield int(item["number"], 16)
        finally:
            self._subs.pop(sub_id, None)
            if self._ws is not None and not self._closed:
                with contextlib.suppress(Exception):
                    await self.call("eth_unsubscribe", [sub_id])

    async def close(self) -> None:
        self._closed = True
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await self._reader


def open_rpc(
    url: str,
    *,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncRpc:
    """A client for ``url``: WebSocket for ``ws://``/``wss://``, HTTP otherwise."""
    if url.startswith(("ws://", "wss://")):
        return WsRpc(url, timeout=timeout, retry=retry)
    return HttpRpc(url, timeout=timeout, retry=retry, transport=transport)
