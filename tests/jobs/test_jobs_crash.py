"""Crash safety: a job process killed with SIGKILL at random points and resumed publishes every
input exactly once, returns every result and accounts for every wei."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from jobs_helpers import audit, balance, child_config, kill_after, spawn

from ogpu.devnet.accounts import dev_account
from ogpu.jobs import Job, run_job
from ogpu.types import DeliveryMethod

CLIENT = dev_account("client").address
PAYMENT = 10**15 + 7


def crash_and_resume(
    store_session,
    store_net,
    journal,
    make_source,
    serve,
    tmp_path: Path,
    *,
    size: int,
    kills: int,
    seed: int,
) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    serve(source, slots=8)
    before = balance(store_session, CLIENT)
    inputs = [{"payload": {"i": i, "seed": seed}} for i in range(size)]
    job = run_job(
        source, "echo", inputs, payment=PAYMENT, journal=journal, session=store_session, start=False
    )
    cfg = child_config(store_net, job, tmp_path / "child.json", max_in_flight=8)
    log = tmp_path / "child.log"
    rng = random.Random(seed)
    killed = 0
    for _ in range(kills):
        proc = spawn(cfg, log)
        killed += kill_after(proc, rng.uniform(0.7, 1.6))
    proc = spawn(cfg, log)
    # generous on a busy machine: the last run publishes and settles what the kills left
    assert proc.wait(timeout=120 + 3 * size) == 0, log.read_text()[-3000:]
    assert killed >= 1, "the job finished before any kill: raise the size"

    done = Job.open(job.id, journal=journal, session=store_session)
    results = list(done.results(timeout=5))
    assert [{"payload": r["payload"]} for r in results] == inputs and len(results) == size
    chain = audit(store_session, source)
    assert chain.tasks == size
    assert max(chain.per_input.values()) == 1 and len(chain.per_input) == size
    status = done.status()
    assert status.published == size and status.confirmed == size
    # money conserved to the wei: what left the client's Vault balance is what was paid or is
    # still escrowed, and the journal agrees with the chain
    assert chain.spent == size * PAYMENT == status.spent
    assert chain.paid + chain.refunded + chain.escrowed == chain.spent
    assert (status.paid, status.refunded, status.escrowed) == (
        chain.paid,
        chain.refunded,
        chain.escrowed,
    )
    assert before - balance(store_session, CLIENT) == chain.spent - chain.refunded
    atts = journal.job_attempts(job.id)
    dead = sum(a.state == "dead" for a in atts)
    signed = sum(len(journal.txs(a.id)) for a in atts)
    print(
        f"crash test: {size} inputs, {killed} kills, {len(atts)} attempts ({dead} never on "
        f"chain), {signed} signed publishes, {chain.tasks} tasks on chain, 0 duplicates, "
        f"spent {chain.spent} = paid {chain.paid} + refunded {chain.refunded} + escrowed "
        f"{chain.escrowed} wei"
    )


def test_killed_twice_and_resumed_publishes_each_input_once(
    store_session, store_net, journal, make_source, serve, tmp_path
) -> None:
    crash_and_resume(
        store_session, store_net, journal, make_source, serve, tmp_path, size=12, kills=2, seed=1
    )


@pytest.mark.soak
@pytest.mark.timeout(1800)
def test_soak_killed_five_times(
    store_session, store_net, journal, make_source, serve, tmp_path
) -> None:
    size = int(os.environ.get("OGPU_SOAK_SIZE", "200"))
    crash_and_resume(
        store_session,
        store_net,
        journal,
        make_source,
        serve,
        tmp_path,
        size=size,
        kills=5,
        seed=size,
    )
