"""The write path of ``publish_task`` before/after, on a fresh devnet each, in one run.

For each implementation (this tree, and with ``--baseline DIR`` another checkout of the SDK, e.g.
``git archive main | tar -x -C /tmp/main``) a worker process with that tree on ``PYTHONPATH``
starts a fresh anvil (automine) and the devnet IPFS store, deploys the protocol, publishes one
source, then measures:

* ``sequential``: ``publish_task`` N times, each waiting for its receipt: latency median/p95,
  client CPU per publish (``time.process_time``), HTTP round trips per publish (every request
  through httpx or requests is counted, IPFS included);
* ``pipelined``: M publishes from one key, ``wait=False`` for all, then ``wait_all``;
* ``threads``: M publishes from one key on K threads, each waiting for its receipt;
* ``floor`` (this tree only): pre-signed ``publishTask`` transactions sent one by one with
  ``eth_sendRawTransactionSync``, plus one IPFS add of the same bytes each.

Chain length: a fresh chain per measurement (deploy, one deposit, one source, one warm-up
publish, then the publishes measured): anvil slows down as its chain grows.

Run: ``.venv/bin/python bench/rpc_core.py [--count 200] [--best 500] [--baseline /tmp/main]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ETH = 10**18
PAYMENT = 10**15
HERE = Path(__file__).resolve().parent.parent
PORT0 = ("--port", "0")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class _Counter:
    """Counts HTTP requests at the transports of httpx and requests (whatever the SDK uses)."""

    def __init__(self) -> None:
        self.n = 0
        import httpx

        original: Callable[..., Any] = httpx.HTTPTransport.handle_request
        counter = self

        def counted(transport: Any, request: Any) -> Any:
            counter.n += 1
            return original(transport, request)

        httpx.HTTPTransport.handle_request = counted  # type: ignore[method-assign]
        try:
            import requests.adapters
        except ImportError:
            return
        original_send: Callable[..., Any] = requests.adapters.HTTPAdapter.send

        def counted_send(adapter: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            counter.n += 1
            return original_send(adapter, request, *args, **kwargs)

        requests.adapters.HTTPAdapter.send = counted_send  # type: ignore[method-assign]


def _worker(mode: str, count: int, threads: int) -> dict[str, Any]:
    counter = _Counter()
    from concurrent.futures import ThreadPoolExecutor

    from web3 import HTTPProvider, Web3

    from ogpu.chain import ContractAddresses, Network, Session
    from ogpu.client import (
        ImageEnvironments,
        SourceInfo,
        TaskInfo,
        TaskInput,
        publish_source,
        publish_task,
        wait_all,
    )
    from ogpu.devnet.accounts import dev_account, dev_key
    from ogpu.devnet.deploy import deploy_protocol
    from ogpu.devnet.node import AnvilNode
    from ogpu.protocol import Source, vault

    data = Path(tempfile.mkdtemp(prefix="ogpu-bench-rpc-"))
    node = AnvilNode.start(log_path=data / "anvil.log")
    store = subprocess.Popen(
        [sys.executable, "-m", "ogpu.devnet.ipfs_store", "--data-dir", str(data / "ipfs"), *PORT0],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert store.stdout is not None
    store_url = store.stdout.readline().strip().split("=", 1)[1]
    try:
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
            pinning_url=f"{store_url}/file/create",
            gateway_url=store_url,
        )
        session = Session(network)
        key = dev_key("client")
        client = dev_account("client").address
        vault.deposit(client, 1000 * ETH, signer=key, session=session)
        source = publish_source(
            SourceInfo(
                name="bench",
                description="rpc core benchmark",
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

        def info(tag: str, i: int) -> TaskInfo:
            return TaskInfo(
                source=source,
                config=TaskInput("bench", {"mode": tag, "i": i}),
                expiryTime=expiry,
                payment=PAYMENT,
            )

        out: dict[str, Any] = {"mode": mode, "count": count}
        if mode == "floor":
            out.update(_floor(session, key, source, expiry, count, store_url))
            session.close()
            return out
        publish_task(info("warm", 0), key, session=session)  # first-use costs out of the way
        latencies: list[float] = []
        trips0, cpu0 = counter.n, time.process_time()
        t0 = time.perf_counter()
        if mode == "sequential":
            for i in range(count):
                s = time.perf_counter()
                publish_task(info("seq", i), key, session=session)
                latencies.append(time.perf_counter() - s)
        elif mode == "pipelined":
            pending = [
                publish_task(info("pipe", i), key, session=session, wait=False)
                for i in range(count)
            ]
            wait_all(pending, timeout=600)
        else:
            with ThreadPoolExecutor(threads) as pool:
                list(
                    pool.map(
                        lambda i: publish_task(info("thr", i), key, session=session), range(count)
                    )
                )
            out["threads"] = threads
        elapsed = time.perf_counter() - t0
        out["tasks_per_s"] = round(count / elapsed, 1)
        out["cpu_ms_per_publish"] = round((time.process_time() - cpu0) * 1000 / count, 2)
        out["round_trips_per_publish"] = round((counter.n - trips0) / count, 2)
        if latencies:
            out["latency_median_ms"] = round(statistics.median(latencies) * 1000, 2)
            out["latency_p95_ms"] = round(_percentile(latencies, 0.95) * 1000, 2)
        assert Source(source, session).get_task_count() == count + 1, "missing or extra tasks"
        out["verified_tasks"] = count + 1
        session.close()
        return out
    finally:
        store.terminate()
        store.wait(10)
        node.stop()


def _floor(session: Any, key: str, source: str, expiry: int, n: int, store_url: str) -> Any:
    """Pre-signed publishTask sent one by one with eth_sendRawTransactionSync + one IPFS add."""
    import httpx
    from eth_account import Account

    from ogpu.chain.calls import ContractCall
    from ogpu.ipfs import encode_payload

    acct = Account.from_key(key)
    controller = session.address_of("Controller")
    nonce = int(session.rpc("eth_getTransactionCount", [acct.address, "pending"]), 16)
    head = session.rpc("eth_getBlockByNumber", ["latest", False])
    fee = 2 * int(head["baseFeePerGas"], 16) + 10**9
    signed, payloads = [], []
    for i in range(n):
        payload = encode_payload({"function_name": "bench", "data": {"mode": "floor", "i": i}})
        payloads.append(payload)
        call = ContractCall.build(
            "Controller",
            "publishTask",
            (source, f"{store_url}/ipfs/x{i}", expiry, PAYMENT),
            address=controller,
        )
        tx = {
            "chainId": session.chain_id,
            "nonce": nonce + i,
            "to": controller,
            "data": call.data,
            "value": 0,
            "gas": 900_000,
            "maxFeePerGas": fee,
            "maxPriorityFeePerGas": 10**9,
            "type": 2,
        }
        signed.append("0x" + acct.sign_transaction(tx).raw_transaction.hex())
    from ogpu.rpc._transport import http_transport

    # the same keep-alive transport as the SDK (a plain client waits on delayed ACKs here)
    http = httpx.Client(transport=http_transport())
    url = session.network.rpc_url
    times: list[float] = []
    t0 = time.perf_counter()
    for i, raw in enumerate(signed):
        s = time.perf_counter()
        files = {"file": ("taskConfig.json", payloads[i], "application/json")}
        http.post(f"{store_url}/file/create", files=files).raise_for_status()
        reply = http.post(
            url,
            json={
                "jsonrpc": "2.0",
                "id": i,
                "method": "eth_sendRawTransactionSync",
                "params": [raw],
            },
        ).json()
        assert reply["result"]["status"] == "0x1", reply
        times.append(time.perf_counter() - s)
    elapsed = time.perf_counter() - t0
    http.close()
    return {
        "latency_median_ms": round(statistics.median(times) * 1000, 2),
        "tasks_per_s": round(n / elapsed, 1),
    }


def _run(root: Path, mode: str, count: int, threads: int) -> dict[str, Any]:
    from ogpu.devnet.node import find_anvil

    env = dict(os.environ, PYTHONPATH=str(root), OGPU_ANVIL=find_anvil())
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", mode]
    cmd += ["--count", str(count), "--threads", str(threads)]
    done = subprocess.run(cmd, env=env, cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} worker for {root} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--count", type=int, default=200, help="sequential publishes (latency, CPU)")
    p.add_argument("--best", type=int, default=500, help="publishes for throughput")
    p.add_argument("--threads", type=int, default=4, help="threads of the threaded mode")
    p.add_argument("--baseline", type=Path, help="another SDK checkout to compare against")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        print(json.dumps(_worker(args.worker, args.count, args.threads)))
        return 0
    roots = {"current": HERE}
    if args.baseline is not None:
        roots = {"baseline": args.baseline.resolve(), **roots}
    report: dict[str, Any] = {"chain": "a fresh anvil (automine) per measurement"}
    for name, root in roots.items():
        report[name] = {
            "sequential": _run(root, "sequential", args.count, args.threads),
            "pipelined": _run(root, "pipelined", args.best, args.threads),
            "threads": _run(root, "threads", args.best, args.threads),
        }
    report["floor"] = _run(HERE, "floor", args.count, args.threads)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
