"""A watcher's start over a WebSocket, with the node's frames held or reordered by a relay.

A watcher started with ``from_block`` scans up to the current head at once, subscribes to
``newHeads`` alongside, and re-reads the head once the subscription stands, so a block mined
between its first head read and the subscription is not left for a future block (or the fallback
poll) to reveal. Closing it right after its first event stops the subscription, whenever the
reply to ``eth_subscribe`` arrives: a request cancelled as its reply lands ends cancelled.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from events_helpers import SEMANTICS, WsRelay, in_thread, run, take

from ogpu.events import DepositedEvent, watch_deposited
from ogpu.events._rpc import WsRpc


def _ws(chain: Any) -> str:
    return "ws" + str(chain.url).removeprefix("http")


@pytest.mark.parametrize("wait_for", SEMANTICS)
def test_closed_right_after_its_first_event_while_the_subscribe_reply_lands(
    chain: Any, session: Any, wait_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The node answers ``eth_subscribe`` just after the scan that yields the first past event:
    the consumer takes that event and closes the watcher while the subscriber has its reply but
    has not resumed yet. The close must stop the subscriber (it used to lose the cancellation
    inside ``asyncio.wait_for`` and wait on ``newHeads`` forever)."""
    monkeypatch.setattr(asyncio, "wait_for", wait_for)
    start = chain.head() + 1
    chain.deposit("client", 7)

    async def main() -> tuple[DepositedEvent, bool]:
        async with WsRelay(_ws(chain)) as relay:
            held: list[str] = []

            async def to_client(text: str) -> list[str]:
                if relay.replies_to(text, "eth_subscribe"):
                    held.append(text)
                    return []
                if relay.replies_to(text, "eth_getLogs"):
                    return [text, *held]
                return [text]

            relay.to_client = to_client
            w = watch_deposited(session=session, rpc_url=relay.url, from_block=start)
            async with w:
                first = await w.__anext__()
            heads = w._heads_task
            return first, heads is None or heads.done()

    first, stopped = run(main(), timeout=15)
    assert first.amount == 7 and first.block_number == start
    assert stopped


def test_block_mined_before_the_subscription_stands_is_seen_at_once(
    chain: Any, session: Any
) -> None:
    """A deposit is mined after the watcher's first scan but before its ``eth_subscribe``
    reaches the node, and no block follows (automine): it is delivered well before the
    fallback poll (``idle_interval`` 30 s) would find it."""
    start = chain.head() + 1

    async def main() -> tuple[list[DepositedEvent], float]:
        async with WsRelay(_ws(chain)) as relay:

            async def to_node(text: str) -> list[str]:
                if '"eth_subscribe"' in text:
                    await in_thread(chain.deposit, "client", 5)
                return [text]

            relay.to_node = to_node
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            w = watch_deposited(
                session=session, rpc_url=relay.url, from_block=start, idle_interval=30.0
            )
            async with w:
                got = await take(w, 1, timeout=20)
            return got, loop.time() - t0

    got, elapsed = run(main(), timeout=30)
    assert [e.amount for e in got] == [5]
    assert elapsed < 5.0, f"the block mined before the subscription waited {elapsed:.1f} s"


@pytest.mark.parametrize("wait_for", SEMANTICS)
def test_request_cancelled_as_its_reply_lands_ends_cancelled(
    chain: Any, wait_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancel a WebSocket request 0..11 loop steps after its reply is sent: unless it had already
    returned, it must end cancelled, never return the reply with the cancellation lost."""
    monkeypatch.setattr(asyncio, "wait_for", wait_for)

    async def main() -> list[int]:
        lost = []
        async with WsRelay(_ws(chain)) as relay:
            held: asyncio.Queue[str] = asyncio.Queue()

            async def to_client(text: str) -> list[str]:
                if relay.replies_to(text, "eth_chainId"):
                    held.put_nowait(text)
                    return []
                return [text]

            relay.to_client = to_client
            rpc = WsRpc(relay.url)
            try:
                for steps in range(12):
                    call = asyncio.create_task(rpc.call("eth_chainId"))
                    await relay.deliver(await asyncio.wait_for(held.get(), 5))
                    for _ in range(steps):
                        await asyncio.sleep(0)
                    if call.done():
                        continue
                    call.cancel()
                    try:
                        await call
                    except asyncio.CancelledError:
                        continue
                    lost.append(steps)
            finally:
                await rpc.close()
        return lost

    assert run(main(), timeout=30) == []
