"""Chain reorganisations on anvil (``anvil_reorg``, ``evm_snapshot``/``evm_revert``): the watcher
re-scans from the fork point, yields each event once, and reports the removed ones.

``anvil_reorg`` below the block of the per-test snapshot invalidates that snapshot, so every test
first mines a few blocks (the ``headroom`` fixture)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from events_helpers import in_thread, nothing_for, run, take

from ogpu.events import DepositedEvent, EventCursor, Reorg, ReorgTooDeepError, watch_deposited


@pytest.fixture(autouse=True)
def headroom(chain: Any) -> None:
    chain.mine(8)


def test_reorg_yields_new_events_once_and_reports_removed_ones(chain: Any, session: Any) -> None:
    start = chain.head() + 1
    reorgs: list[Reorg] = []

    async def main() -> tuple[list[DepositedEvent], list[DepositedEvent], list[DepositedEvent]]:
        w = watch_deposited(
            session=session, from_block=start, include_removed=True, on_reorg=reorgs.append
        )
        try:
            first = asyncio.create_task(take(w, 3))
            d1 = await in_thread(chain.deposit, "client", 1)
            d2 = await in_thread(chain.deposit, "provider", 2)
            d3 = await in_thread(chain.deposit, "master", 3)
            before = await first
            assert [e.transaction_hash for e in before] == [d1, d2, d3]
            # Replace the last two blocks (d2's and d3's, same height): a new deposit in the
            # first new block, d3 re-included in the second, d2 dropped.
            raw3 = await in_thread(chain.raw, d3)
            await in_thread(chain.reorg, 2, [(chain.deposit_tx("judge", 7), 0), (raw3, 1)])
            after = await take(w, 2)
            await in_thread(chain.deposit, "client", 4)
            tail = await take(w, 1)
            await nothing_for(w, 0.3)
            return before, after, tail
        finally:
            await w.aclose()

    before, after, tail = run(main())
    removed, new = after  # removals are reported before the new chain's events
    assert (new.amount, new.removed, new.block_number) == (7, False, before[1].block_number)
    assert (removed.amount, removed.removed) == (2, True)
    assert removed.transaction_hash == before[1].transaction_hash
    assert [e.amount for e in tail] == [4]
    # d3 was re-included in a new block: not delivered twice.
    delivered = [e.transaction_hash for e in [*before, new, *tail]]
    assert len(delivered) == len(set(delivered))
    assert len(reorgs) == 1
    assert reorgs[0].fork_block == before[0].block_number
    assert [e.amount for e in reorgs[0].removed] == [2]


def test_reorg_without_include_removed_only_reports(chain: Any, session: Any) -> None:
    reorgs: list[Reorg] = []

    async def main() -> list[DepositedEvent]:
        w = watch_deposited(session=session, on_reorg=reorgs.append)
        try:
            first = asyncio.create_task(take(w, 1))
            await asyncio.sleep(0.2)
            await in_thread(chain.deposit, "client", 1)
            got = await first
            await in_thread(chain.reorg, 1, [(chain.deposit_tx("provider", 5), 0)])
            got += await take(w, 1)
            return got
        finally:
            await w.aclose()

    got = run(main())
    assert [(e.amount, e.removed) for e in got] == [(1, False), (5, False)]
    assert len(reorgs) == 1 and [e.amount for e in reorgs[0].removed] == [1]


def test_revert_to_snapshot_then_new_blocks_is_a_reorg(
    chain: Any, session: Any, anvil: Any
) -> None:
    reorgs: list[Reorg] = []

    async def main() -> list[DepositedEvent]:
        w = watch_deposited(session=session, include_removed=True, on_reorg=reorgs.append)
        try:
            first = asyncio.create_task(take(w, 2))
            await asyncio.sleep(0.2)
            snap = await in_thread(chain.rpc, "evm_snapshot")
            await in_thread(chain.deposit, "client", 1)
            await in_thread(chain.deposit, "client", 2)
            got = await first
            await in_thread(chain.rpc, "evm_revert", [snap])  # the chain is now shorter
            await in_thread(chain.deposit, "provider", 3)
            got += await take(w, 3)
            return got
        finally:
            await w.aclose()

    got = run(main())
    summary = [(e.amount, e.removed) for e in got]
    assert summary[:2] == [(1, False), (2, False)]
    assert summary[2:] == [(1, True), (2, True), (3, False)]
    assert len(reorgs) == 1


def test_reorg_deeper_than_the_window_raises(chain: Any, session: Any) -> None:
    async def main() -> None:
        w = watch_deposited(session=session, reorg_window=2)
        try:
            first = asyncio.create_task(take(w, 1))
            await asyncio.sleep(0.2)
            await in_thread(chain.deposit, "client", 1)
            await in_thread(chain.mine, 3)
            await first
            await asyncio.sleep(0.2)  # let the watcher remember the new blocks
            # A transaction in the first replaced block makes sure every replaced block changes.
            await in_thread(chain.reorg, 5, [(chain.deposit_tx("judge", 9), 0)])
            with pytest.raises(ReorgTooDeepError):
                await take(w, 1)
        finally:
            await w.aclose()

    run(main())


def test_resume_cursor_whose_block_was_replaced_redelivers_the_block(
    chain: Any, session: Any
) -> None:
    start = chain.head() + 1
    chain.deposit("client", 1)
    d2 = chain.deposit("provider", 2)
    reorgs: list[Reorg] = []

    async def first_run() -> EventCursor:
        async with watch_deposited(session=session, from_block=start) as w:
            got = await take(w, 2)
            assert got[1].transaction_hash == d2
            return got[1].cursor

    cursor = run(first_run())
    raw2 = chain.raw(d2)
    # The same transaction plus another one: a new block (hash) at the cursor's height.
    chain.reorg(1, [(raw2, 0), (chain.deposit_tx("judge", 9), 0)])

    async def second_run() -> list[DepositedEvent]:
        async with watch_deposited(session=session, cursor=cursor, on_reorg=reorgs.append) as w:
            return await take(w, 2)

    again = run(second_run())
    assert {e.amount for e in again} == {2, 9}
    assert again[0].transaction_hash == d2
    assert again[0].block_hash != cursor.block_hash
    assert len(reorgs) == 1


def test_reorg_inside_the_confirmation_depth_is_invisible(chain: Any, session: Any) -> None:
    reorgs: list[Reorg] = []

    async def main() -> list[DepositedEvent]:
        w = watch_deposited(session=session, confirmations=2, on_reorg=reorgs.append)
        try:
            pending = asyncio.create_task(take(w, 1))
            await asyncio.sleep(0.2)
            await in_thread(chain.deposit, "client", 1)
            await asyncio.sleep(0.2)
            # Replaced before it had 2 confirmations: never delivered, nothing to report.
            await in_thread(chain.reorg, 1, [(chain.deposit_tx("provider", 5), 0)])
            await in_thread(chain.mine, 2)
            got = await pending
            await nothing_for(w, 0.3)
            return got
        finally:
            await w.aclose()

    assert [e.amount for e in run(main())] == [5]
    assert reorgs == []
