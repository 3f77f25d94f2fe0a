"""Benchmark ``ogpu.aio``: many concurrent coroutine publishes against the best synchronous mode.

Every measurement runs in its own process (so peak memory is that mode's own) on a FRESH devnet
(anvil with automine, the deployed protocol, the devnet IPFS store), after one warm-up publish:

* aio: ``--count`` ``ogpu.aio.publish_task`` coroutines from one key started at once
  (``asyncio.gather``) on one ``AsyncSession``;
* sync: the same publishes with ``ogpu.client.publish_task`` from ``--threads`` threads, and
  pipelined (``wait=False`` then ``wait_all``); the better of the two is "best sync".

Reported per mode: throughput (tasks/s), per-publish latency p50/p95 (from the call to the live
task), peak RSS of the process (``ru_maxrss``) and the growth of traced Python memory during
the run (``tracemalloc`` peak, only with ``--trace-memory``: it slows everything), client CPU
per publish (``process_time``), and an exactly-once check (distinct tasks, the source's task
count on chain). Ratios aio / best sync come from the same run.

Run: ``.venv/bin/python bench/aio_publish.py [--count 1000] [--threads 32] [--quick] [--out f]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    PAYMENT,
    bench_source,
    cpu_count_note,
    emit,
    fresh_devnet,
    summary_ms,
    task_config,
    task_count,
)

HERE = Path(__file__).resolve()


def _info(source: str, expiry: int, tag: str, i: int) -> Any:
    from ogpu.client import TaskInfo, TaskInput

    cfg = task_config(tag, i)
    return TaskInfo(
        source=source,
        config=TaskInput(cfg["function_name"], cfg["data"]),
        expiryTime=expiry,
        payment=PAYMENT,
    )


def measure(mode: str, count: int, threads: int, trace: bool) -> dict[str, Any]:
    """One mode on a fresh devnet, in this process."""
    import asyncio

    from ogpu import aio
    from ogpu.chain import Session
    from ogpu.client import publish_task, wait_all

    with fresh_devnet() as d:
        key = d.key("client")
        source = bench_source(d.network, key)
        head = d.rpc.call("eth_getBlockByNumber", ["latest", False])
        expiry = int(head["timestamp"], 16) + 24 * 3600
        latencies: list[float] = []
        addresses: list[str] = []
        out: dict[str, Any] = {"mode": mode, "count": count}
        if trace:
            tracemalloc.start()

        if mode == "aio":

            async def run() -> tuple[float, float]:
                async with aio.AsyncSession(d.network) as s:
                    await aio.publish_task(_info(source, expiry, "warm", 0), key, session=s)
                    out["chain_length_at_start"] = d.rpc.block_number()
                    if trace:
                        tracemalloc.reset_peak()

                    async def one(i: int) -> str:
                        t0 = time.perf_counter()
                        task = await aio.publish_task(
                            _info(source, expiry, mode, i), key, session=s
                        )
                        latencies.append(time.perf_counter() - t0)
                        return str(task.address)

                    cpu0, t0 = time.process_time(), time.perf_counter()
                    addresses.extend(await asyncio.gather(*(one(i) for i in range(count))))
                    return time.perf_counter() - t0, time.process_time() - cpu0

            elapsed, cpu = asyncio.run(run())
        else:
            from concurrent.futures import ThreadPoolExecutor

            session = Session(d.network)
            publish_task(_info(source, expiry, "warm", 0), key, session=session)
            out["chain_length_at_start"] = d.rpc.block_number()
            if trace:
                tracemalloc.reset_peak()
            cpu0, t0 = time.process_time(), time.perf_counter()
            if mode == "threads":

                def one(i: int) -> str:
                    s = time.perf_counter()
                    task = publish_task(_info(source, expiry, mode, i), key, session=session)
                    latencies.append(time.perf_counter() - s)
                    return str(task.address)

                with ThreadPoolExecutor(max_workers=threads) as pool:
                    addresses.extend(pool.map(one, range(count)))
                out["threads"] = threads
            else:  # pipelined: every publish returns once sent; latency = until its task is known
                started, pending = [], []
                for i in range(count):
                    started.append(time.perf_counter())
                    pending.append(
                        publish_task(
                            _info(source, expiry, mode, i), key, session=session, wait=False
                        )
                    )
                tasks = wait_all(pending, timeout=600)
                done = time.perf_counter()
                latencies.extend(done - s for s in started)
                addresses.extend(str(t.address) for t in tasks)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            session.close()
        if trace:
            out["traced_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 2)
            tracemalloc.stop()
        on_chain = task_count(d.rpc, source)
        out.update(
            {
                "elapsed_s": round(elapsed, 3),
                "tasks_per_s": round(count / elapsed, 2),
                "latency": summary_ms(latencies),
                "cpu_per_publish_ms": round(cpu / count * 1000, 2),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "exactly_once": {
                    "distinct_tasks": len(set(addresses)),
                    "tasks_on_chain": on_chain,
                    "ok": len(set(addresses)) == count and on_chain == count + 1,
                },
            }
        )
        return out


def _child(mode: str, count: int, threads: int, trace: bool) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE), "--child", mode, "--count", str(count)]
    cmd += ["--threads", str(threads)] + (["--trace-memory"] if trace else [])
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if r.returncode != 0:
        raise RuntimeError(f"{mode} failed:\n{r.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(r.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000, help="concurrent publishes per mode")
    ap.add_argument("--threads", type=int, default=32, help="threads of the threaded sync mode")
    ap.add_argument("--trace-memory", action="store_true", help="also report tracemalloc peaks")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--out", help="also write the JSON results to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.quick:
        args.count, args.threads = 20, 4
    if args.child:
        print(json.dumps(measure(args.child, args.count, args.threads, args.trace_memory)))
        return 0
    results: dict[str, Any] = {
        "machine": cpu_count_note(),
        "note": "each mode in its own process on a fresh devnet (automine), same run",
    }
    for mode in ("aio", "threads", "pipelined"):
        results[mode] = _child(mode, args.count, args.threads, args.trace_memory)
    best = max(("threads", "pipelined"), key=lambda m: results[m]["tasks_per_s"])
    aio_r, sync_r = results["aio"], results[best]
    results["best_sync"] = best
    results["ratios"] = {
        "aio_over_best_sync_throughput": round(aio_r["tasks_per_s"] / sync_r["tasks_per_s"], 2),
        "aio_over_best_sync_p50": round(
            aio_r["latency"]["median_ms"] / sync_r["latency"]["median_ms"], 2
        ),
        "aio_over_best_sync_cpu": round(
            aio_r["cpu_per_publish_ms"] / sync_r["cpu_per_publish_ms"], 2
        ),
        "aio_over_best_sync_peak_rss": round(aio_r["peak_rss_mb"] / sync_r["peak_rss_mb"], 2),
    }
    emit(results, args.out)
    ok = all(results[m]["exactly_once"]["ok"] for m in ("aio", "threads", "pipelined"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
