"""The plugin's per-test isolation: state reverted and the transaction pool emptied.

The two tests run in this order on one worker (one file per worker): the first leaves a
transaction queued behind a nonce gap, the second must not find it.
"""

from __future__ import annotations

from typing import Any

from ogpu.devnet.node import rpc_call


def test_leaves_a_queued_transaction_behind(anvil: Any) -> None:
    sender = rpc_call(anvil.url, "eth_accounts")[0]
    nonce = int(rpc_call(anvil.url, "eth_getTransactionCount", [sender, "pending"]), 16)
    gap = {"from": sender, "to": sender, "value": "0x1", "nonce": hex(nonce + 5)}
    rpc_call(anvil.url, "eth_sendTransaction", [gap])
    assert int(rpc_call(anvil.url, "txpool_status")["queued"], 16) >= 1


def test_the_next_test_finds_an_empty_pool(anvil: Any) -> None:
    assert rpc_call(anvil.url, "txpool_status") == {"pending": "0x0", "queued": "0x0"}
