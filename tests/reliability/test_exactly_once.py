"""Exactly once: concurrent ``publish_task`` calls through a faulty RPC proxy.

Every call either returns a Task or raises a typed :class:`~ogpu.types.OGPUError`. The chain then
holds exactly one task per successful call (the one it returned) and none for a failed call —
unless the error says so explicitly: an error carrying ``tx_hash`` is an *ambiguous outcome*
("it may still be mined — look it up by hash"); such a call is accepted only if the task it
created is the one that hash mined. A failed call without a hash whose task landed anyway is a
failure of the SDK. Calls are told apart by their config document (``{"i": i}`` → its own CID).

Faults: 10 % dropped replies on ``eth_sendRawTransaction`` (the node took the transaction, the
client never hears it), 5 % HTTP 502/503 on every request, 10 % random delays (≤ 50 ms), and a
second proxy in front of the IPFS store failing 6 % of config uploads (503 or dropped reply).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from faults.proxy import Fault, FaultProxy, Rule
from faults.stats import STATS
from support.reliability import SMALL_SIZE, client_network, soak_size

from ogpu.chain import Session
from ogpu.client import (
    ImageEnvironments,
    SourceInfo,
    TaskInfo,
    TaskInput,
    publish_source,
    publish_task,
)
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import Source, Task, controller, vault
from ogpu.types import OGPUError

PAYMENT = 10**15
THREADS = 4


@dataclass
class Outcome:
    index: int
    task: str | None = None
    error: OGPUError | None = None


def _source(session: Session) -> Source:
    info = SourceInfo(
        name="exactly-once",
        description="reliability",
        logoUrl="",
        imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
        minPayment=PAYMENT,
        minAvailableLockup=0,
        maxExpiryDuration=86_400,
    )
    return publish_source(info, dev_key("client"), session=session)


def _config_index(task: Task, direct: Session) -> int:
    url = task.get_params().config
    doc = direct.ipfs.fetch_json(url)
    return int(doc["data"]["i"])


def run_exactly_once(
    n: int, seed: int, anvil: Any, deployment: Any, store: Any, direct: Session
) -> None:
    client = dev_account("client").address
    key = dev_key("client")
    source = _source(direct)
    vault.deposit(client, n * PAYMENT + 10**18, signer=key, session=direct)
    expiry = direct.timestamp() + 3600

    with (
        FaultProxy(anvil.url, seed=seed, keep_bodies=False) as proxy,
        FaultProxy(store.url, seed=seed + 1, keep_bodies=False) as ipfs_proxy,
    ):
        sess = Session(client_network(deployment, proxy.url, ipfs_proxy.url), request_timeout=10.0)
        # the upload of each config goes through a flaky pinning service too
        ipfs_proxy.random_faults(0.06, [Fault.HTTP_503, Fault.DROP_REPLY], path="/file/create")
        proxy.add_rule(Rule(Fault.DROP_REPLY, method="eth_sendRawTransaction", probability=0.10))
        proxy.random_faults(0.05, [Fault.HTTP_502, Fault.HTTP_503])
        proxy.random_faults(0.10, [Fault.DELAY], delay=0.0, max_delay=0.05)

        def call(i: int) -> Outcome:
            info = TaskInfo(
                source=source.address,
                config=TaskInput("count", {"i": i}),
                expiryTime=expiry,
                payment=PAYMENT,
            )
            try:
                task = publish_task(info, key, session=sess, timeout=30)
            except OGPUError as err:
                return Outcome(i, error=err)
            return Outcome(i, task=task.address)

        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(pool.map(call, range(n)))
        fired = proxy.total_injected() + ipfs_proxy.total_injected()
        drops = proxy.injected[Fault.DROP_REPLY]

        # no nonce gap stalls the signer: a final write through the (now quiet) proxy is prompt
        proxy.clear_rules()
        receipt = vault.deposit(client, 1, signer=key, session=sess, timeout=10)
        assert receipt.ok
        sess.close()

    latest = int(direct.rpc("eth_getTransactionCount", [client, "latest"]), 16)
    pending = int(direct.rpc("eth_getTransactionCount", [client, "pending"]), 16)
    assert latest == pending, "transactions stuck behind a nonce gap"

    # what the chain holds, attributed to calls by the config document
    tasks = source.get_tasks()
    by_index: dict[int, list[str]] = {}
    for t in tasks:
        by_index.setdefault(_config_index(t, direct), []).append(t.address)
    duplicates = sum(len(v) - 1 for v in by_index.values())

    successes = [o for o in outcomes if o.task is not None]
    failures = [o for o in outcomes if o.error is not None]
    ambiguous = 0
    problems: list[str] = []
    for o in successes:
        if by_index.get(o.index) != [o.task]:
            problems.append(f"call {o.index} returned {o.task}, chain has {by_index.get(o.index)}")
    for o in failures:
        landed = by_index.get(o.index)
        if not landed:
            continue
        tx_hash = o.error.tx_hash if o.error else None
        if tx_hash is None:
            problems.append(
                f"call {o.index} failed without a tx hash but its task landed: {o.error!r}"
            )
            continue
        receipt_raw = direct.rpc("eth_getTransactionReceipt", [tx_hash])
        mined = []
        if receipt_raw is not None:
            from ogpu.types import Receipt

            rec = Receipt.from_web3_receipt(direct.w3.eth.get_transaction_receipt(tx_hash))
            mined = [controller.extract_task_address(rec, session=direct)] if rec.ok else []
        if mined != landed:
            problems.append(f"call {o.index}: error hash {tx_hash} does not explain {landed}")
        ambiguous += 1

    STATS.add(
        calls=n,
        failed_calls=len(failures),
        ambiguous_calls=ambiguous,
        duplicates=duplicates,
    )
    assert duplicates == 0, by_index
    assert not problems, problems
    assert len(tasks) == len(successes) + ambiguous
    assert fired > 0 and drops > 0, "the proxy injected no faults: the test proved nothing"


def test_publish_task_exactly_once(
    anvil: Any, deployment: Any, store: Any, direct: Session
) -> None:
    run_exactly_once(SMALL_SIZE, 9, anvil, deployment, store, direct)


@pytest.mark.soak
def test_publish_task_exactly_once_soak(
    anvil: Any, deployment: Any, store: Any, direct: Session
) -> None:
    run_exactly_once(soak_size(), 90, anvil, deployment, store, direct)


@pytest.mark.parametrize("fault", [Fault.DROP_REPLY, Fault.DROP_REQUEST], ids=lambda f: f.value)
def test_unknowable_outcome_is_reported_with_the_tx_hash(
    anvil: Any, deployment: Any, store: Any, direct: Session, fault: Fault
) -> None:
    """When the SDK cannot learn whether a send landed (every send and every look-up by hash
    fails), it says so: a typed error carrying ``tx_hash``. That hash then tells the truth —
    mined (reply dropped) or unknown to the node (request dropped) — and the signer is not stalled.
    """
    client = dev_account("client").address
    key = dev_key("client")
    source = _source(direct)
    vault.deposit(client, 10**18, signer=key, session=direct)
    with FaultProxy(anvil.url) as proxy:
        sess = Session(client_network(deployment, proxy.url, store.url), request_timeout=5.0)
        proxy.add_rule(Rule(fault, method="eth_sendRawTransaction", every=True))
        proxy.add_rule(Rule(Fault.DROP_REPLY, method="eth_getTransactionByHash", every=True))
        info = TaskInfo(
            source=source.address,
            config=TaskInput("count", {"i": "unknowable"}),
            expiryTime=direct.timestamp() + 600,
            payment=PAYMENT,
        )
        with pytest.raises(OGPUError) as err:
            publish_task(info, key, session=sess, timeout=10)
        tx_hash = err.value.tx_hash
        assert tx_hash is not None, f"ambiguous failure without a tx hash: {err.value!r}"
        assert "look it up by hash" in str(err.value)
        mined = direct.rpc("eth_getTransactionReceipt", [tx_hash])
        if fault is Fault.DROP_REPLY:
            assert mined is not None and source.get_task_count() == 1
        else:
            assert mined is None and source.get_task_count() == 0
        proxy.clear_rules()
        assert vault.deposit(client, 1, signer=key, session=sess, timeout=10).ok  # no stall
        sess.close()
    STATS.add(calls=2, failed_calls=1, ambiguous_calls=1)
