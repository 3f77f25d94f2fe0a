"""Watchers survive: event watchers keep going through node restarts (anvil ``--state`` dump and
reload on the same port) and dropped connections, and miss or duplicate no event.

A dedicated node (not the session's: it is restarted) with its own deployment. Events are
``Vault.deposit`` calls with distinct amounts sent from anvil's unlocked accounts, so the
delivered amounts must be exactly ``1..N`` in order.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from faults.node import RestartableAnvil
from faults.proxy import Fault, FaultProxy, Rule
from faults.stats import STATS
from support.world import network_from_deployment

from ogpu.chain import Network, Session
from ogpu.chain.retry import RetryPolicy
from ogpu.devnet.accounts import dev_account
from ogpu.devnet.deploy import Deployment
from ogpu.devnet.node import rpc_call
from ogpu.events import EventsRpcError, watch_deposited


@pytest.fixture
def node(restartable: tuple[RestartableAnvil, Deployment]) -> tuple[RestartableAnvil, Deployment]:
    return restartable


def _network(url: str, d: Deployment) -> Network:
    return network_from_deployment(d, url, dev_keys=False, name="restartable")


def _deposit(n: RestartableAnvil, d: Deployment, session: Session, amount: int) -> None:
    sender = dev_account("client2").address
    data = session.contract("Vault").encode_abi("deposit", [sender])
    tx = {"from": sender, "to": d.vault, "data": data, "value": hex(amount)}
    tx_hash = rpc_call(n.url, "eth_sendTransaction", [tx], timeout=10)
    for _ in range(500):
        if rpc_call(n.url, "eth_getTransactionReceipt", [tx_hash]) is not None:
            return
        time.sleep(0.01)
    raise AssertionError(f"{tx_hash} not mined")


def _head(n: RestartableAnvil) -> int:
    return int(rpc_call(n.url, "eth_blockNumber"), 16)


RESTART_PROOF = RetryPolicy(max_attempts=30, base_delay=0.05, max_delay=0.5)


def test_watcher_survives_restarts_and_drops(node: tuple[RestartableAnvil, Deployment]) -> None:
    n, d = node
    total, restarts = 40, 3
    session = Session(_network(n.url, d))
    start = _head(n) + 1
    with FaultProxy(n.url, seed=3, restart_hook=n.restart, keep_bodies=False) as proxy:
        proxy.random_faults(
            0.2, [Fault.DROP_REPLY, Fault.DROP_REQUEST, Fault.HTTP_503, Fault.CLOSE_MID_BODY]
        )
        proxy.add_rule(Rule(Fault.MALFORMED, method="eth_getLogs", probability=0.05))
        # and a fixed few, so the run meets faults however few requests the timing leaves
        faults = (Fault.DROP_REPLY, Fault.HTTP_503) * 3
        for nth, fault in zip((3, 7, 11, 15, 19), faults[:5], strict=True):
            proxy.add_rule(Rule(fault, nth=nth))

        def produce() -> None:
            for i in range(1, total + 1):
                _deposit(n, d, session, i)
                time.sleep(0.04)  # let the watcher poll (and meet faults) between events
                if i % (total // (restarts + 1)) == 0 and i < total:
                    proxy.restart()

        async def main() -> list[int]:
            got: list[int] = []
            w = watch_deposited(
                session=session, rpc_url=proxy.url, from_block=start, retry=RESTART_PROOF
            )
            producer = asyncio.create_task(asyncio.to_thread(produce))
            try:

                async def collect() -> None:
                    async for ev in w:
                        got.append(ev.amount)
                        if len(got) >= total:
                            return

                await asyncio.wait_for(collect(), 60)
                await producer
                # nothing more (no duplicates trailing behind)
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(w.__anext__(), 0.5)
            finally:
                await w.aclose()
            return got

        got = asyncio.run(main())
        fired = proxy.total_injected()
        seen = len(proxy.log)
    session.close()
    assert n.restarts >= restarts
    assert got == list(range(1, total + 1))
    # the fixed faults fired (random ones on top), and most requests got through
    assert fired >= 5 and seen > 2 * fired, (fired, seen)
    STATS.add(events_checked=total)


def test_watcher_killed_by_a_long_outage_resumes_from_its_cursor(
    node: tuple[RestartableAnvil, Deployment],
) -> None:
    """A default watcher gives up after its retry budget (about a second) with a typed error —
    no hang, nothing swallowed; a new watcher from its cursor continues without loss or repeat."""
    n, d = node
    total = 20
    session = Session(_network(n.url, d))
    start = _head(n) + 1
    with FaultProxy(n.url, seed=4, restart_hook=n.restart) as proxy:

        async def main() -> tuple[list[int], list[int], BaseException | None]:
            first: list[int] = []
            w1 = watch_deposited(session=session, rpc_url=proxy.url, from_block=start)
            error: BaseException | None = None
            for i in range(1, total // 2 + 1):
                await asyncio.to_thread(_deposit, n, d, session, i)
            try:
                async for ev in w1:
                    first.append(ev.amount)
                    if len(first) == total // 2:
                        proxy.down = True  # the node is unreachable from here on
            except EventsRpcError as err:
                error = err
            finally:
                cursor = w1.cursor
                await w1.aclose()
            proxy.down = False
            n.down_for = 0.5
            await asyncio.to_thread(n.restart)
            for i in range(total // 2 + 1, total + 1):
                await asyncio.to_thread(_deposit, n, d, session, i)
            second: list[int] = []
            w2 = watch_deposited(session=session, rpc_url=proxy.url, cursor=cursor)
            try:
                async for ev in w2:
                    second.append(ev.amount)
                    if len(second) == total - len(first):
                        break
                with pytest.raises(asyncio.TimeoutError):
                    await asyncio.wait_for(w2.__anext__(), 0.5)
            finally:
                await w2.aclose()
            return first, second, error

        first, second, error = asyncio.run(asyncio.wait_for(main(), 60))
    n.down_for = 0.0
    session.close()
    assert isinstance(error, EventsRpcError) and error.transient
    assert first + second == list(range(1, total + 1))
    STATS.add(events_checked=total)


def test_past_queries_through_restart(node: tuple[RestartableAnvil, Deployment]) -> None:
    """History survives the restart: the same range gives the same events before and after."""
    from ogpu.events import get_past_deposited

    n, d = node
    session = Session(_network(n.url, d))
    start = _head(n) + 1
    for i in range(1, 6):
        _deposit(n, d, session, 1000 + i)
    before = asyncio.run(get_past_deposited(session=session, from_block=start))
    n.restart()
    after = asyncio.run(get_past_deposited(session=session, from_block=start))
    session.close()
    assert [e.amount for e in before] == [1001, 1002, 1003, 1004, 1005]
    assert [(e.block_number, e.log_index, e.amount) for e in after] == [
        (e.block_number, e.log_index, e.amount) for e in before
    ]
