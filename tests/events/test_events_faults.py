"""Transient RPC failures are retried; persistent ones reach the caller (never swallowed)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from events_helpers import FaultTransport, in_thread, methods_of, rpc_error, run, take
from faults.proxy import Fault, FaultProxy, Rule

from ogpu.chain.retry import RetryPolicy
from ogpu.events import EventsRpcError, get_past_deposited, watch_deposited
from ogpu.events._rpc import HttpRpc


def test_transient_failures_are_retried_without_loss_or_repeats(chain: Any, session: Any) -> None:
    start = chain.head() + 1
    with FaultProxy(session.network.rpc_url) as proxy:
        proxy.add_rule(Rule(Fault.HTTP_503, method="eth_getLogs", nth=1))
        proxy.add_rule(Rule(Fault.DROP_REPLY, method="eth_getBlockByNumber", nth=3))
        proxy.add_rule(Rule(Fault.MALFORMED, method="eth_getBlockByNumber", nth=6))
        proxy.add_rule(Rule(Fault.HTTP_429, method="eth_getBlockByNumber", nth=9))

        async def main() -> list[Any]:
            w = watch_deposited(session=session, rpc_url=proxy.url, from_block=start)
            try:
                producer = asyncio.create_task(in_thread(chain.deposit, "client", 1))
                got = await take(w, 1, timeout=15)
                await producer
                for i in range(3):
                    await in_thread(chain.deposit, "client", i + 2)
                got += await take(w, 3, timeout=15)
                return got
            finally:
                await w.aclose()

        got = run(main())
        fired = [e.fault for e in proxy.log if e.fault is not Fault.NONE]
    assert [e.amount for e in got] == [1, 2, 3, 4]
    assert Fault.HTTP_503 in fired and Fault.DROP_REPLY in fired


def test_persistent_rpc_error_is_raised_to_the_caller(chain: Any, session: Any) -> None:
    def no_logs(body: Any) -> httpx.Response | None:
        if "eth_getLogs" in methods_of(body):
            return rpc_error(body, -32601, "the method eth_getLogs does not exist")
        return None

    transport = FaultTransport(no_logs)
    start = chain.head() + 1
    chain.deposit("client", 1)

    async def main() -> None:
        rpc = HttpRpc(session.network.rpc_url, transport=transport)
        try:
            w = watch_deposited(session=session, from_block=start, rpc=rpc)
            with pytest.raises(EventsRpcError) as info:
                await take(w, 1)
            assert info.value.code == -32601
            assert info.value.attempts == 1 and not info.value.transient
            with pytest.raises(EventsRpcError):
                await get_past_deposited(session=session, from_block=start, rpc=rpc)
        finally:
            await rpc.close()

    run(main())
    assert transport.methods().count("eth_getLogs") == 2  # no retries of a persistent error


def test_transient_failure_that_never_ends_is_raised_after_the_retries(session: Any) -> None:
    transport = FaultTransport(lambda body: httpx.Response(503, text="unavailable"))

    async def main() -> None:
        rpc = HttpRpc(
            session.network.rpc_url,
            transport=transport,
            retry=RetryPolicy(max_attempts=3, base_delay=0.0),
        )
        try:
            w = watch_deposited(session=session, rpc=rpc)
            with pytest.raises(EventsRpcError) as info:
                await take(w, 1)
            assert info.value.transient and info.value.attempts == 3
            assert "503" in str(info.value)
        finally:
            await rpc.close()

    run(main())
    assert len(transport.seen) == 3


def test_node_refusing_batches_still_works(chain: Any, session: Any) -> None:
    start = chain.head() + 1
    with FaultProxy(session.network.rpc_url, reject_batches=True) as proxy:

        async def main() -> list[Any]:
            w = watch_deposited(session=session, rpc_url=proxy.url, from_block=start)
            try:
                task = asyncio.create_task(take(w, 2))
                for i in range(2):
                    await in_thread(chain.deposit, "client", i + 1)
                return await task
            finally:
                await w.aclose()

        got = run(main())
    assert [e.amount for e in got] == [1, 2]
