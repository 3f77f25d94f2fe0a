"""The provider runtime keeps serving through node restarts and dropped connections: every task
published while the node restarts under it is answered exactly once (FIRST_RESPONSE: one attempt,
one response, task FINALIZED, paid once).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from faults.proxy import Fault, FaultProxy
from faults.stats import STATS
from support.reliability import client_network

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import Task, controller, nexus, terminal, vault
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding
from ogpu.types import DeliveryMethod, SourceParams, TaskParams, TaskStatus

P1 = dev_account("provider").address
MASTER = dev_account("master").address


def test_provider_runtime_survives_restarts(restartable: Any, store: Any, tmp_path: Path) -> None:
    node, d = restartable
    total, restarts = 8, 2
    direct = Session(client_network(d, node.url, store.url))
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
    source = nexus.extract_source_address(
        nexus.publish_source(params, signer=key, session=direct), session=direct
    )
    master_before = vault.get_balance_of(MASTER, session=direct)
    with FaultProxy(node.url, seed=5, restart_hook=node.restart, keep_bodies=False) as proxy:
        proxy.random_faults(0.05, [Fault.DROP_REPLY, Fault.HTTP_503, Fault.DROP_REQUEST])
        rs = Session(client_network(d, proxy.url, store.url))
        rt = ProviderRuntime(
            ProviderConfig(
                provider=dev_key("provider"),
                master=MASTER,
                sources=[SourceBinding(source, "ogpu.devnet.demo_handlers")],
                state_dir=tmp_path / "state",
                live_data_interval=0,
                retry_backoff=0.05,
                drain_timeout=10.0,
            ),
            session=rs,
        )
        rt.start()
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
