"""Drive the official OpenGPU SDK (PyPI ``ogpu==0.2.3``) against a devnet; run by write_path.py.

Runs with the official SDK's own virtual environment (its package is also named ``ogpu``), so it
imports nothing from this repository. The official SDK only knows the OpenGPU mainnet and
testnet: this script selects its testnet entry and, at runtime, points that entry's contract
addresses at the devnet's, its RPC URL at the devnet node (``ChainConfig.set_rpc``) and its
hard-coded pinning URL (``ogpu.ipfs.publish._IPFS_PUBLISH_URL``) at the devnet IPFS store. The
devnet's contracts are ABI-compatible with the real protocol; transactions are signed with the
chain id the node reports.

Input: one JSON object on stdin (rpc_url, pinning_url, addresses, key, source, expiry, payment,
count, mode = sequential | threads | trips | ipfs, threads, tag). Output: one JSON line on stdout.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def main() -> int:
    cfg = json.loads(sys.stdin.read())
    from ogpu import ChainConfig, ChainId
    from ogpu.client import TaskInfo, TaskInput, publish_task
    from ogpu.ipfs import publish as ipfs_publish

    a = cfg["addresses"]
    ChainConfig.CHAIN_CONTRACTS[ChainId.OGPU_TESTNET] = {
        "NEXUS": a["nexus"],
        "CONTROLLER": a["controller"],
        "TERMINAL": a["terminal"],
        "VAULT": a["vault"],
    }
    ChainConfig.set_chain(ChainId.OGPU_TESTNET)
    ChainConfig.set_rpc(cfg["rpc_url"])
    ipfs_publish._IPFS_PUBLISH_URL = cfg["pinning_url"]  # type: ignore[attr-defined]

    key, tag = cfg["key"], cfg["tag"]

    def info(i: int) -> Any:
        data = {"mode": tag, "i": i, "pad": "x" * 64}
        return TaskInfo(
            source=cfg["source"],
            config=TaskInput(function_name="bench", data=data),
            expiryTime=cfg["expiry"],
            payment=cfg["payment"],
        )

    def one(i: int) -> tuple[str, float]:
        t0 = time.perf_counter()
        task = publish_task(info(i), key)
        return str(task.address), time.perf_counter() - t0

    one(-1)  # warm-up: connections, chain id, ABI loading, the nonce cache
    count, mode = int(cfg["count"]), cfg["mode"]
    out: dict[str, Any] = {"mode": mode, "count": count, "tasks": []}
    if count == 0:
        pass
    elif mode == "ipfs":
        times = []
        for i in range(count):
            body = {"function_name": "bench", "data": {"mode": "ipfs", "i": i, "pad": "x" * 64}}
            t0 = time.perf_counter()
            ipfs_publish.publish_to_ipfs(body, "taskConfig.json", "application/json")
            times.append(time.perf_counter() - t0)
        out["ipfs_add_median_ms"] = round(statistics.median(times) * 1000, 2)
    elif mode in ("sequential", "trips"):
        cpu0, t0 = time.process_time(), time.perf_counter()
        results = [one(i) for i in range(count)]
        elapsed = time.perf_counter() - t0
        out["cpu_per_publish_ms"] = round((time.process_time() - cpu0) / count * 1000, 2)
        out["latencies_s"] = [r[1] for r in results]
        out["elapsed_s"] = elapsed
        out["tasks"] = [r[0] for r in results]
    else:
        cpu0, t0 = time.process_time(), time.perf_counter()
        with ThreadPoolExecutor(max_workers=int(cfg["threads"])) as pool:
            results = list(pool.map(one, range(count)))
        elapsed = time.perf_counter() - t0
        out["cpu_per_publish_ms"] = round((time.process_time() - cpu0) / count * 1000, 2)
        out["latencies_s"] = [r[1] for r in results]
        out["elapsed_s"] = elapsed
        out["tasks"] = [r[0] for r in results]
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
