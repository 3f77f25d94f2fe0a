"""Many concurrent coroutine publishes from one key, exactly once, directly and through the fault
proxy (replies dropped after the node took the transaction, HTTP 502s); cancellation at each
stage. The 1,000-publish runs are ``soak``-marked (``OGPU_SOAK_SIZE``, default 1,000)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from faults.proxy import Fault, FaultProxy, Rule
from support.reliability import soak_size
from support.world import ETH, network_from_deployment, source_info

from ogpu import aio
from ogpu.chain import Session
from ogpu.client import TaskInfo, TaskInput, publish_source
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import Source, Task, vault
from ogpu.types import OGPUError, Receipt

PAYMENT = 10**15
SMALL = 50


def soak() -> int:
    return soak_size() if os.environ.get("OGPU_SOAK_SIZE") else 1000


@dataclass
class Outcome:
    index: int
    task: str | None = None
    error: OGPUError | None = None


def _setup(cs: Session, n: int) -> tuple[Source, int]:
    key, client = dev_key("client"), dev_account("client").address
    vault.deposit(client, n * PAYMENT + ETH, signer=key, session=cs)
    source = publish_source(source_info(maxExpiryDuration=86_400), key, session=cs)
    return source, cs.timestamp("latest") + 3600


def _publish_all(
    acs: aio.AsyncSession, loop: asyncio.AbstractEventLoop, source: Source, expiry: int, n: int
) -> list[Outcome]:
    key = dev_key("client")

    async def one(i: int) -> Outcome:
        info = TaskInfo(
            source=source.address,
            config=TaskInput("count", {"i": i}),
            expiryTime=expiry,
            payment=PAYMENT,
        )
        try:
            task = await aio.publish_task(info, key, session=acs, timeout=120)
        except OGPUError as err:
            return Outcome(i, error=err)
        return Outcome(i, task=task.address)

    async def main() -> list[Outcome]:
        return list(await asyncio.gather(*(one(i) for i in range(n))))

    return loop.run_until_complete(main())


def _on_chain(cs: Session, source: Source) -> dict[int, list[str]]:
    """Tasks of ``source`` by the ``i`` of their config document."""
    by_index: dict[int, list[str]] = {}
    for task in source.get_tasks():
        doc = cs.ipfs.fetch_json(Task(task.address, cs).get_params().config)
        by_index.setdefault(int(doc["data"]["i"]), []).append(task.address)
    return by_index


def _check(cs: Session, outcomes: list[Outcome], by_index: dict[int, list[str]]) -> int:
    """Exactly once: each success is the one task of its index; a failure left no task unless it
    names the hash that mined it. Returns the number of ambiguous failures."""
    assert sum(len(v) - 1 for v in by_index.values()) == 0, "duplicates on chain"
    ambiguous = 0
    for o in outcomes:
        landed = by_index.get(o.index)
        if o.task is not None:
            assert landed == [o.task], (o, landed)
        elif landed:
            assert o.error is not None and o.error.tx_hash is not None, (o, landed)
            raw = cs.rpc("eth_getTransactionReceipt", [o.error.tx_hash])
            assert raw is not None and raw["status"] == "0x1", o
            ambiguous += 1
    return ambiguous


@contextlib.contextmanager
def _blocks_keep_coming(cs: Session) -> Iterator[None]:
    """Mine whatever the node holds every 0.2 s while the burst runs, as a live chain (and the
    devnet's mixed mining) would: anvil's automine alone makes a block only when a transaction
    arrives and caps it at the block gas limit, so the tail of a burst would wait forever."""
    stop = threading.Event()

    def mine() -> None:
        while not stop.wait(0.2):
            with contextlib.suppress(Exception):
                if int(cs.rpc("txpool_status", [])["pending"], 16):
                    cs.rpc("evm_mine", [])

    thread = threading.Thread(target=mine, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _queued(cs: Session, address: str) -> list[int]:
    """Nonces of ``address``'s transactions the node holds behind a gap. The pool is the node's,
    shared by every test on it (a queued transaction survives ``evm_revert``): only the signer's
    own entries say anything about this test."""
    queued = cs.rpc("txpool_content", [])["queued"]
    mine = {k: v for k, v in queued.items() if k.lower() == address.lower()}
    return sorted(int(n) for txs in mine.values() for n in txs)


def _foreign_queued_tx(cs: Session) -> str:
    """Leave a transaction of another account queued behind a gap (as an earlier test on the
    same node may have): the checks must not mistake it for one of the signer's. Returns its
    sender, whose pool entries :func:`run_faulty` removes at the end."""
    other = dev_account("stranger")
    cs.rpc("anvil_removePoolTransactions", [other.address])  # a run cut short may have left one
    count = int(cs.rpc("eth_getTransactionCount", [other.address, "pending"]), 16)
    fee = 10 * int(cs.rpc("eth_gasPrice", []), 16)
    tx = {
        "to": other.address,
        "value": 1,
        "gas": 21_000,
        "gasPrice": fee,
        "chainId": cs.network.chain_id,
    }
    signed = other.account.sign_transaction({**tx, "nonce": count + 5})
    cs.rpc("eth_sendRawTransaction", ["0x" + bytes(signed.raw_transaction).hex()])
    assert _queued(cs, other.address) == [count + 5]  # the check below sees a gap when one exists
    return other.address


def _drain(cs: Session) -> None:
    """Mine what the node still holds. Anvil's automine makes a block only when a transaction
    arrives, and caps it at the block gas limit (~79 publishTask), so after a burst whose sync
    sends timed out the rest waits for the next arrival; a real chain keeps making blocks."""
    for _ in range(200):
        if int(cs.rpc("txpool_status", [])["pending"], 16) == 0:
            return
        cs.rpc("evm_mine", [])
    raise AssertionError(f"the node still holds transactions: {cs.rpc('txpool_status', [])}")


def run_direct(cs: Session, acs: aio.AsyncSession, loop: Any, n: int) -> None:
    client = dev_account("client").address
    source, expiry = _setup(cs, n)
    before = int(cs.rpc("eth_getTransactionCount", [client, "pending"]), 16)
    with _blocks_keep_coming(cs):
        outcomes = _publish_all(acs, loop, source, expiry, n)
    assert [o.error for o in outcomes if o.error is not None] == []
    assert len({o.task for o in outcomes}) == n
    after = int(cs.rpc("eth_getTransactionCount", [client, "pending"]), 16)
    assert after - before == n, "one transaction per publish, distinct nonces, no gap"
    assert _check(cs, outcomes, _on_chain(cs, source)) == 0


def run_faulty(
    cs: Session, anvil: Any, deployment: Any, ipfs_store: Any, loop: Any, n: int, seed: int
) -> None:
    source, expiry = _setup(cs, n)
    foreign = _foreign_queued_tx(cs)
    with FaultProxy(anvil.url, seed=seed, keep_bodies=False) as proxy:
        # one reply dropped for sure (the random ones depend on the order the requests arrive in)
        proxy.add_rule(Rule(Fault.DROP_REPLY, method="eth_sendRawTransaction", nth=3))
        for method in ("eth_sendRawTransactionSync", "eth_sendRawTransaction"):
            proxy.add_rule(Rule(Fault.DROP_REPLY, method=method, probability=0.10))
        proxy.random_faults(0.05, [Fault.HTTP_502])
        net = network_from_deployment(deployment, proxy.url, store_url=ipfs_store.url)
        acs = aio.AsyncSession(net, request_timeout=10.0)
        try:
            with _blocks_keep_coming(cs):
                outcomes = _publish_all(acs, loop, source, expiry, n)
            drops = proxy.injected[Fault.DROP_REPLY]
            proxy.clear_rules()
            _drain(cs)
            # exactly once, whatever else happened
            by_index = _on_chain(cs, source)
            ambiguous = _check(cs, outcomes, by_index)
            successes = sum(o.task is not None for o in outcomes)
            assert sum(len(v) for v in by_index.values()) == successes + ambiguous
            # no nonce gap stalls the signer: one more write through the quiet proxy is prompt
            client = dev_account("client").address
            assert _queued(cs, client) == [], "the signer's transactions are stuck behind a gap"
            cached = acs.nonces.get_cached_nonce(client)
            chain = int(cs.rpc("eth_getTransactionCount", [client, "pending"]), 16)
            assert cached is None or cached <= chain, f"nonce cache {cached} ahead of chain {chain}"
            fn = acs.function("Vault", "deposit", client)
            receipt = loop.run_until_complete(
                acs.transact(fn, dev_key("client"), value=1, timeout=20)
            )
            assert isinstance(receipt, Receipt) and receipt.ok
        finally:
            loop.run_until_complete(acs.aclose())
            cs.rpc("anvil_removePoolTransactions", [foreign])  # it would outlive evm_revert
    assert drops > 0, "the proxy dropped no reply: the test proved nothing"


def test_concurrent_publishes_exactly_once(cs: Session, acs: aio.AsyncSession, loop: Any) -> None:
    run_direct(cs, acs, loop, SMALL)


def test_concurrent_publishes_through_faults(
    cs: Session, anvil: Any, deployment: Any, ipfs_store: Any, loop: Any
) -> None:
    run_faulty(cs, anvil, deployment, ipfs_store, loop, SMALL, seed=13)


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_concurrent_publishes_exactly_once_soak(
    cs: Session, acs: aio.AsyncSession, loop: Any
) -> None:
    run_direct(cs, acs, loop, soak())


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_concurrent_publishes_through_faults_soak(
    cs: Session, anvil: Any, deployment: Any, ipfs_store: Any, loop: Any
) -> None:
    run_faulty(cs, anvil, deployment, ipfs_store, loop, soak(), seed=31)


# ---------------------------------------------------------------------------------- cancellation


def _cancel_when(
    loop: asyncio.AbstractEventLoop, proxy: FaultProxy, method: str, coro: Any
) -> None:
    """Start ``coro``, cancel it once the proxy has seen a request for ``method``."""

    async def main() -> None:
        job = asyncio.ensure_future(coro)
        for _ in range(400):
            if any(method in e.methods for e in proxy.log):
                break
            await asyncio.sleep(0.01)
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job

    loop.run_until_complete(main())


def test_cancellation_before_and_during_the_send(
    cs: Session, anvil: Any, deployment: Any, ipfs_store: Any, loop: Any
) -> None:
    key, client = dev_key("client"), dev_account("client").address
    source, expiry = _setup(cs, 4)

    def info(i: int) -> TaskInfo:
        return TaskInfo(source.address, TaskInput("count", {"i": i}), expiry, PAYMENT)

    with FaultProxy(anvil.url, keep_bodies=False) as proxy:
        net = network_from_deployment(deployment, proxy.url, store_url=ipfs_store.url)
        acs = aio.AsyncSession(net)
        try:
            # cancelled during the preflight: nothing signed, nothing sent, the nonce is free
            proxy.add_rule(
                Rule(Fault.DELAY, method="eth_estimateGas", delay=0.5, every=True, times=1)
            )
            before = int(cs.rpc("eth_getTransactionCount", [client, "pending"]), 16)
            _cancel_when(
                loop, proxy, "eth_estimateGas", aio.publish_task(info(0), key, session=acs)
            )
            assert int(cs.rpc("eth_getTransactionCount", [client, "pending"]), 16) == before
            assert acs.unconfirmed == {}

            # cancelled while the send is in flight: the hash is kept, the write may land
            proxy.clear_rules()
            proxy.add_rule(
                Rule(
                    Fault.DELAY, method="eth_sendRawTransactionSync", delay=0.5, every=True, times=1
                )
            )
            _cancel_when(
                loop,
                proxy,
                "eth_sendRawTransactionSync",
                aio.publish_task(info(1), key, session=acs),
            )
            [(tx_hash, (sender, nonce, context))] = acs.unconfirmed.items()
            assert sender == client and nonce == before and "publishTask" in context
            loop.run_until_complete(asyncio.sleep(0.8))
            assert cs.rpc("eth_getTransactionReceipt", [tx_hash])["status"] == "0x1"

            # the signer is not stuck: the next publish takes the next nonce
            task = loop.run_until_complete(aio.publish_task(info(2), key, session=acs))
            assert isinstance(task, aio.AsyncTask)
            assert int(cs.rpc("eth_getTransactionCount", [client, "pending"]), 16) == before + 2
        finally:
            loop.run_until_complete(acs.aclose())
