"""Benchmark the whole task lifecycle through the provider runtime, on a fresh local network
(AnvilNode with automine + deploy_protocol + an in-process devnet IPFS store).

Measured, with 1 and with 4 handler slots (one provider, a FIRST_RESPONSE source):

* latency: from ``publish_task`` returning (task mined) to the response being visible to the
  client (``Task.getStatus() == FINALIZED``, polled every 5 ms), one task at a time with the light
  ``hash`` handler — median and p95;
* throughput: ``--count`` tasks published back to back (pipelined), each running the ``echo``
  handler with ``sleep_seconds = --work`` (simulated handler work), until all are finalized —
  tasks completed per second.

Run: ``.venv/bin/python bench/lifecycle.py [--latency-count 30] [--count 40] [--work 0.2]``
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ogpu.chain import ContractAddresses, Network, Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.deploy import deploy_protocol
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.devnet.node import AnvilNode
from ogpu.protocol import Task, controller, nexus, terminal, vault
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding
from ogpu.types import DeliveryMethod, SourceParams, TaskParams, TaskStatus

PAYMENT = 10**15


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _task_params(s: Session, source: str, fn: str, data: dict[str, Any]) -> TaskParams:
    url = s.ipfs.publish({"function_name": fn, "data": data}, "taskConfig.json")
    return TaskParams(source=source, config=url, expiryTime=s.timestamp() + 3600, payment=PAYMENT)


def _wait_finalized(task: Task, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while task.get_status() is not TaskStatus.FINALIZED:
        if time.monotonic() > deadline:
            raise TimeoutError(f"task {task.address} not answered in {timeout} s")
        time.sleep(0.005)


def run(latency_count: int, count: int, work: float) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="ogpu-bench-lifecycle-"))
    node = AnvilNode.start(log_path=tmp / "anvil.log")
    store = IPFSStore(tmp / "ipfs", port=0)
    store.start()
    results: dict[str, Any] = {"mining": "automine", "work_s": work}
    try:
        from web3 import HTTPProvider, Web3

        w3 = Web3(HTTPProvider(node.url))
        dep = deploy_protocol(
            w3,
            dev_account("admin").account,
            judge=dev_account("judge").address,
            default_agent=dev_account("agent").address,
        )
        net = Network(
            name="bench",
            chain_id=dep.chain_id,
            rpc_url=node.url,
            addresses=ContractAddresses(
                nexus=dep.nexus,
                controller=dep.controller,
                terminal=dep.terminal,
                vault=dep.vault,
                manager=dep.manager,
            ),
            pinning_url=f"{store.url}/file/create",
            gateway_url=store.url,
        )
        client = Session(net)
        provider, master = dev_account("provider").address, dev_account("master").address
        terminal.announce_master(master, signer=dev_key("provider"), session=client)
        terminal.announce_provider(provider, 0, signer=dev_key("master"), session=client)
        vault.deposit(
            dev_account("client").address, 10**20, signer=dev_key("client"), session=client
        )
        receipt = nexus.publish_source(
            SourceParams(
                client=dev_account("client").address,
                imageMetadataUrl="https://bench.test/meta.json",
                imageEnvironments=1,
                minPayment=PAYMENT,
                minAvailableLockup=0,
                maxExpiryDuration=86_400,
                deliveryMethod=int(DeliveryMethod.FIRST_RESPONSE),
            ),
            signer=dev_key("client"),
            session=client,
        )
        source = nexus.extract_source_address(receipt, session=client)
        for slots in (1, 4):
            rs = Session(net)
            rt = ProviderRuntime(
                ProviderConfig(
                    provider=dev_key("provider"),
                    master=master,
                    sources=[SourceBinding(source, "ogpu.devnet.demo_handlers")],
                    slots=slots,
                    state_dir=tmp / f"state-{slots}",
                    live_data_interval=0,
                ),
                session=rs,
            )
            rt.start()
            try:
                lat: list[float] = []
                for i in range(latency_count):
                    params = _task_params(client, source, "hash", {"text": f"lat {slots} {i}"})
                    r = controller.publish_task(params, signer=dev_key("client"), session=client)
                    t0 = time.perf_counter()
                    task = Task(controller.extract_task_address(r, session=client), client)
                    _wait_finalized(task)
                    lat.append(time.perf_counter() - t0)
                all_params = [
                    _task_params(
                        client, source, "echo", {"payload": [slots, i], "sleep_seconds": work}
                    )
                    for i in range(count)
                ]
                t0 = time.perf_counter()
                pending = [
                    controller.publish_task(p, signer=dev_key("client"), session=client, wait=False)
                    for p in all_params
                ]
                receipts = client.wait_all(pending)
                tasks = [
                    Task(controller.extract_task_address(r, session=client), client)
                    for r in receipts
                ]
                for task in tasks:
                    _wait_finalized(task, timeout=120)
                elapsed = time.perf_counter() - t0
            finally:
                rt.stop()
                rs.close()
            results[f"slots_{slots}"] = {
                "latency_median_ms": round(statistics.median(lat) * 1000, 1),
                "latency_p95_ms": round(_percentile(lat, 0.95) * 1000, 1),
                "latency_samples": len(lat),
                "throughput_tasks_per_s": round(count / elapsed, 2),
                "throughput_tasks": count,
                "throughput_elapsed_s": round(elapsed, 2),
            }
        client.close()
    finally:
        store.stop()
        node.stop()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--latency-count", type=int, default=30)
    ap.add_argument("--count", type=int, default=40)
    ap.add_argument("--work", type=float, default=0.2, help="seconds of handler work per task")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    args = ap.parse_args()
    if args.quick:
        args.latency_count, args.count, args.work = 2, 3, 0.0
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(args.latency_count, args.count, args.work), indent=2))


if __name__ == "__main__":
    main()
