"""Live watching against a real anvil: new events, filters, resumption, confirmations, WebSocket."""

from __future__ import annotations

import asyncio
from typing import Any

from events_helpers import in_thread, nothing_for, run, take

from ogpu.devnet.accounts import dev_account
from ogpu.events import (
    AgentSetEvent,
    AttemptedEvent,
    DepositedEvent,
    EventCursor,
    TaskPublishedEvent,
    TaskStatusChangedEvent,
    get_past_task_published,
    watch_deposited,
    watch_events,
    watch_task_published,
    watch_task_status_changed,
)
from ogpu.events._rpc import HttpRpc, WsRpc
from ogpu.types import TaskStatus


def test_watch_yields_new_events_in_order_with_filter(chain: Any, session: Any) -> None:
    client = dev_account("client").address
    start = chain.head() + 1

    async def main() -> list[DepositedEvent]:
        async with watch_deposited(client, session=session, from_block=start) as w:
            assert isinstance(w.rpc, HttpRpc)
            assert w.poll_interval <= 0.25

            async def produce() -> list[str]:
                hashes = []
                for i in range(3):
                    hashes.append(await in_thread(chain.deposit, "client", i + 1))
                    await in_thread(chain.deposit, "provider", 100)  # filtered out
                return hashes

            producer = asyncio.create_task(produce())
            got = await take(w, 3)
            hashes = await producer
            assert [e.transaction_hash for e in got] == hashes
            return got

    got = run(main())
    assert [e.amount for e in got] == [1, 2, 3]
    assert all(e.account == client for e in got)
    assert [e.block_number for e in got] == sorted(e.block_number for e in got)


def test_default_start_is_after_the_current_head(chain: Any, session: Any) -> None:
    chain.deposit("client", 5)  # before the watcher: not delivered

    async def main() -> list[DepositedEvent]:
        w = watch_deposited(session=session)
        try:
            first = asyncio.create_task(take(w, 1))
            await asyncio.sleep(0.3)  # the watcher pins its start block
            await in_thread(chain.deposit, "client", 6)
            return await first
        finally:
            await w.aclose()

    assert [e.amount for e in run(main())] == [6]


def test_multiple_event_types_in_one_stream_in_chain_order(chain: Any, session: Any) -> None:
    start = chain.head() + 1
    chain.automine(False)
    chain.deposit("client", 1)
    chain.set_agent("provider", dev_account("agent").address)
    chain.deposit("master", 2)
    chain.mine()
    chain.automine(True)

    async def main() -> list[Any]:
        async with watch_events(
            DepositedEvent, AgentSetEvent, session=session, from_block=start
        ) as w:
            return await take(w, 3)

    got = run(main())
    assert [type(e).__name__ for e in got] == ["DepositedEvent", "AgentSetEvent", "DepositedEvent"]
    assert [e.log_index for e in got] == [0, 1, 2]
    assert got[1].agent == dev_account("agent").address and got[1].value is True


def test_restart_from_cursor_yields_every_event_exactly_once(chain: Any, session: Any) -> None:
    start = chain.head() + 1
    # Several events per block so that the cursor falls in the middle of a block.
    chain.automine(False)
    for i in range(4):
        chain.deposit(["client", "provider", "master", "judge"][i], 10 + i)
    chain.mine()
    for i in range(3):
        chain.deposit(["client", "provider", "master"][i], 20 + i)
    chain.mine()
    chain.automine(True)

    async def first_run() -> tuple[list[DepositedEvent], str]:
        w = watch_deposited(session=session, from_block=start)
        got = await take(w, 2)
        await w.aclose()
        assert w.cursor == got[-1].cursor
        assert w.cursor is not None
        return got, w.cursor.to_json()

    part1, saved = run(first_run())
    chain.deposit("client", 30)  # while stopped
    chain.deposit("client", 31)

    async def second_run() -> list[DepositedEvent]:
        w = watch_deposited(session=session, cursor=EventCursor.from_json(saved))
        try:
            got = await take(w, 7)
            await nothing_for(w, 0.3)
            return got
        finally:
            await w.aclose()

    part2 = run(second_run())
    everything = part1 + part2
    assert [e.amount for e in everything] == [10, 11, 12, 13, 20, 21, 22, 30, 31]
    positions = [(e.block_number, e.log_index) for e in everything]
    assert positions == sorted(set(positions))
    assert part1[-1].block_number == part2[0].block_number  # resumed mid-block


