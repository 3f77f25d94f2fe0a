"""Historical queries: bounded eth_getLogs ranges, adaptive halving, correctness across chunks."""

from __future__ import annotations

from typing import Any

import httpx
from events_helpers import FaultTransport, logs_range, rpc_error, run

from ogpu.devnet.accounts import dev_account
from ogpu.events import DepositedEvent, get_past_deposited, get_past_events
from ogpu.events._rpc import HttpRpc


def _spread_events(chain: Any, blocks: int) -> tuple[int, int]:
    """One deposit every third block over ``blocks`` blocks; returns (first, last) block."""
    start = chain.head() + 1
    for i in range(blocks):
        if i % 3 == 0:
            chain.deposit("client", i + 1)
        else:
            chain.mine()
    return start, chain.head()


def test_small_max_range_splits_into_many_requests_with_the_same_result(
    chain: Any, session: Any
) -> None:
    start, end = _spread_events(chain, 30)
    transport = FaultTransport(lambda body: None)

    async def main() -> tuple[list[DepositedEvent], list[DepositedEvent]]:
        whole = await get_past_deposited(session=session, from_block=start, to_block=end)
        rpc = HttpRpc(session.network.rpc_url, transport=transport)
        try:
            chunked = await get_past_deposited(
                session=session, from_block=start, to_block=end, max_range=4, rpc=rpc
            )
        finally:
            await rpc.close()
        return whole, chunked

    whole, chunked = run(main())
    assert [e.amount for e in whole] == [i + 1 for i in range(0, 30, 3)]
    assert chunked == whole
    spans = [logs_range(b) for b in transport.seen if logs_range(b) is not None]
    assert len(spans) == -(-(end - start + 1) // 4)  # ceil
    assert max(s for s in spans if s is not None) <= 4


def test_range_refused_by_the_node_is_halved_until_accepted(chain: Any, session: Any) -> None:
    start, end = _spread_events(chain, 24)
    limit = 3

    def refuse_wide(body: Any) -> httpx.Response | None:
        span = logs_range(body)
        if span is not None and span > limit:
            return rpc_error(body, -32005, "query returned more than 10000 results")
        return None

    transport = FaultTransport(refuse_wide)

    async def main() -> list[DepositedEvent]:
        rpc = HttpRpc(session.network.rpc_url, transport=transport)
        try:
            return await get_past_events(
                DepositedEvent, session=session, from_block=start, to_block=end, rpc=rpc
            )
        finally:
            await rpc.close()

    got = run(main())
    assert [e.amount for e in got] == [i + 1 for i in range(0, 24, 3)]
    spans = [s for s in (logs_range(b) for b in transport.seen) if s is not None]
    assert spans[0] == end - start + 1  # first try: the whole range
    accepted = [s for s in spans if s <= limit]
    assert sum(accepted) == end - start + 1  # every block read exactly once
    assert len(spans) < 40  # halving, not one block at a time


def test_where_filter_and_to_block(chain: Any, session: Any) -> None:
    start = chain.head() + 1
    chain.deposit("client", 1)
    mid = chain.head()
    chain.deposit("provider", 2)
    chain.deposit("client", 3)
    client = dev_account("client").address

    async def main() -> tuple[list[DepositedEvent], list[DepositedEvent]]:
        mine = await get_past_deposited(client.lower(), session=session, from_block=start)
        early = await get_past_deposited(session=session, from_block=start, to_block=mid)
        return mine, early

    mine, early = run(main())
    assert [e.amount for e in mine] == [1, 3]
    assert [e.amount for e in early] == [1]
