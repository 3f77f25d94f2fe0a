"""Outcomes of a job's tasks on a devnet with two providers: quorum, validator rejection,
expiry + re-publish, budget stop."""

from __future__ import annotations

import time

from jobs_helpers import audit, balance

from ogpu.devnet.accounts import dev_account
from ogpu.jobs import run_job
from ogpu.types import BudgetExceededError, DeliveryMethod, JobItemError, TaskStatus

CLIENT = dev_account("client").address
P1 = dev_account("provider").address
P2 = dev_account("provider2").address
PAYMENT = 10**16


def test_quorum_confirms_the_cheapest_of_two_identical_answers(
    store_session, journal, make_source, serve
) -> None:
    source = make_source(DeliveryMethod.MANUAL_CONFIRMATION)
    serve(source, names=("provider",), bid=6 * 10**15)
    serve(source, names=("provider2",), bid=4 * 10**15)
    before = balance(store_session, CLIENT)
    texts = ["one two three", "four five"]
    job = run_job(
        source,
        "text_stats",
        [{"text": t} for t in texts],
        payment=PAYMENT,
        policy="quorum:2",
        journal=journal,
        session=store_session,
    )
    results = list(job.results(timeout=60))
    assert [r["words"] for r in results] == [3, 2]
    for att in journal.job_attempts(job.id):
        rows = journal.responses(att.id)
        # both answers were seen before confirming: a confirmed task takes no more responses
        assert len(rows) == 2 and len({r[3] for r in rows}) == 1
        confirmed = [r for r in rows if r[4] == "confirmed"]
        assert [(r[1], r[2]) for r in confirmed] == [(P2, 4 * 10**15)]
    st = job.status()
    assert (st.paid, st.refunded, st.escrowed) == (8 * 10**15, 12 * 10**15, 0)
    chain = audit(store_session, source)
    assert (chain.paid, chain.refunded) == (st.paid, st.refunded)
    assert before - balance(store_session, CLIENT) == st.paid


def test_validator_rejects_a_wrong_answer_and_confirms_the_right_one(
    store_session, journal, make_source, serve
) -> None:
    source = make_source(DeliveryMethod.MANUAL_CONFIRMATION)
    serve(source, names=("provider",), handler="job_handlers:bad")
    serve(source, names=("provider2",), handler="job_handlers:good")
    inputs = [{"a": 2, "b": 2}, {"a": 10, "b": 4}]
    job = run_job(
        source,
        "add",
        inputs,
        payment=PAYMENT,
        validator=lambda doc: doc.get("total", 1) % 2 == 0,  # the inputs' sums are even
        journal=journal,
        session=store_session,
    )
    assert [r["total"] for r in job.results(timeout=60)] == [4, 14]
    verdicts = {
        (r[1], r[4]) for att in journal.job_attempts(job.id) for r in journal.responses(att.id)
    }
    assert (P1, "rejected") in verdicts and (P2, "confirmed") in verdicts
    assert (P1, "confirmed") not in verdicts


def test_an_expired_task_is_refunded_and_published_again(
    store_session, journal, make_source, serve
) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    before = balance(store_session, CLIENT)
    job = run_job(
        source,
        "echo",
        [{"payload": "late"}],
        payment=PAYMENT,
        expires_in=30,
        retries=1,
        journal=journal,
        session=store_session,
    )
    key = f"{job.id}/0"

    def attempts():
        return journal.attempts(key)

    deadline = time.monotonic() + 20
    while not (attempts() and attempts()[0].task):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    store_session.rpc("evm_increaseTime", [60])
    store_session.rpc("evm_mine", [])
    while len(attempts()) < 2 or not attempts()[1].task:
        assert time.monotonic() < deadline, attempts()
        time.sleep(0.05)
    serve(source, from_block=0)
    assert [r["payload"] for r in job.results(timeout=30)] == ["late"]
    first, second = attempts()
    assert first.state == "refunded" and first.refunded == PAYMENT
    assert second.state == "confirmed" and second.paid == PAYMENT
    statuses = [t.get_status() for t in source.get_tasks()]
    assert statuses == [TaskStatus.CANCELED, TaskStatus.FINALIZED]
    st = job.status()
    assert (st.published, st.spent, st.paid, st.refunded) == (2, 2 * PAYMENT, PAYMENT, PAYMENT)
    assert before - balance(store_session, CLIENT) == PAYMENT


def test_the_budget_stops_publishing_before_anything_is_sent(
    store_session, journal, make_source, serve
) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    serve(source)
    job = source.map(
        "echo",
        [{"payload": i} for i in range(5)],
        payment=PAYMENT,
        budget=3 * PAYMENT,
        max_in_flight=1,
        journal=journal,
    )
    out = list(job.results(return_exceptions=True, timeout=60))
    assert [r["payload"] for r in out[:3]] == [0, 1, 2]
    assert all(isinstance(e, JobItemError) and e.kind == "BudgetExceededError" for e in out[3:])
    assert source.get_task_count() == 3
    st = job.status()
    assert (st.published, st.spent, st.failed) == (3, 3 * PAYMENT, 2)
    assert issubclass(BudgetExceededError, Exception)
