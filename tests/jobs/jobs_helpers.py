"""Helpers of the job tests: the child process's config, and an audit of the chain against a
job's journal (tasks per input, money)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from support.world import devnet_home

from ogpu.chain.networks import Network
from ogpu.chain.session import Session
from ogpu.jobs import Job
from ogpu.protocol import Source, vault
from ogpu.types import TaskStatus

CHILD = Path(__file__).with_name("job_child.py")


def child_config(net: Network, job: Job, path: Path, **extra: Any) -> Path:
    """The config of :mod:`job_child`: the job, its journal and a devnet home for ``net``."""
    home = devnet_home(net, path.parent / "devnet-home")
    cfg = {"home": str(home), "job": job.id, "journal": str(job.journal.path), **extra}
    path.write_text(json.dumps(cfg))
    return path


def spawn(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, str(CHILD), str(config)], stdout=out, stderr=subprocess.STDOUT
        )


def kill_after(proc: subprocess.Popen[bytes], seconds: float) -> bool:
    """SIGKILL ``proc`` after ``seconds`` unless it ended first; True if it was killed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return True


@dataclass
class Audit:
    tasks: int
    per_input: Counter[str]
    spent: int
    paid: int
    refunded: int
    escrowed: int


def audit(session: Session, source: Source) -> Audit:
    """Every task of ``source`` on chain: how many per config URL (one per input), and the money
    of each (FIRST_RESPONSE: a FINALIZED task paid its payment, CANCELED/EXPIRED refunded it)."""
    tasks = source.get_tasks()
    per_input: Counter[str] = Counter()
    spent = paid = refunded = escrowed = 0
    for task in tasks:
        snap = task.snapshot()
        per_input[snap.params.config] += 1
        spent += snap.payment
        if snap.status is TaskStatus.FINALIZED:
            response = task.get_confirmed_response()
            assert response is not None
            bid = response.snapshot().params.payment
            confirmed_pays_bid = snap.delivery_method.name == "MANUAL_CONFIRMATION"
            paid += bid if confirmed_pays_bid else snap.payment
            refunded += snap.payment - bid if confirmed_pays_bid else 0
        elif snap.status in (TaskStatus.CANCELED, TaskStatus.EXPIRED):
            refunded += snap.payment
        else:
            escrowed += snap.payment
    return Audit(len(tasks), per_input, spent, paid, refunded, escrowed)


def balance(session: Session, address: str) -> int:
    return vault.get_balance_of(address, session=session)
