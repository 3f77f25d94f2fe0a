"""A job whose every JSON-RPC request goes through the fault proxy: replies of sends dropped
after the node got them, random 502s. Every input is still published exactly once."""

from __future__ import annotations

import os

import pytest
from faults.proxy import Fault, FaultProxy, Rule
from jobs_helpers import audit

from ogpu.chain.session import Session
from ogpu.jobs import run_job
from ogpu.types import DeliveryMethod


def faulty_job(store_session, store_net, journal, make_source, serve, size: int, seed: int) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    serve(source, slots=8)
    with FaultProxy(store_net.rpc_url, seed=seed, keep_bodies=False) as proxy:
        # a fixed few faults (the 2nd send's reply dropped, the 5th request a 502) besides the
        # random ones, so that every run meets both kinds whatever the threads' interleaving
        for method in ("eth_sendRawTransaction", "eth_sendRawTransactionSync"):
            proxy.add_rule(Rule(fault=Fault.DROP_REPLY, method=method, nth=2))
            proxy.add_rule(Rule(fault=Fault.DROP_REPLY, method=method, probability=0.3))
        proxy.add_rule(Rule(fault=Fault.HTTP_502, nth=5))
        proxy.add_rule(Rule(fault=Fault.HTTP_502, probability=0.05))
        session = Session(store_net.replace(rpc_url=proxy.url))
        job = run_job(
            source,
            "echo",
            [{"payload": i} for i in range(size)],
            payment=10**15,
            max_in_flight=8,
            journal=journal,
            session=session,
        )
        results = list(job.results(timeout=120))
        injected = proxy.injected.copy()
        session.close()
    assert [r["payload"] for r in results] == list(range(size))
    assert injected[Fault.DROP_REPLY] >= 1 and injected[Fault.HTTP_502] >= 1, injected
    chain = audit(store_session, source)
    assert chain.tasks == size and max(chain.per_input.values()) == 1
    st = job.status()
    assert (st.published, st.confirmed, st.spent) == (size, size, chain.spent)


def test_faulty_rpc_publishes_each_input_once(
    store_session, store_net, journal, make_source, serve
) -> None:
    faulty_job(store_session, store_net, journal, make_source, serve, size=8, seed=3)


@pytest.mark.soak
def test_soak_faulty_rpc(store_session, store_net, journal, make_source, serve) -> None:
    size = int(os.environ.get("OGPU_SOAK_SIZE", "200"))
    faulty_job(store_session, store_net, journal, make_source, serve, size=size, seed=size)
