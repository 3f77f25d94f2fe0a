"""The provider runtime keeps serving through node restarts and dropped connections: every task
published while the node restarts under it is answered exactly once (FIRST_RESPONSE: one attempt,
one response, task FINALIZED, paid once).

A restart looks to the runtime like an outage: every request is answered HTTP 502 until the node
is back, which on a busy machine takes longer than the runtime's retries of one step. The outage
tests start such an outage at a chosen point of a task's pipeline (before its attempt, between
its attempt and its response) and check the task is still answered once the node is back.
A restarting node also loses its pool: a transaction it acknowledged is never mined, and the
sender's next one waits on the nonce gap; the waiter sends the same bytes again.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from faults.proxy import Fault, FaultProxy, Rule
from faults.stats import STATS
from support.reliability import client_network

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.ipfs import parse_cid_from_url
from ogpu.protocol import Task, controller, nexus, terminal, vault
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding
from ogpu.rpc import RetryPolicy
from ogpu.types import DeliveryMethod, SourceParams, TaskParams, TaskStatus

P1 = dev_account("provider").address
MASTER = dev_account("master").address


def test_provider_runtime_survives_restarts(restartable: Any, store: Any, tmp_path: Path) -> None:
    node, d = restartable
    # The runtime's debug log stays in the test's directory (pytest keeps it on failure).
    handler = logging.FileHandler(tmp_path / "provider.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(threadName)s %(name)s %(message)s"))
    ogpu_log = logging.getLogger("ogpu")
    ogpu_log.addHandler(handler)
    level = ogpu_log.level
    ogpu_log.setLevel(logging.DEBUG)
    try:
        _survives_restarts(node, d, store, tmp_path)
    finally:
        ogpu_log.removeHandler(handler)
        ogpu_log.setLevel(level)
        handler.close()


def _survives_restarts(node: Any, d: Any, store: Any, tmp_path: Path) -> None:
    total, restarts = 8, 2
    direct = Session(client_network(d, node.url, store.url))
    key = dev_key("client")
    source = _served_source(direct)
    master_before = vault.get_balance_of(MASTER, session=direct)
    with FaultProxy(node.url, seed=5, restart_hook=node.restart, keep_bodies=False) as proxy:
        proxy.random_faults(0.05, [Fault.DROP_REPLY, Fault.HTTP_503, Fault.DROP_REQUEST])
        rs = Session(client_network(d, proxy.url, store.url))
        rt = _runtime(rs, source, tmp_path, drain_timeout=10.0)
        tasks: list[Task] = []
        try:
            for i in range(total):
                url = direct.ipfs.publish(
                    {"function_name": "sentiment", "data": {"text": f"great {i}"}},
                    "taskConfig.json",
                )
                tp = TaskParams(
                    source=source, config=url, expiryTime=direct.timestamp() + 3600, payment=10**15
                )
                rec = controller.publish_task(tp, signer=key, session=direct)
                tasks.append(Task(controller.extract_task_address(rec, session=direct), direct))
                if i % (total // (restarts + 1)) == 1 and node.restarts < restarts:
                    proxy.restart()
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if all(t.get_status() is TaskStatus.FINALIZED for t in tasks):
                    break
                time.sleep(0.1)
            assert rt.running
        finally:
            rt.stop(drain_timeout=5)
            rs.close()
        fired = proxy.total_injected()
    statuses = [t.get_status() for t in tasks]
    assert statuses == [TaskStatus.FINALIZED] * total, statuses
    for t in tasks:
        assert t.get_attempt_count() == 1
        assert t.get_winning_provider() == P1
        assert len(t.get_responses()) == 1
    # paid once per task: the master got exactly total payments
    assert vault.get_balance_of(MASTER, session=direct) - master_before == total * 10**15
    assert node.restarts >= restarts and fired > 0
    STATS.add(events_checked=total)
    direct.close()


@dataclass
class Outage(Rule):
    """Every request is answered HTTP 502 (the proxy's answer while the node is down) for
    ``seconds`` from :meth:`begin` on."""

    fault: Fault = Fault.HTTP_502
    seconds: float = 2.0
    until: float = field(default=0.0, init=False)

    def begin(self) -> None:
        self.until = time.monotonic() + self.seconds

    def decide(self, rng: random.Random) -> bool:
        self.seen += 1
        fire = time.monotonic() < self.until
        self.fired += fire
        return fire


def _served_source(direct: Session) -> str:
    key = dev_key("client")
    terminal.announce_master(MASTER, signer=dev_key("provider"), session=direct)
    terminal.announce_provider(P1, 0, signer=dev_key("master"), session=direct)
    vault.deposit(dev_account("client").address, 10**18, signer=key, session=direct)
    params = SourceParams(
        client=dev_account("client").address,
        imageMetadataUrl="https://meta.test/s.json",
        imageEnvironments=1,
        minPayment=10**15,
        minAvailableLockup=0,
        maxExpiryDuration=86_400,
        deliveryMethod=int(DeliveryMethod.FIRST_RESPONSE),
    )
    return nexus.extract_source_address(
        nexus.publish_source(params, signer=key, session=direct), session=direct
    )


def _publish(direct: Session, source: str, text: str) -> Task:
    """A FIRST_RESPONSE task whose config is named by CID (read through the runtime's gateway)."""
    link = direct.ipfs.publish(
        {"function_name": "sentiment", "data": {"text": text}}, "taskConfig.json"
    )
    tp = TaskParams(
        source=source,
        config=f"ipfs://{parse_cid_from_url(link)}",
        expiryTime=direct.timestamp() + 3600,
        payment=10**15,
    )
    rec = controller.publish_task(tp, signer=dev_key("client"), session=direct)
    return Task(controller.extract_task_address(rec, session=direct), direct)


def _runtime(session: Session, source: str, tmp_path: Path, **config: Any) -> ProviderRuntime:
    """A started runtime serving ``source`` with the demo handlers, state in ``tmp_path``."""
    rt = ProviderRuntime(
        ProviderConfig(
            provider=dev_key("provider"),
            master=MASTER,
            sources=[SourceBinding(source, "ogpu.devnet.demo_handlers")],
            state_dir=tmp_path / "state",
            live_data_interval=0,
            retry_backoff=0.05,
            **config,
        ),
        session=session,
    )
    rt.start()
    return rt


def _answered_once(task: Task) -> None:
    assert task.get_status() is TaskStatus.FINALIZED
    assert task.get_attempt_count() == 1 and task.get_winning_provider() == P1
    assert len(task.get_responses()) == 1


@pytest.mark.parametrize("when", ["before the attempt", "before the response"])
def test_task_is_answered_after_an_outage_longer_than_the_retries(
    when: str,
    direct: Session,
    deployment: Any,
    store: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The node goes down for longer than the runtime's retries of one step (a restart on a busy
    machine) at a fixed point of the pipeline: when the task config is read (the attempt is sent
    into the outage) or when the response is pinned (the attempt has landed; the response is sent
    into the outage). The task is looked at again once the node is back: one attempt, one
    response, paid once."""
    source = _served_source(direct)
    master_before = vault.get_balance_of(MASTER, session=direct)
    outage = Outage(seconds=2.0)
    with (
        FaultProxy(direct.network.rpc_url, restart_hook=outage.begin) as rpc,
        FaultProxy(store.url, restart_hook=outage.begin) as ipfs,
    ):
        # Small read retries: the outage outlasts every retry of a step by far.
        rs = Session(
            client_network(deployment, rpc.url, ipfs.url),
            retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02),
        )
        rt = _runtime(rs, source, tmp_path, retries=1)
        try:
            # The node goes down as the task config is read, or as the response is pinned.
            trigger = "/ipfs/" if when == "before the attempt" else "/file/create"
            ipfs.add_rule(Rule(Fault.RESTART, path=trigger, nth=1))
            rpc.add_rule(outage)
            task = _publish(direct, source, "great")
            with caplog.at_level(logging.INFO, logger="ogpu.provider"):
                deadline = time.monotonic() + 30
                while rt.state is not None and rt.state.outcome(task.address) is None:
                    assert time.monotonic() < deadline, f"task still {task.get_status().name}"
                    time.sleep(0.05)
            assert rt.state is not None
            assert rt.state.outcome(task.address) == "responded", task.get_status()
        finally:
            rt.stop(drain_timeout=5)
            rs.close()
    assert outage.fired > 0 and "looking at it again" in caplog.text
    _answered_once(task)
    assert vault.get_balance_of(MASTER, session=direct) - master_before == 10**15


def test_attempt_dropped_by_a_restarted_node_is_sent_again(
    direct: Session,
    anvil: Any,
    deployment: Any,
    store: Any,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A node restarting loses its pool: the provider's attempt was acknowledged (its hash
    returned) but is never mined, and the provider's next transaction, one nonce later, waits on
    the gap. The waiter finds the node no longer knows its transaction and sends the same bytes
    again: both tasks are answered, each attempted once."""
    source = _served_source(direct)
    master_before = vault.get_balance_of(MASTER, session=direct)
    # The first attempt reaches a node that does not mine; its pool is then dropped.
    with FaultProxy(anvil.url, restart_hook=lambda: anvil.rpc("evm_setAutomine", [False])) as rpc:
        # plain sends: the hash comes back at once (a synchronous send would wait to be mined)
        rs = Session(client_network(deployment, rpc.url, store.url), send_sync=False)
        rt = _runtime(rs, source, tmp_path, retries=1)
        try:
            rpc.add_rule(Rule(Fault.RESTART, method="eth_sendRawTransaction", nth=1))
            with caplog.at_level(logging.WARNING, logger="ogpu.tx"):
                first = _publish(direct, source, "first")
                deadline = time.monotonic() + 30
                while int(anvil.rpc("txpool_status")["pending"], 16) == 0:
                    assert time.monotonic() < deadline, "the attempt never reached the pool"
                    time.sleep(0.02)
                anvil.rpc("anvil_dropAllTransactions")
                anvil.rpc("evm_setAutomine", [True])
                second = _publish(direct, source, "second")
                deadline = time.monotonic() + 30
                while not all(t.get_status() is TaskStatus.FINALIZED for t in (first, second)):
                    statuses = [t.get_status().name for t in (first, second)]
                    assert time.monotonic() < deadline, f"tasks still {statuses}"
                    time.sleep(0.05)
        finally:
            anvil.rpc("evm_setAutomine", [True])
            rt.stop(drain_timeout=5)
            rs.close()
    assert "dropped by the node before being mined; re-broadcast" in caplog.text
    for task in (first, second):
        _answered_once(task)
    assert vault.get_balance_of(MASTER, session=direct) - master_before == 2 * 10**15
