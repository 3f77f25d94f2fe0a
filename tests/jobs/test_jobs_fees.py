"""A publish stuck behind a base-fee spike is replaced with the same nonce and bumped fees (both
the cap and the tip up >= 10 %, capped by the job's maximum), and the journal follows the one that
was mined. On an anvil of its own: the test switches automine off and mines by hand."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.world import World, deploy_dev, network_from_deployment

from ogpu.chain.networks import Network
from ogpu.chain.session import Session
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.devnet.node import AnvilNode
from ogpu.jobs import run_job
from ogpu.types import DeliveryMethod

ETH = 10**18


@pytest.fixture
def own_net(tmp_path: Path, ipfs_store: IPFSStore) -> Iterator[Network]:
    node = AnvilNode.start(log_path=tmp_path / "anvil.log")
    try:
        yield network_from_deployment(deploy_dev(node.url), node.url, store_url=ipfs_store.url)
    finally:
        node.stop()


def test_a_stuck_publish_is_replaced_and_the_mined_one_followed(own_net, journal, serve) -> None:
    s = Session(own_net)
    world = World(s)
    world.pair("provider", "master")
    world.pair("provider2", "master2")
    world.fund("client", 10 * ETH)
    source = world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    serve(source, net=own_net)

    s.rpc("anvil_setAutomine", [False])
    stop = threading.Event()
    spiked: list[int] = []

    def mine() -> None:
        # once the publish is signed (its fees quoted from the head), every block's base fee
        # jumps above the fee cap it was signed with: it cannot be mined until it is replaced
        while not stop.wait(0.3):
            signed = [t for a in journal.job_attempts(job_id) for t in journal.txs(a.id)]
            if not signed:
                continue
            if not spiked:
                spiked.append(int(signed[0].fields["maxFeePerGas"]) * 21 // 20 + 1)
            s.rpc("anvil_setNextBlockBaseFeePerGas", [hex(spiked[0])])
            s.rpc("evm_mine", [])

    job_id = "fees"
    cap = 10**12  # 1000 gwei: far above the devnet's fees, so it never blocks a replacement
    miner = threading.Thread(target=mine, daemon=True)
    miner.start()
    try:
        job = run_job(
            source,
            "echo",
            [{"payload": "fees"}],
            payment=10**16,
            stuck_after=1.0,
            max_fee_per_gas=cap,
            journal=journal,
            session=s,
            job_id=job_id,
        )
        key = f"{job.id}/0"
        deadline = time.monotonic() + 30
        while not (journal.attempts(key) and journal.attempts(key)[0].task):
            assert time.monotonic() < deadline, journal.attempts(key)
            time.sleep(0.1)
    finally:
        stop.set()
        miner.join()
        s.rpc("anvil_setAutomine", [True])
    assert [r["payload"] for r in job.results(timeout=30)] == ["fees"]

    (att,) = journal.attempts(key)
    txs = journal.txs(att.id)
    assert len(txs) >= 2 and len({t.nonce for t in txs}) == 1
    assert [t.mined for t in txs].count(True) == 1 and not txs[0].mined
    for old, new in itertools.pairwise(txs):
        for field in ("maxFeePerGas", "maxPriorityFeePerGas"):
            assert new.fields[field] * 10 >= old.fields[field] * 11
        assert new.fields["maxFeePerGas"] <= cap
    assert int(txs[0].fields["maxFeePerGas"]) < spiked[0]
    mined = next(t for t in txs if t.mined)
    assert s.rpc("eth_getTransactionReceipt", [mined.hash])["status"] == "0x1"
    assert s.rpc("eth_getTransactionReceipt", [txs[0].hash]) is None
    assert source.get_task_count() == 1
    s.close()
