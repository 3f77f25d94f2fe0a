"""``cheapest:k`` confirmation among real providers' answers, and a job cancelled while its
inputs run (one task taken by a provider, the others still NEW)."""

from __future__ import annotations

import time
from collections.abc import Callable

import job_handlers
from jobs_helpers import audit, balance

from ogpu.devnet.accounts import dev_account
from ogpu.jobs import Job, Policy, run_job
from ogpu.protocol import Source, Task
from ogpu.types import DeliveryMethod, JobItemError, TaskStatus

CLIENT = dev_account("client").address
P1 = dev_account("provider").address
P2 = dev_account("provider2").address
PAYMENT = 10**16


def _until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _tasks(source: Source, n: int) -> list[Task]:
    _until(f"{n} tasks", lambda: source.get_task_count() >= n)
    return source.get_tasks()


def test_cheapest_waits_for_k_answers_and_confirms_the_lowest_bid(
    store_session, journal, make_source, serve
) -> None:
    """The expensive provider answers every task first; the cheap one only starts afterwards.
    ``cheapest:2`` waits for both answers and confirms the cheap one (``first`` would have
    confirmed the expensive one)."""
    source = make_source(DeliveryMethod.MANUAL_CONFIRMATION)
    before = balance(store_session, CLIENT)
    serve(source, names=("provider",), handler="job_handlers:fast", bid=6 * 10**15)
    inputs = [{"a": 1, "b": 2}, {"a": 5, "b": 5}]
    job = source.map(
        "add",
        inputs,
        payment=PAYMENT,
        policy=Policy("cheapest", 2, window=300.0),
        journal=journal,
    )
    tasks = _tasks(source, 2)
    _until("the expensive answers", lambda: all(len(t.get_responses()) == 1 for t in tasks))
    assert all(t.get_status() is TaskStatus.RESPONDED for t in tasks)  # nothing confirmed yet
    serve(source, names=("provider2",), handler="job_handlers:fast", bid=4 * 10**15, from_block=0)
    assert [r["total"] for r in job.results(timeout=60)] == [3, 10]
    for att in journal.job_attempts(job.id):
        rows = {r[1]: r for r in journal.responses(att.id)}
        assert set(rows) == {P1, P2}
        assert rows[P2][2:] == (4 * 10**15, rows[P1][3], "confirmed")
        assert rows[P1][4] == "valid"
    assert [t.get_confirmed_response().snapshot().params.provider for t in tasks] == [P2, P2]
    st = job.status()
    assert (st.paid, st.refunded, st.escrowed) == (8 * 10**15, 12 * 10**15, 0)
    chain = audit(store_session, source)
    assert (chain.paid, chain.refunded) == (st.paid, st.refunded)
    assert before - balance(store_session, CLIENT) == st.paid


def test_cheapest_confirms_what_came_within_the_window(
    store_session, journal, make_source, serve
) -> None:
    """``cheapest:3`` with two providers: after the window the lowest of the two answers is
    confirmed; the window is kept in the journal (a resumed job waits as long)."""
    source = make_source(DeliveryMethod.MANUAL_CONFIRMATION)
    serve(source, names=("provider",), handler="job_handlers:fast", bid=7 * 10**15)
    serve(source, names=("provider2",), handler="job_handlers:good", bid=5 * 10**15)
    policy = Policy("cheapest", 3, window=2.0)
    job = run_job(
        source,
        "add",
        [{"a": 20, "b": 22}],
        payment=PAYMENT,
        policy=policy,
        journal=journal,
        session=store_session,
    )
    assert Job.open(job.id, journal=journal).policy == policy
    assert [r["total"] for r in job.results(timeout=60)] == [42]
    (att,) = journal.job_attempts(job.id)
    rows = {r[1]: r[2:] for r in journal.responses(att.id)}
    assert rows[P2][0] == 5 * 10**15 and rows[P2][2] == "confirmed"
    assert rows[P1][0] == 7 * 10**15 and rows[P1][2] == "valid"
    assert (att.paid, att.refunded) == (5 * 10**15, 5 * 10**15)


def test_cancel_while_running_refunds_new_tasks_and_follows_the_taken_one(
    store_session, journal, make_source, serve
) -> None:
    """One provider with one slot takes a task and holds it (handler waiting); the job is
    cancelled then: the NEW tasks are cancelled and refunded, the taken one is followed to its
    answer and paid; nothing more is published."""
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    before = balance(store_session, CLIENT)
    job_handlers.GATE.clear()
    try:
        serve(source, names=("provider",), handler="job_handlers:gated", slots=1)
        job = run_job(
            source,
            "add",
            [{"a": i, "b": 1} for i in range(3)],
            payment=PAYMENT,
            journal=journal,
            session=store_session,
        )
        tasks = _tasks(source, 3)
        _until(
            "a task taken",
            lambda: sum(t.get_status() is TaskStatus.ATTEMPTED for t in tasks) == 1,
        )
        st = job.cancel(wait=False)
        assert st.state == "canceled"
        _until(
            "the NEW tasks cancelled",
            lambda: sum(t.get_status() is TaskStatus.CANCELED for t in tasks) == 2,
        )
    finally:
        job_handlers.GATE.set()
    out = list(job.results(return_exceptions=True, timeout=60))
    statuses = [t.get_status() for t in tasks]
    assert sorted(s.name for s in statuses) == ["CANCELED", "CANCELED", "FINALIZED"]
    for item, result in zip(journal.items(job.id), out, strict=True):
        task = Task(journal.attempts(item.key)[-1].task or "", store_session)
        if task.get_status() is TaskStatus.FINALIZED:
            assert result == {"total": item.idx + 1}
        else:
            assert isinstance(result, JobItemError) and result.kind == "canceled", result
    st = job.status()
    assert (st.confirmed, st.canceled, st.published) == (1, 2, 3)
    assert (st.paid, st.refunded, st.escrowed) == (PAYMENT, 2 * PAYMENT, 0)
    assert before - balance(store_session, CLIENT) == PAYMENT
    assert source.get_task_count() == 3  # nothing published after the cancel
    again = Job.resume(job.id, journal=journal, session=store_session)
    assert again.wait(10).canceled == 2 and source.get_task_count() == 3
