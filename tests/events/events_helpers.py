"""Helpers of the event tests: run coroutines with a deadline, collect events, inject faults at
the HTTP transport (an ``httpx`` transport in front of the real node) and at the WebSocket (a
relay that can hold or reorder frames), and both semantics of ``asyncio.wait_for``."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
    """Run ``coro`` on a fresh event loop, failing after ``timeout`` seconds."""

    async def main() -> T:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(main())


async def take(watcher: Any, n: int, timeout: float = 10.0) -> list[Any]:
    """The next ``n`` events of ``watcher`` (TimeoutError if they do not come)."""
    out: list[Any] = []

    async def go() -> None:
        async for ev in watcher:
            out.append(ev)
            if len(out) >= n:
                return

    await asyncio.wait_for(go(), timeout)
    return out


async def nothing_for(watcher: Any, seconds: float) -> None:
    """Assert that ``watcher`` yields nothing for ``seconds``."""
    try:
        ev = await asyncio.wait_for(watcher.__anext__(), seconds)
    except asyncio.TimeoutError:
        return
    raise AssertionError(f"unexpected event {ev}")


async def in_thread(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.to_thread(fn, *args)


Decider = Callable[[dict[str, Any] | list[Any]], "httpx.Response | None"]


class FaultTransport(httpx.AsyncBaseTransport):
    """Forwards JSON-RPC requests to the node unless ``decide(body)`` returns a response.

    ``seen`` records the decoded request bodies (dicts, or lists for batches).
    """

    def __init__(self, decide: Decider) -> None:
        self.decide = decide
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[Any] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(await request.aread())
        self.seen.append(body)
        fake = self.decide(body)
        if fake is not None:
            return fake
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def methods(self) -> list[str]:
        out: list[str] = []
        for b in self.seen:
            out += [i["method"] for i in b] if isinstance(b, list) else [b["method"]]
        return out


def rpc_error(body: Any, code: int, message: str) -> httpx.Response:
    """A JSON-RPC error reply to ``body`` (a request or a batch)."""
    items = body if isinstance(body, list) else [body]
    replies = [
        {"jsonrpc": "2.0", "id": i["id"], "error": {"code": code, "message": message}}
        for i in items
    ]
    return httpx.Response(200, json=replies if isinstance(body, list) else replies[0])


def methods_of(body: Any) -> list[str]:
    return [i["method"] for i in body] if isinstance(body, list) else [body["method"]]


def logs_range(body: Any) -> int | None:
    """Block span of the first ``eth_getLogs`` in ``body``, or None."""
    for item in body if isinstance(body, list) else [body]:
        if item["method"] == "eth_getLogs":
            f = item["params"][0]
            return int(f["toBlock"], 16) - int(f["fromBlock"], 16) + 1
    return None


AsyncFn = Callable[[], Awaitable[Any]]


Frames = Callable[[str], Awaitable[list[str]]]


async def _passthrough(text: str) -> list[str]:
    return [text]


class WsRelay:
    """A WebSocket relay in front of the node's ``ws://`` endpoint (a fault proxy at the
    transport boundary): every frame is forwarded, through ``to_node`` (client → node) and
    ``to_client`` (node → client), which may hold, reorder or act before forwarding (each returns
    the frames to send now). ``methods`` maps each JSON-RPC request id seen to its method.

    Use as ``async with WsRelay(upstream) as relay:`` and connect to ``relay.url``.
    """

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.to_node: Frames = _passthrough
        self.to_client: Frames = _passthrough
        self.methods: dict[int, str] = {}
        self.url = ""
        self._server: Any = None
        self._clients: list[Any] = []

    async def deliver(self, text: str) -> None:
        """Send ``text`` to the last client connected (e.g. a reply held by ``to_client``)."""
        await self._clients[-1].send(text)

    def replies_to(self, text: str, method: str) -> bool:
        """``text`` is a reply (single or batch) to a request for ``method``."""
        msg = json.loads(text)
        items = msg if isinstance(msg, list) else [msg]
        return any(isinstance(m, dict) and self.methods.get(m.get("id")) == method for m in items)

    def _record(self, text: str) -> None:
        msg = json.loads(text)
        for item in msg if isinstance(msg, list) else [msg]:
            if isinstance(item.get("id"), int):
                self.methods[item["id"]] = item["method"]

    async def _handle(self, client: Any) -> None:
        from websockets.asyncio.client import connect

        self._clients.append(client)
        async with connect(self.upstream, max_size=None, proxy=None) as node:

            async def pump(src: Any, dst: Any, through: Frames, record: bool) -> None:
                async for text in src:
                    if record:
                        self._record(text)
                    for out in await through(text):
                        await dst.send(out)

            up = asyncio.create_task(pump(client, node, lambda t: self.to_node(t), True))
            down = asyncio.create_task(pump(node, client, lambda t: self.to_client(t), False))
            try:
                await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                up.cancel()
                down.cancel()
                await asyncio.wait({up, down})

    async def __aenter__(self) -> WsRelay:
        from websockets.asyncio.server import serve

        self._server = await serve(self._handle, "127.0.0.1", 0, max_size=None)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"ws://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()


async def legacy_wait_for(aw: Awaitable[T], timeout: float | None) -> T:
    """``asyncio.wait_for`` as in Python 3.8-3.11 (inner task; a late cancel returns the result)."""
    loop = asyncio.get_running_loop()
    fut = asyncio.ensure_future(aw)
    if timeout is None:
        return await fut
    waiter: asyncio.Future[None] = loop.create_future()

    def release(_: Any = None) -> None:
        if not waiter.done():
            waiter.set_result(None)

    handle = loop.call_later(timeout, release)
    fut.add_done_callback(release)
    error: BaseException = asyncio.TimeoutError()
    try:
        try:
            await waiter
        except asyncio.CancelledError as exc:
            error = exc
        if fut.done():
            return fut.result()  # even when cancelled: the lost cancellation being reproduced
        fut.remove_done_callback(release)
        fut.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await fut
        raise error
    finally:
        handle.cancel()


async def timeout_wait_for(aw: Awaitable[T], timeout: float | None) -> T:
    """``asyncio.wait_for`` as in Python 3.12+ (``asyncio.timeout`` around a plain await)."""
    async with asyncio.timeout(timeout):  # type: ignore[attr-defined]
        return await aw


SEMANTICS = [pytest.param(legacy_wait_for, id="wait_for-3.10-3.11")]
if sys.version_info >= (3, 11):
    SEMANTICS.append(pytest.param(timeout_wait_for, id="wait_for-3.12"))
