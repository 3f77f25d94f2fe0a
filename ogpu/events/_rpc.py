"""A small async JSON-RPC client for the event machinery (HTTP via httpx, WebSocket via websockets).

Why not web3's ``AsyncWeb3``: the watchers issue a handful of methods (``eth_blockNumber``,
``eth_getLogs``, ``eth_getBlockByNumber``, ``eth_subscribe``) in JSON-RPC batches, decode logs
themselves (plain dicts, no ``AttributeDict``/``HexBytes`` per log) and must classify every
failure precisely. A thin client keeps that fast and lets tests inject faults at the HTTP
transport (``httpx`` transports) instead of mocking web3.

Failures: transport errors, HTTP 408/425/429/5xx, undecodable replies and the rate-limit JSON-RPC
codes of :mod:`ogpu.chain.retry` are *transient* and retried with its :class:`RetryPolicy`
(backoff with full jitter); everything else is raised at once as :class:`EventsRpcError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx

from ogpu.chain.retry import TRANSIENT_HTTP_STATUS, TRANSIENT_RPC_CODES, RetryPolicy
from ogpu.events.errors import EventsRpcError
from ogpu.types import jsonsafe

__all__ = ["AsyncRpc", "HttpRpc", "RpcReplyError", "WsRpc", "open_rpc"]

log = logging.getLogger("ogpu.events")

#: The default retry schedule of the watchers: ~6 attempts over ~3 s at most.
DEFAULT_RETRY = RetryPolicy(max_attempts=6, base_delay=0.05, max_delay=1.0)


class RpcReplyError(Exception):
    """A JSON-RPC error object in a reply (internal; surfaced as :class:`EventsRpcError`)."""

    def __init__(self, method: str, code: int | None, message: str, data: Any = None) -> None:
        self.method = method
        self.code = code
        self.message = message
        self.data = data
        super().__init__(f"{method}: {message} (code {code})")


class _BatchRefused(Exception):
    """The node answered a batch with a single error object."""


class _TransientTransportError(Exception):
    """A failure of the transport that may go away (HTTP 5xx/429, closed socket, bad reply)."""


def is_transient(exc: BaseException) -> bool:
    """True when retrying the same request may succeed."""
    if isinstance(exc, RpcReplyError):
        return exc.code in TRANSIENT_RPC_CODES
    return isinstance(
        exc,
        _TransientTransportError
        | httpx.TransportError
        | ConnectionError
        | TimeoutError
        | asyncio.TimeoutError  # distinct from TimeoutError before Python 3.11
        | OSError
        | json.JSONDecodeError
        | UnicodeDecodeError,
    )


def _to_events_error(method: str, exc: BaseException, attempts: int) -> EventsRpcError:
    if isinstance(exc, RpcReplyError):
        return EventsRpcError(
            method,
            exc.message,
            code=exc.code,
            data=exc.data,
            attempts=attempts,
            transient=is_transient(exc),
        )
    return EventsRpcError(
        method, f"{type(exc).__name__}: {exc}", attempts=attempts, transient=is_transient(exc)
    )


class AsyncRpc:
    """Base of the JSON-RPC clients: ids, reply parsing and the retry loop (I/O in subclasses)."""

    supports_subscriptions = False

    def __init__(self, *, retry: RetryPolicy | None = None) -> None:
        self.retry = retry or DEFAULT_RETRY
        self._ids = itertools.count(1)
        #: Number of JSON-RPC round trips sent (a batch counts once); for tests and benchmarks.
        self.round_trips = 0
        #: False once the node refused a batch (then requests go one by one).
        self.batches_supported = True

    async def _send(self, payload: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    async def close(self) -> None:
        """Release the connection."""

    async def __aenter__(self) -> AsyncRpc:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @staticmethod
    def _result(method: str, reply: Any) -> Any:
        if not isinstance(reply, dict):
            raise _TransientTransportError(f"malformed JSON-RPC reply to {method}: {reply!r:.200}")
        err = reply.get("error")
        if err is not None:
            if isinstance(err, dict):
                code = err.get("code")
                raise RpcReplyError(
                    method,
                    code if isinstance(code, int) else None,
                    str(err.get("message", "")),
                    err.get("data"),
                )
            raise RpcReplyError(method, None, str(err))
        if "result" not in reply:
            raise _TransientTransportError(f"JSON-RPC reply to {method} has no result")
        return reply["result"]

    async def _with_retry(
        self,
        what: str,
        attempt: Callable[[], Any],
        give_up: Callable[[BaseException], bool] | None,
    ) -> Any:
        delays = self.retry.delays()
        attempts = 0
        while True:
            attempts += 1
            try:
                return await attempt()
            except Exception as exc:
                if give_up is not None and give_up(exc):
                    raise
                if not is_transient(exc):
                    raise _to_events_error(what, exc, attempts) from exc
                delay = next(delays, None)
                if delay is None:
                    raise _to_events_error(what, exc, attempts) from exc
                log.debug("transient RPC failure of %s (attempt %d): %s", what, attempts, exc)
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
            rid = next(self._ids)
            self.round_trips += 1
            reply = await self._send(
                {"jsonrpc": "2.0", "id": rid, "method": method, "params": list(params)}
            )
            return self._result(method, reply)

        return await self._with_retry(method, attempt, give_up)

    async def batch(
        self,
        calls: Sequence[tuple[str, Sequence[Any]]],
        *,
        give_up: Callable[[BaseException], bool] | None = None,
    ) -> list[Any]:
        """Several requests in one round trip; results in order. Any error fails the batch
        (and is retried as a whole when transient)."""
        if not calls:
            return []
        if len(calls) == 1 or not self.batches_supported:
            return [await self.call(m, p, give_up=give_up) for m, p in calls]
        names = ",".join(sorted({m for m, _ in calls}))

        async def attempt() -> list[Any]:
            ids = [next(self._ids) for _ in calls]
            payload = [
                {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
                for i, (m, p) in zip(ids, calls, strict=True)
            ]
            self.round_trips += 1
            replies = await self._send(payload)
            if not isinstance(replies, list):
                if isinstance(replies, dict) and replies.get("error") is not None:
                    # Some public endpoints refuse batches with one error object: go sequential.
                    log.info("the node refuses JSON-RPC batches; sending requests one by one")
                    self.batches_supported = False
                    raise _BatchRefused
                raise _TransientTransportError(f"malformed batch reply: {replies!r:.200}")
            by_id = {r.get("id"): r for r in replies if isinstance(r, dict)}
            out = []
            for i, (m, _) in zip(ids, calls, strict=True):
                if i not in by_id:
                    raise _TransientTransportError(f"batch reply lacks the answer to {m}")
                out.append(self._result(m, by_id[i]))
            return out

        try:
            result: list[Any] = await self._with_retry(
                names,
                attempt,
                lambda exc: isinstance(exc, _BatchRefused) or bool(give_up and give_up(exc)),
            )
        except _BatchRefused:
            return [await self.call(m, p, give_up=give_up) for m, p in calls]
        return result

    def new_heads(self) -> AsyncIterator[int]:  # pragma: no cover - only on WsRpc
        """Block numbers of new heads as they arrive (WebSocket only)."""
        raise NotImplementedError


class HttpRpc(AsyncRpc):
    """JSON-RPC over HTTP(S) with a persistent ``httpx.AsyncClient``.

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
        super().__init__(retry=retry)
        self.url = url
        self._client = httpx.AsyncClient(
            timeout=timeout,
            transport=transport,
            headers={"Content-Type": "application/json"},
        )

    async def _send(self, payload: Any) -> Any:
        resp = await self._client.post(self.url, content=json.dumps(payload))
        if resp.status_code in TRANSIENT_HTTP_STATUS:
            raise _TransientTransportError(f"HTTP {resp.status_code} from {self.url}")
        if resp.status_code >= 400:
            # A JSON-RPC error may still come with a 4xx status; otherwise it is persistent.
            try:
                body = resp.json()
            except ValueError:
                body = None
            if isinstance(body, dict | list):
                return body
            raise RpcReplyError(
                "http", resp.status_code, f"HTTP {resp.status_code}: {resp.text[:200]}"
            )
        return jsonsafe.loads(resp.content)

    async def close(self) -> None:
        await self._client.aclose()


