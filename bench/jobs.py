"""Benchmark ``ogpu.jobs``: N inputs end to end (publish, the devnet provider answers, the
result is fetched and checked against its CID) on a fresh devnet WITH its default provider
(``ogpu.devnet.manager.up`` + ``provider_service``), in one run:

* ``journal``: the durable journal (SQLite file, WAL) — what ``run_job`` does by default;
* ``no_journal``: the same engine with the journal in memory (``:memory:``: nothing reaches the
  disk), the baseline for the journal's overhead.

The two alternate (``--rounds`` each, the order flipped every round), each run on a devnet of its
own (the chain's length would otherwise favour whichever mode runs first). Reported per mode: tasks/s (wall), per-input latency p50/p95 (intent
recorded → result stored), the job process's CPU time, and the journal's overhead = journal wall
/ no-journal wall - 1 (goal ≤ 10 %), also in client CPU time (the provider and anvil run in
processes of their own, so the wall time is mostly theirs). Every run is checked: one task on chain per input, every result present.

Run: ``.venv/bin/python bench/jobs.py [--count 1000] [--rounds 1] [--quick] [--out r.json]``
"""

from __future__ import annotations

import argparse
import json
import signal
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fresh_devnet, percentile

ETH = 10**18
PAYMENT = 10**15


def _latencies(journal: Any, job_id: str) -> list[float]:
    """Seconds from each input's first intent to its stored result (from the journal rows)."""
    db = journal._db if str(journal.path) == ":memory:" else sqlite3.connect(str(journal.path))
    rows = db.execute(
        "SELECT MIN(a.created), i.updated FROM items i JOIN attempts a ON a.key = i.key "
        "WHERE i.job = ? AND i.state = 'done' GROUP BY i.key",
        (job_id,),
    ).fetchall()
    return [end - start for start, end in rows]


def run_once(
    network: Any, source: str, count: int, mode: str, tag: str, in_flight: int
) -> dict[str, Any]:
    from ogpu.chain import Session
    from ogpu.jobs import Journal, run_job
    from ogpu.protocol import Source

    tmp = Path(tempfile.mkdtemp(prefix="ogpu-bench-jobs-"))
    journal = Journal(tmp / "jobs.sqlite3" if mode == "journal" else ":memory:")
    session = Session(network)
    inputs = [{"payload": {"tag": tag, "i": i}} for i in range(count)]
    before = Source(source, session).get_task_count()
    started = time.perf_counter()
    cpu0 = time.process_time()
    job = run_job(
        source,
        "echo",
        inputs,
        payment=PAYMENT,
        expires_in=3600,
        max_in_flight=in_flight,
        journal=journal,
        session=session,
    )
    results = list(job.results(timeout=3600))
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu0
    tasks = Source(source, session).get_task_count() - before
    ok = tasks == count and [r["payload"] for r in results] == [x["payload"] for x in inputs]
    lat = _latencies(journal, job.id)
    job.stop()
    session.close()
    return {
        "mode": mode,
        "count": count,
        "wall_s": round(wall, 3),
        "tasks_per_s": round(count / wall, 2),
        "client_cpu_s": round(cpu, 3),
        "latency_p50_ms": round(percentile(lat, 0.5) * 1000, 1),
        "latency_p95_ms": round(percentile(lat, 0.95) * 1000, 1),
        "tasks_on_chain": tasks,
        "exactly_once_and_complete": ok,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--max-in-flight", type=int, default=32)
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke test)")
    ap.add_argument("--out", help="also write the JSON results to this file")
    args = ap.parse_args(argv)
    # a terminated run (e.g. by `timeout`) still stops its devnet (the finally blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    count = 12 if args.quick else args.count
    rounds = 1 if args.quick else args.rounds

    from ogpu.chain import Session
    from ogpu.devnet import provider_service
    from ogpu.protocol import vault

    def measured(mode: str, tag: str) -> dict[str, Any]:
        """One run on a devnet of its own (a longer chain would slow whichever mode ran later)."""
        with fresh_devnet(services=[provider_service.service()]) as d:
            source = str(d.info.manifest["demo_sources"]["first_response"])
            s = Session(d.network)
            vault.deposit(
                d.account("client"), count * PAYMENT + ETH, signer=d.key("client"), session=s
            )
            s.close()
            # warm-up (imports, handler load, first connections), not measured
            run_once(d.network, source, 2, mode, "warm", args.max_in_flight)
            return run_once(d.network, source, count, mode, tag, args.max_in_flight)

    runs: dict[str, list[dict[str, Any]]] = {"journal": [], "no_journal": []}
    for r in range(rounds):
        order = ("no_journal", "journal") if r % 2 == 0 else ("journal", "no_journal")
        for mode in order:
            res = measured(mode, f"{mode}-{r}")
            runs[mode].append(res)
            print(json.dumps(res), file=sys.stderr)

    def total(mode: str) -> float:
        return sum(x["wall_s"] for x in runs[mode])

    overhead = total("journal") / total("no_journal") - 1

    def cpu(mode: str) -> float:
        return sum(x["client_cpu_s"] for x in runs[mode])

    cpu_overhead = cpu("journal") / cpu("no_journal") - 1
    out = {
        "count": count,
        "rounds": rounds,
        "max_in_flight": args.max_in_flight,
        "runs": runs,
        "journal_overhead": round(overhead, 4),
        "journal_cpu_overhead": round(cpu_overhead, 4),
        "goal": "journal_overhead <= 0.10",
        "exactly_once_and_complete": all(
            x["exactly_once_and_complete"] for rs in runs.values() for x in rs
        ),
        "note": "each run on a fresh devnet (anvil automine + the devnet provider process); "
        "modes alternate",
    }
    text = json.dumps(out, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text)
    return 0 if out["exactly_once_and_complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
