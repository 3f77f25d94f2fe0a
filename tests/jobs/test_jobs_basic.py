"""A job end to end on the test deployment: results, status, money, journal rows."""

from __future__ import annotations

from ogpu.jobs import Job, run_job
from ogpu.protocol import vault
from ogpu.devnet.accounts import dev_account
from ogpu.types import DeliveryMethod

CLIENT = dev_account("client").address


def test_first_response_job_returns_every_result_in_order(
    jsession, journal, make_source, serve
) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    serve(source)
    before = vault.get_balance_of(CLIENT, session=jsession)
    inputs = [{"payload": {"n": i}} for i in range(6)]
    job = run_job(source, "echo", inputs, payment=10**16, journal=journal, session=jsession)
    results = list(job.results(timeout=60))
    assert [r["payload"] for r in results] == [{"n": i} for i in range(6)]
    st = job.wait(10)
    assert st.finished and st.confirmed == 6 and st.published == 6
    assert st.spent == 6 * 10**16 and st.paid == st.spent and st.refunded == 0
    after = vault.get_balance_of(CLIENT, session=jsession)
    assert before - after == st.spent - st.refunded
    assert source.get_task_count() == 6
