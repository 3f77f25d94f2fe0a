"""Cancellation and closing of live watchers, at the exact moment a new head is delivered.

The node is scripted at the JSON-RPC transport boundary (``_send`` and the ``newHeads`` feed of an
:class:`~ogpu.events._rpc.AsyncRpc`), so the interleaving of "head notification delivered" and
"task cancelled" is chosen by the test, loop step by loop step, instead of left to timing.

``asyncio.wait_for`` changed semantics in Python 3.12: until 3.11 it runs the awaitable in an
inner task and, when cancelled after that task finished, returns its result (the cancellation is
lost); from 3.12 it is built on ``asyncio.timeout`` and cancellation propagates. Both behaviours
are reproduced in events_helpers (``legacy_wait_for`` / ``timeout_wait_for``) and installed as
``asyncio.wait_for`` so the watcher is checked under each, whichever Python runs the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import pytest
from events_helpers import SEMANTICS

from ogpu.events import DepositedEvent, EventWatcher, watch_events
from ogpu.events._rpc import AsyncRpc

VAULT = "0x" + "42" * 20


class ScriptedNode(AsyncRpc):
    """A node whose head moves only when the test calls :meth:`new_head`; no logs."""

    supports_subscriptions = True

    def __init__(self) -> None:
        super().__init__()
        self.head = 10
        self.requests = 0
        self.listening = 0
        self.subscribed = asyncio.Event()
        #: How many cancellations the subscription ignores (a transport that loses them).
        self.lose_cancellations = 0
        self._heads: asyncio.Queue[int] = asyncio.Queue()

    def _header(self, number: int) -> dict[str, Any] | None:
        if number > self.head:
            return None
        return {
            "number": hex(number),
            "hash": "0x" + format(number, "064x"),
            "parentHash": "0x" + format(number - 1, "064x"),
        }

    def _answer(self, req: dict[str, Any]) -> dict[str, Any]:
        method, params = req["method"], req["params"]
        result: Any
        if method == "eth_blockNumber":
            result = hex(self.head)
        elif method == "eth_getBlockByNumber":
            tag = params[0]
            result = self._header(self.head if tag == "latest" else int(tag, 16))
        elif method == "eth_getLogs":
            result = []
        else:
            return {"jsonrpc": "2.0", "id": req["id"], "error": {"code": -32601, "message": method}}
        return {"jsonrpc": "2.0", "id": req["id"], "result": result}

    async def _exchange(self, body: bytes, ids: Sequence[int]) -> Any:
        self.requests += 1
        await asyncio.sleep(0)
        payload = json.loads(body)
        if isinstance(payload, list):
            return [self._answer(p) for p in payload]
        return self._answer(payload)

    async def new_heads(  # type: ignore[override]
        self, on_subscribed: Callable[[], None] | None = None
    ) -> AsyncIterator[int]:
        self.subscribed.set()
        self.listening += 1
        try:
            if on_subscribed is not None:
                on_subscribed()
            while True:
                try:
                    head = await self._heads.get()
                except asyncio.CancelledError:
                    if self.lose_cancellations == 0:
                        raise
                    self.lose_cancellations -= 1  # as asyncio.wait_for did up to Python 3.11
                    continue
                yield head
        finally:
            self.listening -= 1

    def new_head(self) -> None:
        """Mine a block and push its notification (delivered on the next loop steps)."""
        self.head += 1
        self._heads.put_nowait(self.head)


def _watcher(node: ScriptedNode) -> EventWatcher[DepositedEvent]:
    return watch_events(
        DepositedEvent, rpc=node, rpc_url="ws://scripted.test", addresses={"Vault": VAULT}
    )


async def _consume(watcher: EventWatcher[Any]) -> int:
    n = 0
    async for _ in watcher:
        n += 1
    return n


async def _steps(n: int) -> None:
    for _ in range(n):
        await asyncio.sleep(0)


async def _parked(node: ScriptedNode) -> None:
    """Let the watcher start, subscribe and park waiting for the next head."""
    await asyncio.wait_for(node.subscribed.wait(), 5)
    await _steps(30)


@pytest.mark.parametrize("wait_for", SEMANTICS)
def test_cancel_while_a_head_is_delivered_always_wins(
    wait_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancel 0..7 loop steps after a head notification is pushed, 40 times each: the watcher
    task must end cancelled every time, promptly, and send nothing after it."""
    monkeypatch.setattr(asyncio, "wait_for", wait_for)

    async def once(delay_steps: int) -> str | None:
        node = ScriptedNode()
        task = asyncio.create_task(_consume(_watcher(node)))
        await _parked(node)
        node.new_head()
        await _steps(delay_steps)
        task.cancel()
        done, _ = await asyncio.wait({task}, timeout=0.3)
        if not done:
            task.cancel()  # the cancellation was lost: stop the runaway watcher
            with contextlib.suppress(BaseException):
                await task
            return f"cancel lost {delay_steps} steps after a head notification"
        if not task.cancelled():
            return f"watcher ended with {task.result()!r} instead of being cancelled"
        requests = node.requests
        await _steps(20)
        if node.requests != requests or node.listening:
            return "the cancelled watcher still reads from the node"
        return None

    async def main() -> list[str]:
        failures = []
        for _ in range(40):
            for delay_steps in range(8):
                problem = await once(delay_steps)
                if problem is not None:
                    failures.append(problem)
        return failures

    failures = asyncio.run(main())
    assert failures == [], f"{len(failures)} of 320 runs: {sorted(set(failures))}"


