"""Benchmark ``ogpu.client.publish_task``: latency, and throughput of N publishes from one key sent
concurrently versus the same N publishes done one at a time, in one run on a fresh devnet
(AnvilNode + deploy_protocol + the devnet IPFS store, run as its own process).

Every publish runs the full workflow: batched chain pre-checks, simulation, upload of
``taskConfig.json`` to the local store, signing, broadcast, receipt.

Modes (same key, same source, distinct configs):

* ``sequential``: ``publish_task(...)`` (waits for its receipt) N times — also gives the per-call
  latency (median, p95);
* ``pipelined``: ``publish_task(..., wait=False)`` N times, then ``wait_all``;
* ``threads``: N ``publish_task(...)`` calls (each waits) on a thread pool.

Mining: with anvil's default automine every transaction is mined the instant it arrives, so the
"one at a time" baseline never waits for a block and throughput is bounded only by client-side CPU
and round trips. That is not what a client sees on a real chain, so the default here is interval
mining (``--block-time 1``, like a production chain producing a block per second); pass
``--block-time 0`` for automine. The mode is printed with the numbers.

Run: ``.venv/bin/python bench/publish.py [--count 200] [--block-time 1] [--threads 32]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ogpu.chain import ContractAddresses, Network, Session
from ogpu.client import (
    ImageEnvironments,
    SourceInfo,
    Task,
    TaskInfo,
    TaskInput,
    publish_source,
    publish_task,
    wait_all,
)
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.deploy import deploy_protocol
from ogpu.devnet.node import AnvilNode
from ogpu.protocol import vault

ETH = 10**18
PAYMENT = 10**15


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def _info(source: str, expiry: int, tag: str, i: int) -> TaskInfo:
    return TaskInfo(
        source=source,
        config=TaskInput("bench", {"mode": tag, "i": i}),
        expiryTime=expiry,
        payment=PAYMENT,
    )


class _StoreProcess:
    """The devnet IPFS store in its own process (like a real pinning service: no GIL sharing)."""

    def __init__(self, data_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ogpu.devnet.ipfs_store",
                "--data-dir",
                str(data_dir),
                "--port",
                "0",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("OGPU_IPFS_STORE_URL="):
            self.stop()
            raise RuntimeError(f"IPFS store did not start: {line!r}")
        self.url = line.split("=", 1)[1]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run(count: int, block_time: float | None, threads: int, data_dir: Path) -> dict[str, Any]:
    """Start a fresh devnet, publish ``count`` tasks in each mode and return the measurements."""
    node = AnvilNode.start(block_time=block_time, log_path=data_dir / "anvil.log")
    store = _StoreProcess(data_dir / "ipfs")
    try:
        from web3 import HTTPProvider, Web3

        w3 = Web3(HTTPProvider(node.url))
        d = deploy_protocol(w3, dev_account("admin").account, judge=dev_account("judge").address)
        network = Network(
            name="bench",
            chain_id=d.chain_id,
            rpc_url=node.url,
            addresses=ContractAddresses(
                nexus=d.nexus,
                controller=d.controller,
                terminal=d.terminal,
                vault=d.vault,
                manager=d.manager,
            ),
            pinning_url=f"{store.url}/file/create",
            gateway_url=store.url,
        )
        session = Session(network)
        key = dev_key("client")
        client = dev_account("client").address
        vault.deposit(client, 100 * ETH, signer=key, session=session)
        source = publish_source(
            SourceInfo(
                name="bench",
                description="publish benchmark",
                logoUrl="",
                imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
                minPayment=PAYMENT,
                minAvailableLockup=0,
                maxExpiryDuration=7 * 24 * 3600,
            ),
            key,
            session=session,
        ).address
        expiry = session.timestamp("latest") + 24 * 3600
        results: dict[str, Any] = {
            "count": count,
            "mining": "automine" if block_time is None else f"interval {block_time}s",
        }

        # -- one at a time (each waits for its receipt): latency and baseline throughput
        latencies: list[float] = []
        t0 = time.perf_counter()
        seq: list[Task] = []
        for i in range(count):
            s = time.perf_counter()
            seq.append(publish_task(_info(source, expiry, "seq", i), key, session=session))
            latencies.append(time.perf_counter() - s)
        seq_elapsed = time.perf_counter() - t0
        results["sequential"] = {
            "elapsed_s": round(seq_elapsed, 3),
            "tasks_per_s": round(count / seq_elapsed, 2),
            "latency_median_ms": round(statistics.median(latencies) * 1000, 1),
            "latency_p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        }

        # -- pipelined: broadcast all (wait=False), then wait for all receipts
        t0 = time.perf_counter()
        submit: list[float] = []
        pending = []
        for i in range(count):
            s = time.perf_counter()
            pending.append(
                publish_task(_info(source, expiry, "pipe", i), key, session=session, wait=False)
            )
            submit.append(time.perf_counter() - s)
        tasks = wait_all(pending, timeout=300)
        pipe_elapsed = time.perf_counter() - t0
        results["pipelined"] = {
            "elapsed_s": round(pipe_elapsed, 3),
            "tasks_per_s": round(count / pipe_elapsed, 2),
            "submit_median_ms": round(statistics.median(submit) * 1000, 1),
            "submit_p95_ms": round(_percentile(submit, 0.95) * 1000, 1),
            "speedup_vs_sequential": round(seq_elapsed / pipe_elapsed, 1),
        }

        # -- threads: each call waits for its own receipt
        t0 = time.perf_counter()
        thread_latencies: list[float] = []

        def one(i: int) -> Task:
            s = time.perf_counter()
            task = publish_task(_info(source, expiry, "thr", i), key, session=session)
            thread_latencies.append(time.perf_counter() - s)
            return task

        with ThreadPoolExecutor(max_workers=threads) as pool:
            threaded = list(pool.map(one, range(count)))
        thr_elapsed = time.perf_counter() - t0
        results["threads"] = {
            "workers": threads,
            "elapsed_s": round(thr_elapsed, 3),
            "tasks_per_s": round(count / thr_elapsed, 2),
            "latency_median_ms": round(statistics.median(thread_latencies) * 1000, 1),
            "latency_p95_ms": round(_percentile(thread_latencies, 0.95) * 1000, 1),
            "speedup_vs_sequential": round(seq_elapsed / thr_elapsed, 1),
        }

        # -- every publish landed, on distinct tasks, with the escrow taken
        all_tasks = {t.address for t in (*seq, *tasks, *threaded)}
        assert len(all_tasks) == 3 * count, "duplicate or missing tasks"
        from ogpu.protocol import Source

        assert Source(source, session).get_task_count() == 3 * count
        assert vault.get_balance_of(client, session=session) == 100 * ETH - 3 * count * PAYMENT
        results["verified_tasks"] = len(all_tasks)
        session.close()
        return results
    finally:
        store.stop()
        node.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument(
        "--block-time", type=float, default=1.0, help="interval mining in seconds (0: automine)"
    )
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="small sizes, automine (smoke test)")
    args = parser.parse_args(argv)
    if args.quick:
        args.count, args.block_time, args.threads = 5, 0, 4
    block_time = args.block_time if args.block_time > 0 else None
    with tempfile.TemporaryDirectory(prefix="ogpu-bench-") as tmp:
        results = run(args.count, block_time, args.threads, Path(tmp))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
