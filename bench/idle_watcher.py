"""Benchmark: requests per second one event watcher sends to the node, idle and with blocks.

On a fresh devnet (automine, so the chain is idle until something is sent), one
``ogpu.events.watch_deposited`` watcher runs behind a counting proxy (its own process; HTTP
requests and WebSocket messages from the watcher are both counted) in each mode:

* ``polling``: HTTP only (``websocket=False``, no WebSocket URL offered);
* ``websocket``: ``websocket=True`` with the proxy's WebSocket URL;
* ``default``: the WebSocket URL offered, the watcher's own choice (``websocket`` not given).

For each: ``--idle`` seconds with no block, then ``--busy`` seconds with one empty block per second
(``evm_mine`` sent straight to the node, not through the proxy). Target: <= 1 request/s idle.

Run: ``.venv/bin/python bench/idle_watcher.py [--idle 10] [--busy 10] [--quick]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import CountingProxy, cpu_count_note, emit, fresh_devnet

MODES: dict[str, bool | None] = {"polling": False, "websocket": True, "default": None}


def _requests(c: dict[str, Any]) -> int:
    return int(c["requests"]) + int(c["ws_messages_in"])


async def _watch(network: Any, websocket: bool | None, stop: asyncio.Event) -> int:
    from ogpu.chain import Session
    from ogpu.events import watch_deposited

    session = Session(network)
    seen = 0
    options: dict[str, Any] = {"session": session}
    if websocket is not None:
        options["websocket"] = websocket
    try:
        async with watch_deposited(**options) as watcher:

            async def consume() -> None:
                nonlocal seen
                async for _ in watcher:
                    seen += 1

            task = asyncio.create_task(consume())
            await stop.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    finally:
        session.close()
    return seen


def measure(d: Any, mode: str, idle: float, busy: float) -> dict[str, Any]:
    websocket = MODES[mode]
    with CountingProxy(d.rpc_url, d.ws_url) as proxy:
        net = d.network.replace(
            rpc_url=proxy.url, ws_url=proxy.ws_url if websocket is not False else None
        )
        out: dict[str, Any] = {}

        async def main() -> None:
            stop = asyncio.Event()
            watcher = asyncio.create_task(_watch(net, websocket, stop))
            await asyncio.sleep(1.0)  # start-up (chain id, start block, subscription)
            start_counts = proxy.counts()
            proxy.reset()
            await asyncio.sleep(idle)
            c = proxy.counts()
            out["idle"] = {
                "seconds": idle,
                "requests_per_s": round(_requests(c) / idle, 2),
                "http_requests": c["requests"],
                "ws_messages": c["ws_messages_in"],
                "methods": {**c["methods"], **c["ws_methods"]},
            }
            proxy.reset()
            done = threading.Event()

            def miner() -> None:
                while not done.wait(1.0):
                    d.rpc.call("evm_mine")

            thread = threading.Thread(target=miner, daemon=True)
            t0 = time.perf_counter()
            thread.start()
            await asyncio.sleep(busy)
            c = proxy.counts()
            elapsed = time.perf_counter() - t0
            done.set()
            await asyncio.to_thread(thread.join)
            out["one_block_per_s"] = {
                "seconds": round(elapsed, 2),
                "requests_per_s": round(_requests(c) / elapsed, 2),
                "http_requests": c["requests"],
                "ws_messages": c["ws_messages_in"],
                "methods": {**c["methods"], **c["ws_methods"]},
            }
            out["start_up_requests"] = _requests(start_counts)
            out["transport"] = "websocket" if start_counts["ws_connections"] else "http polling"
            stop.set()
            await watcher

        asyncio.run(main())
        return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--idle", type=float, default=10.0, help="idle seconds")
    ap.add_argument("--busy", type=float, default=10.0, help="seconds with a block per second")
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--out", help="also write the JSON results to this file")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args(argv)
    if args.quick:
        args.idle, args.busy = 2.0, 2.0
    results: dict[str, Any] = {"machine": cpu_count_note(), "mining": "automine + evm_mine"}
    with fresh_devnet() as d:
        results["chain_length_at_start"] = d.rpc.block_number()
        for mode in MODES:
            results[mode] = measure(d, mode, args.idle, args.busy)
    idle_max = max(results[m]["idle"]["requests_per_s"] for m in MODES)
    results["target"] = {"idle requests/s per watcher <= 1": idle_max, "met": idle_max <= 1}
    emit(results, args.out)
    return 1 if (args.strict and idle_max > 1) else 0


if __name__ == "__main__":
    sys.exit(main())