@pytest.mark.parametrize("wait_for", SEMANTICS)
def test_aclose_from_another_task_while_iterating(
    wait_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``await watcher.aclose()`` from another task ends the consumer's ``async for`` cleanly
    (no 'asynchronous generator is already running'), at any step around a head delivery."""
    monkeypatch.setattr(asyncio, "wait_for", wait_for)

    async def once(delay_steps: int) -> None:
        node = ScriptedNode()
        watcher = _watcher(node)
        consumer = asyncio.create_task(_consume(watcher))
        await _parked(node)
        node.new_head()
        await _steps(delay_steps)
        await asyncio.wait_for(watcher.aclose(), 2)
        assert await asyncio.wait_for(consumer, 2) == 0  # the loop ended without an error
        assert node.listening == 0
        requests = node.requests
        await _steps(20)
        assert node.requests == requests
        await watcher.aclose()  # idempotent

    async def main() -> None:
        for _ in range(10):
            for delay_steps in range(8):
                await once(delay_steps)

    asyncio.run(main())


@pytest.mark.parametrize("wait_for", SEMANTICS)
def test_watchers_running_at_exit_stop_when_asyncio_run_cancels_them(
    wait_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``asyncio.run`` returning while heads are being delivered cancels the watchers and then
    closes the generators: nothing may keep running or fail to close."""
    monkeypatch.setattr(asyncio, "wait_for", wait_for)
    errors: list[str] = []

    async def main(delay_steps: int) -> None:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, ctx: errors.append(str(ctx.get("message"))))
        # A watcher that ignores its cancellation would hang asyncio.run: stop the loop instead.
        loop.call_later(2.0, loop.stop)
        nodes = [ScriptedNode() for _ in range(4)]
        consumers = []
        for node in nodes:
            consumers.append(asyncio.create_task(_consume(_watcher(node))))
            await _parked(node)
        for node in nodes:
            node.new_head()
        await _steps(delay_steps)
        assert not any(c.done() for c in consumers)

    for _ in range(5):
        for delay_steps in range(8):
            try:
                asyncio.run(main(delay_steps))
            except RuntimeError as exc:
                errors.append(f"{exc} ({delay_steps} steps after the heads)")
    assert errors == []


def test_closing_stops_a_subscription_that_lost_a_cancellation() -> None:
    """The subscription ignores the first cancellation (as a reply landing with the cancel did in
    ``asyncio.wait_for`` up to Python 3.11): closing the watcher still ends it, promptly."""

    async def main() -> None:
        node = ScriptedNode()
        node.lose_cancellations = 1
        watcher = _watcher(node)
        consumer = asyncio.create_task(_consume(watcher))
        await _parked(node)
        await asyncio.wait_for(watcher.aclose(), 5)
        assert await asyncio.wait_for(consumer, 2) == 0
        assert node.lose_cancellations == 0 and node.listening == 0

    asyncio.run(main())
