"""The async driver waits like the synchronous executor: a transaction the node dropped before
mining it (a restarted node loses its pool) is sent again, the same bytes, exactly once."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import pytest

from ogpu import aio
from ogpu.chain import Network, Session
from ogpu.protocol import vault
from ogpu.types import Receipt


def test_transaction_dropped_by_a_restarted_node_is_sent_again(
    net: Network,
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
    s = aio.AsyncSession(net, send_sync=False)

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