class WsRpc(AsyncRpc):
    """JSON-RPC over one WebSocket: requests multiplexed by id, ``eth_subscribe`` notifications
    routed to subscribers. A dropped connection is reopened on the next request (transient)."""

    supports_subscriptions = True

    def __init__(
        self, url: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        super().__init__(retry=retry)
        self.url = url
        self.timeout = timeout
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
                raise _TransientTransportError(f"cannot connect to {self.url}: {exc}") from exc
            self._ws = ws
            self._reader = asyncio.create_task(self._read_loop(ws))
            return ws

    async def _read_loop(self, ws: Any) -> None:
        error: BaseException = _TransientTransportError(f"websocket {self.url} closed")
        try:
            async for raw in ws:
                msg = jsonsafe.loads(raw)
                items = msg if isinstance(msg, list) else [msg]
                if isinstance(msg, list):
                    # A batch reply: route it by the first id.
                    ids: list[int] = [
                        m["id"]
                        for m in items
                        if isinstance(m, dict) and isinstance(m.get("id"), int)
                    ]
                    fut = next((self._pending.pop(i) for i in ids if i in self._pending), None)
                    for i in ids:
                        self._pending.pop(i, None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                    continue
                if msg.get("method") == "eth_subscription":
                    params = msg.get("params") or {}
                    queue = self._subs.get(str(params.get("subscription")))
                    if queue is not None:
                        queue.put_nowait(params.get("result"))
                    continue
                mid = msg.get("id")
                fut = self._pending.pop(mid, None) if isinstance(mid, int) else None
                if fut is not None and not fut.done():
                    fut.set_result(msg)
        except Exception as exc:
            error = _TransientTransportError(f"websocket {self.url} failed: {exc}")
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

    async def _send(self, payload: Any) -> Any:
        ws = await self._connect()
        key = payload[0]["id"] if isinstance(payload, list) else payload["id"]
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if isinstance(payload, list):
            for p in payload:
                self._pending[p["id"]] = fut
        else:
            self._pending[key] = fut
        try:
            await ws.send(json.dumps(payload))
        except Exception as exc:
            raise _TransientTransportError(f"websocket send failed: {exc}") from exc
        try:
            return await asyncio.wait_for(fut, self.timeout)
        finally:
            for p in payload if isinstance(payload, list) else [payload]:
                self._pending.pop(p["id"], None)

    async def new_heads(self) -> AsyncIterator[int]:  # type: ignore[override]
        """Block numbers from an ``eth_subscribe("newHeads")`` subscription.

        Ends with an exception when the connection drops; the watcher resubscribes.
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        sub_id = await self.call("eth_subscribe", ["newHeads"])
        self._subs[sub_id] = queue
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


def jitter(delay: float) -> float:
    """Full jitter on ``delay`` (used for reconnect pauses)."""
    return random.uniform(0, delay)
