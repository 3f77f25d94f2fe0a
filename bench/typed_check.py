"""Benchmark the pre-payment schema check of ``publish_task`` on a typed source.

One run, fresh anvil + deployment + devnet IPFS store: the same ``publish_task(..., dry_run=True)``
(chain pre-checks and simulation; nothing uploaded or sent) on a source published without handler
schemas and on one published with the demo handlers' schemas, interleaved, N times each; and the
check alone (``check_task_input``: one ``getSourceParams`` read and a cached ``jsonschema``
validation) against the whole dry run as baseline. The first call also fetches the metadata by
CID (reported separately).

Run: ``.venv/bin/python bench/typed_check.py [--count 200]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from ogpu.chain import ContractAddresses, Network, Session
from ogpu.client import (
    ImageEnvironments,
    SourceInfo,
    TaskInfo,
    TaskInput,
    publish_source,
    publish_task,
)
from ogpu.client.schemas import check_task_input, clear_cache
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.deploy import deploy_protocol
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.devnet.node import AnvilNode
from ogpu.protocol import vault


def _info(name: str) -> SourceInfo:
    return SourceInfo(
        name=name,
        description="typed-check benchmark",
        logoUrl="",
        imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
        minPayment=10**15,
        minAvailableLockup=0,
        maxExpiryDuration=3600,
    )


def run(count: int, data_dir: Path) -> dict[str, Any]:
    node = AnvilNode.start(log_path=data_dir / "anvil.log")
    store = IPFSStore(data_dir / "ipfs")
    store.start()
    try:
        from web3 import HTTPProvider, Web3

        d = deploy_protocol(
            Web3(HTTPProvider(node.url)),
            dev_account("admin").account,
            judge=dev_account("judge").address,
        )
        session = Session(
            Network(
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
        )
        key = dev_key("client")
        vault.deposit(dev_account("client").address, 10**18, signer=key, session=session)
        plain = publish_source(_info("plain"), key, session=session).address
        typed = publish_source(
            _info("typed"), key, session=session, handlers="ogpu.devnet.demo_handlers"
        ).address
        expiry = session.timestamp() + 3000

        def once(source: str) -> float:
            info = TaskInfo(
                source=source,
                config=TaskInput("sentiment", {"text": "great", "neutral_threshold": 0.1}),
                expiryTime=expiry,
                payment=10**16,
            )
            started = time.perf_counter()
            publish_task(info, key, session=session, dry_run=True)
            return time.perf_counter() - started

        clear_cache()
        cold = once(typed)
        times: dict[str, list[float]] = {"plain": [], "typed": []}
        for _ in range(count):
            times["plain"].append(once(plain))
            times["typed"].append(once(typed))
        check: list[float] = []
        info = TaskInfo(
            source=typed,
            config=TaskInput("sentiment", {"text": "great"}),
            expiryTime=expiry,
            payment=10**16,
        )
        for _ in range(count):
            started = time.perf_counter()
            check_task_input(session, info)
            check.append(time.perf_counter() - started)
        times["check_only"] = check
        med = {k: statistics.median(v) * 1000 for k, v in times.items()}
        return {
            "count": count,
            "median_ms": {k: round(v, 3) for k, v in med.items()},
            "typed_over_plain": round(med["typed"] / med["plain"], 3),
            "check_share_of_typed_dry_run": round(med["check_only"] / med["typed"], 3),
            "first_typed_call_ms (metadata fetched by CID)": round(cold * 1000, 3),
        }
    finally:
        store.stop()
        node.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="5 calls: checks the harness runs")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        report = run(5 if args.quick else args.count, Path(tmp))
    text = json.dumps(report, indent=2)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
