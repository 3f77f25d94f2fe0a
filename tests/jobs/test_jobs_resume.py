"""The two crash windows that matter, made deterministic: bytes signed and journaled but never
broadcast (resume sends the same bytes), and such bytes whose nonce another transaction took
(provably dead: one new publish). Plus ``publish_task(..., idempotency_key=...)``."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpu.chain.session import Session
from ogpu.client import TaskInfo, TaskInput, publish_task
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.jobs import Job, Journal, run_job
from ogpu.protocol import vault
from ogpu.types import DeliveryMethod, JobError

CLIENT = dev_account("client").address
PAYMENT = 10**16


class Crash(BaseException):
    """Stands for the process dying: not an Exception, so nothing below catches it."""


def crash_after_signing(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    recorded: list[str] = []
    original = journal.record_signed

    def record_then_die(attempt_id, sender, fields, raw, tx_hash):  # type: ignore[no-untyped-def]
        original(attempt_id, sender, fields, raw, tx_hash)
        recorded.append(tx_hash)
        raise Crash

    monkeypatch.setattr(journal, "record_signed", record_then_die)
    return recorded


def test_bytes_signed_but_never_sent_are_sent_on_resume(
    store_session, store_net, journal, make_source, serve, monkeypatch, tmp_path
) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    serve(source)
    job = run_job(
        source,
        "echo",
        [{"payload": "x"}],
        payment=PAYMENT,
        journal=journal,
        session=store_session,
        start=False,
    )
    recorded = crash_after_signing(journal, monkeypatch)
    with pytest.raises(Crash):
        job._publish(f"{job.id}/0", {"payload": "x"})
    assert source.get_task_count() == 0 and len(recorded) == 1
    monkeypatch.undo()

    fresh = Session(store_net)  # a new process: no nonce cache
    resumed = Job.resume(job.id, journal=Journal(journal.path), session=fresh)
    assert [r["payload"] for r in resumed.results(timeout=30)] == ["x"]
    (att,) = resumed.journal.job_attempts(job.id)
    (tx,) = resumed.journal.txs(att.id)
    assert tx.hash == recorded[0] and tx.mined
    assert source.get_task_count() == 1
    fresh.close()


def test_bytes_whose_nonce_was_taken_are_dead_and_published_once_more(
    store_session, store_net, journal, make_source, serve, monkeypatch
) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    serve(source)
    job = run_job(
        source,
        "echo",
        [{"payload": "y"}],
        payment=PAYMENT,
        journal=journal,
        session=store_session,
        start=False,
    )
    crash_after_signing(journal, monkeypatch)
    with pytest.raises(Crash):
        job._publish(f"{job.id}/0", {"payload": "y"})
    monkeypatch.undo()
    other = Session(store_net)  # another program of the same key takes the nonce
    vault.deposit(CLIENT, 1, signer=dev_key("client"), session=other)
    other.close()

    fresh = Session(store_net)
    resumed = Job.resume(job.id, journal=Journal(journal.path), session=fresh)
    assert [r["payload"] for r in resumed.results(timeout=30)] == ["y"]
    first, second = resumed.journal.job_attempts(job.id)
    assert first.state == "dead" and first.task is None and "used by another" in (first.note or "")
    assert second.state == "confirmed"
    assert source.get_task_count() == 1
    fresh.close()


def test_idempotency_key_publishes_once(store_session, make_source, tmp_path: Path) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    info = TaskInfo(
        source=source.address,
        config=TaskInput("echo", {"payload": "order"}),
        expiryTime=store_session.timestamp() + 600,
        payment=PAYMENT,
    )
    path = tmp_path / "keys.sqlite3"
    a = publish_task(info, idempotency_key="order-123", journal=path, session=store_session)
    b = publish_task(info, idempotency_key="order-123", journal=path, session=store_session)
    assert a.address == b.address and source.get_task_count() == 1
    other = TaskInfo(
        source=source.address, config=info.config, expiryTime=info.expiryTime, payment=PAYMENT + 1
    )
    with pytest.raises(JobError, match="different task"):
        publish_task(other, idempotency_key="order-123", journal=path, session=store_session)
    assert source.get_task_count() == 1


def test_idempotency_key_after_a_crash_resends_the_same_bytes(
    store_session, store_net, make_source, monkeypatch, tmp_path: Path
) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    info = TaskInfo(
        source=source.address,
        config=TaskInput("echo", {"payload": "order"}),
        expiryTime=store_session.timestamp() + 600,
        payment=PAYMENT,
    )
    journal = Journal(tmp_path / "keys.sqlite3")
    recorded = crash_after_signing(journal, monkeypatch)
    with pytest.raises(Crash):
        publish_task(info, idempotency_key="order-9", journal=journal, session=store_session)
    monkeypatch.undo()
    fresh = Session(store_net)
    task = publish_task(
        info, idempotency_key="order-9", journal=tmp_path / "keys.sqlite3", session=fresh
    )
    assert source.get_task_count() == 1 and task.address == source.get_tasks()[0].address
    (att,) = journal.attempts("key:order-9")
    assert [t.hash for t in journal.txs(att.id)] == recorded
    fresh.close()