def test_confirmations_hold_events_back(chain: Any, session: Any) -> None:
    async def main() -> None:
        w = watch_deposited(session=session, confirmations=2)
        try:
            pending = asyncio.create_task(take(w, 1, timeout=15))
            await asyncio.sleep(0.2)
            await in_thread(chain.deposit, "client", 7)
            await asyncio.sleep(0.4)
            assert not pending.done()  # 0 confirmations so far
            await in_thread(chain.mine, 1)
            await asyncio.sleep(0.4)
            assert not pending.done()  # 1 confirmation
            await in_thread(chain.mine, 1)
            got = await pending
            assert got[0].amount == 7
            assert w.head is not None and w.head - got[0].block_number >= 2
        finally:
            await w.aclose()

    run(main())


def test_websocket_watcher_follows_new_heads(chain: Any, ws_session: Any) -> None:
    async def main() -> list[DepositedEvent]:
        w = watch_deposited(session=ws_session, poll_interval=5.0)  # polling alone would be slow
        try:
            assert isinstance(w.rpc, WsRpc)
            first = asyncio.create_task(take(w, 5, timeout=4))
            await asyncio.sleep(0.3)
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            for i in range(5):
                await in_thread(chain.deposit, "client", i + 1)
            got = await first
            assert loop.time() - t0 < 4.0
            return got
        finally:
            await w.aclose()

    assert [e.amount for e in run(main())] == [1, 2, 3, 4, 5]


def test_task_lifecycle_events_under_official_names(
    lifecycle: Any, session: Any, chain: Any
) -> None:
    start = chain.head() + 1
    source, task = lifecycle.ready_task()
    lifecycle.attempt(task)

    async def main() -> None:
        published = await get_past_task_published(source.address, session=session, from_block=start)
        assert [e.task for e in published] == [task.address]
        assert (
            isinstance(published[0], TaskPublishedEvent) and published[0].source == source.address
        )
        async with watch_task_published(source.address, session=session, from_block=start) as w:
            assert (await take(w, 1))[0] == published[0]
        async with watch_task_status_changed(task.address, session=session, from_block=start) as w:
            ev = (await take(w, 1))[0]
            assert ev.status is TaskStatus.ATTEMPTED
        async with watch_events(
            AttemptedEvent, TaskStatusChangedEvent, where={"task": task.address}, session=session,
            from_block=start,
        ) as w:  # fmt: skip
            both = await take(w, 2)
            assert [type(e).__name__ for e in both] == ["AttemptedEvent", "TaskStatusChangedEvent"]
            assert both[0].provider == dev_account("provider").address

    run(main())


def test_websocket_watcher_survives_a_dropped_connection(chain: Any, ws_session: Any) -> None:
    async def main() -> list[DepositedEvent]:
        w = watch_deposited(session=ws_session, poll_interval=0.5)
        try:
            assert isinstance(w.rpc, WsRpc)
            first = asyncio.create_task(take(w, 1))
            await asyncio.sleep(0.3)
            await in_thread(chain.deposit, "client", 1)
            got = await first
            ws = w.rpc._ws
            assert ws is not None
            await ws.close()  # the node "goes away"; the client reconnects and resubscribes
            await in_thread(chain.deposit, "client", 2)
            await in_thread(chain.deposit, "client", 3)
            got += await take(w, 2, timeout=10)
            assert w.rpc._ws is not None and w.rpc._ws is not ws
            return got
        finally:
            await w.aclose()

    assert [e.amount for e in run(main())] == [1, 2, 3]


def test_catch_up_from_far_behind_in_bounded_ranges(chain: Any, session: Any) -> None:
    start = chain.head() + 1
    for i in range(12):
        chain.deposit("client", i + 1)
        chain.mine(2)

    async def main() -> tuple[list[DepositedEvent], int]:
        async with watch_deposited(
            session=session, from_block=start, max_range=4, reorg_window=3
        ) as w:
            got = await take(w, 12)
            return got, w.rpc.round_trips

    got, trips = run(main())
    assert [e.amount for e in got] == list(range(1, 13))
    assert trips >= (36 // 4)  # at least one request per 4-block range
