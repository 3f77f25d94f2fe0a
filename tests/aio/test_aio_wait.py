"""Waiting for a transaction on the async driver: like the synchronous executor, a transaction the
node dropped before mining it (a restarted node loses its pool) is sent again, the same bytes,
exactly once; and a wait cancelled as its receipt arrives ends cancelled."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
import pytest

from ogpu import aio
from ogpu.chain import Network, Session
from ogpu.protocol import vault
from ogpu.types import Receipt


def test_transaction_dropped_by_a_restarted_node_is_sent_again(
    client_net: Network,
    anvil: Any,
    cs: Session,
    loop: asyncio.AbstractEventLoop,
    client_key: str,
    client_addr: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The deposit is acknowledged (its hash returned) by a node that does not mine, then the
    node forgets its pool and mines again: ``await pending.wait()`` finds the node no longer
    knows the transaction and sends its signed bytes again; it is mined once, under its hash."""
    before = vault.get_balance_of(client_addr, session=cs)
    # plain sends: the hash comes back at once (a synchronous send would wait to be mined)
    s = aio.AsyncSession(client_net, send_sync=False)

    async def main() -> tuple[aio.AsyncPendingTx, Receipt]:
        fn = s.contract("Vault").functions.deposit(client_addr)
        anvil.rpc("evm_setAutomine", [False])
        try:
            pending = await s.transact(fn, client_key, value=10**15, wait=False)
            assert isinstance(pending, aio.AsyncPendingTx)
            deadline = time.monotonic() + 30
            while int(anvil.rpc("txpool_status")["pending"], 16) == 0:
                assert time.monotonic() < deadline, "the deposit never reached the pool"
                await asyncio.sleep(0.02)
            anvil.rpc("anvil_dropAllTransactions")
        finally:
            anvil.rpc("evm_setAutomine", [True])
        with caplog.at_level(logging.WARNING, logger="ogpu.tx"):
            receipt = await pending.wait(timeout=20)
        return pending, receipt

    try:
        pending, receipt = loop.run_until_complete(main())
    finally:
        anvil.rpc("evm_setAutomine", [True])
        loop.run_until_complete(s.aclose())
    assert receipt.ok and receipt.tx_hash == pending.tx_hash
    assert "dropped by the node before being mined; re-broadcast" in caplog.text
    assert vault.get_balance_of(client_addr, session=cs) - before == 10**15


class _HeldReceipts(httpx.AsyncBaseTransport):
    """Forwards to the node; the reply to a receipt poll is read in full and handed back only
    when the test sets the event queued in ``held`` (so no network I/O follows the release)."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.held: asyncio.Queue[asyncio.Event] = asyncio.Queue()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        polls_receipts = b"eth_getTransactionReceipt" in await request.aread()
        reply = await self.inner.handle_async_request(request)
        if not polls_receipts:
            return reply
        content = await reply.aread()
        go = asyncio.Event()
        self.held.put_nowait(go)
        await go.wait()
        return httpx.Response(reply.status_code, headers=reply.headers, content=content)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_wait_cancelled_as_its_receipt_arrives_ends_cancelled(
    client_net: Network,
    cs: Session,
    loop: asyncio.AbstractEventLoop,
    client_key: str,
    client_addr: str,
) -> None:
    """Cancel ``await pending.wait()`` 0..15 loop steps after the receipt poll's reply is
    released: unless it had already returned, it must end cancelled, never return the receipt
    with the cancellation lost."""
    transport = _HeldReceipts()
    s = aio.AsyncSession(client_net, send_sync=False, transport=transport)

    async def main() -> list[int]:
        fn = s.contract("Vault").functions.deposit(client_addr)
        lost = []
        for steps in range(16):
            pending = await s.transact(fn, client_key, value=1, wait=False)
            assert isinstance(pending, aio.AsyncPendingTx)
            while cs.rpc("eth_getTransactionReceipt", [pending.tx_hash]) is None:
                await asyncio.sleep(0.01)
            waiting = asyncio.create_task(pending.wait(10))
            (await asyncio.wait_for(transport.held.get(), 10)).set()
            for _ in range(steps):
                await asyncio.sleep(0)
            if waiting.done():
                assert (await waiting).ok
                continue
            waiting.cancel()
            try:
                await waiting
            except asyncio.CancelledError:
                continue
            lost.append(steps)
        return lost

    try:
        lost = loop.run_until_complete(main())
    finally:
        loop.run_until_complete(s.aclose())
    assert lost == [], f"cancellation lost {len(lost)} of 16 times (steps {lost})"
