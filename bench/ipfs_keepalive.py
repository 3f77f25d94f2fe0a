"""Benchmark: ``POST /api/v0/add`` latency against the devnet IPFS store on a kept-alive connection.

Starts two stores in the same run, one whose accepted connections have ``TCP_NODELAY`` (the
default) and one without it (``IPFSStore(tcp_nodelay=False)``, the store as it was), and for each
sends ``--requests`` small adds (a distinct ~200-byte JSON document each) from one
``httpx.Client`` (one kept-alive connection), plus the same adds with a new connection each time
as the baseline. Reports the median and p95 per request.

Target: kept-alive adds with TCP_NODELAY no slower than 1.5x a new connection per request (the
delayed-ACK stall makes them ~40 ms without it). Exits 1 when missed.

Run: ``.venv/bin/python bench/ipfs_keepalive.py [--requests 200]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from ogpu.devnet.ipfs_store import IPFSStore


def _doc(i: int) -> bytes:
    return json.dumps({"function_name": "bench", "data": {"i": i, "text": "x" * 160}}).encode()


def _add(client: httpx.Client, url: str, i: int) -> float:
    t0 = time.perf_counter()
    r = client.post(f"{url}/api/v0/add", files={"file": ("t.json", _doc(i), "application/json")})
    elapsed = time.perf_counter() - t0
    r.raise_for_status()
    if not r.json()["Hash"].startswith("Qm"):
        raise RuntimeError(f"unexpected reply {r.text[:200]}")
    return elapsed


def measure(url: str, n: int, *, keep_alive: bool, offset: int) -> list[float]:
    out: list[float] = []
    with httpx.Client(trust_env=False, timeout=10) as client:
        _add(client, url, offset - 1)  # warm up (connect, first import paths)
        for i in range(n):
            if not keep_alive:
                with httpx.Client(trust_env=False, timeout=10) as fresh:
                    out.append(_add(fresh, url, offset + i))
            else:
                out.append(_add(client, url, offset + i))
    return out


def _fmt(name: str, xs: list[float]) -> str:
    p95 = sorted(xs)[int(0.95 * (len(xs) - 1))]
    return f"{name:<40} median {statistics.median(xs) * 1000:7.2f} ms   p95 {p95 * 1000:7.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--quick", action="store_true", help="10 requests: checks the harness runs")
    ap.add_argument("--out", type=Path, help="also write the medians (ms) as JSON here")
    args = ap.parse_args()
    n = 10 if args.quick else args.requests
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodelay in (False, True):
            label = "TCP_NODELAY" if nodelay else "no TCP_NODELAY (before)"
            with IPFSStore(f"{tmp}/{nodelay}", tcp_nodelay=nodelay) as store:
                url = store.start()
                results[f"kept-alive, {label}"] = measure(url, n, keep_alive=True, offset=0)
                results[f"new connection, {label}"] = measure(
                    url, n, keep_alive=False, offset=10 * n
                )
    for name, xs in results.items():
        print(_fmt(name, xs))
    before = statistics.median(results["kept-alive, no TCP_NODELAY (before)"])
    after = statistics.median(results["kept-alive, TCP_NODELAY"])
    fresh = statistics.median(results["new connection, TCP_NODELAY"])
    print(
        f"kept-alive before/after: {before / after:.1f}x faster; after/new-connection: "
        f"{after / fresh:.2f}"
    )
    ok = after <= 1.5 * fresh
    print("target (kept-alive <= 1.5x new connection):", "met" if ok else "MISSED")
    if args.out is not None:
        medians = {name: round(statistics.median(xs) * 1000, 3) for name, xs in results.items()}
        args.out.write_text(json.dumps({"requests": n, "median_ms": medians, "met": ok}) + "\n")
    return 0 if ok or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
