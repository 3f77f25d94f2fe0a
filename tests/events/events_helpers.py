"""Helpers of the event tests: run coroutines with a deadline, collect events, inject faults at
the HTTP transport (an ``httpx`` transport in front of the real node)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import httpx

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
