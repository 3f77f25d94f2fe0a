"""The journal and the policy parser, without a chain."""

from __future__ import annotations

from pathlib import Path

import pytest

from ogpu.jobs import Journal, Policy
from ogpu.types import JobError, JobNotFoundError


def test_what_is_recorded_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    j = Journal(path)
    j.create_job("j1", {"payment": 5}, [{"a": 1}, {"a": 2}], ["j1/0", "j1/1"])
    att = j.new_attempt("j1/0", 5, 1_000)
    j.record_signed(att.id, "0xS", {"nonce": 7, "type": 2}, "0xraw", "0xhash")
    j.close()

    again = Journal(path)
    assert again._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    (tx,) = again.txs(att.id)
    assert (tx.hash, tx.raw, tx.nonce, tx.fields["type"]) == ("0xhash", "0xraw", 7, 2)
    (a,) = again.attempts("j1/0")
    assert a.state == "signed" and again.committed("j1") == 5
    again.update_attempt(a.id, state="refunded", refunded=5)
    assert again.committed("j1") == 0
    assert [i.input for i in again.items("j1")] == [{"a": 1}, {"a": 2}]
    with pytest.raises(JobError, match="already exists"):
        again.create_job("j1", {}, [], [])
    with pytest.raises(JobNotFoundError):
        again.job("nope")
    with pytest.raises(ValueError, match="2\\*\\*63"):
        again.new_attempt("j1/1", 1 << 63, 1)


def test_policy_specs() -> None:
    assert Policy.parse(None) == Policy("first", 1)
    assert Policy.parse("cheapest") == Policy("cheapest", 2)
    assert str(Policy.parse("quorum:3")) == "quorum:3"
    for bad in ("quorum", "best", "quorum:0", "first:x"):
        with pytest.raises(ValueError):
            Policy.parse(bad)


def test_results_are_fetched_by_cid_from_our_store_not_the_url_host(
    store_session, journal: Journal
) -> None:
    from ogpu.ipfs.cid import parse_cid_from_url
    from ogpu.jobs import Job
    from ogpu.types import JobItemError

    url = store_session.ipfs.publish({"answer": 42}, "result.json")
    cid = parse_cid_from_url(url)
    journal.create_job("fetch", {}, [], [])
    job = Job.open("fetch", journal=journal, session=store_session)
    # a stranger's URL naming the right CID on a host we must never contact
    assert job._fetch(f"http://10.255.255.1:9/ipfs/{cid}") == {"answer": 42}
    for bad in (f"http://10.255.255.1/ipfs/{cid}/other.json", "https://example.com/result.json"):
        with pytest.raises(JobItemError, match="names no CID"):
            job._fetch(bad)


def test_a_replacement_respects_the_fee_cap(store_session, journal: Journal) -> None:
    import threading

    from ogpu.devnet.accounts import dev_account, dev_key
    from ogpu.jobs.runner import _Publisher

    journal.create_job("cap", {}, [{"a": 1}], ["cap/0"])
    att = journal.new_attempt("cap/0", 1, 1)
    sender = dev_account("client").address
    fields = {
        "chainId": store_session.chain_id,
        "nonce": 0,
        "to": sender,
        "data": "0x",
        "value": 0,
        "gas": 21000,
        "type": 2,
        "maxFeePerGas": 10**9 * 100,
        "maxPriorityFeePerGas": 10**9,
    }
    journal.record_signed(att.id, sender, fields, "0xraw", "0x01")
    (first,) = journal.txs(att.id)
    signer = store_session.resolve_signer(dev_key("client"))

    def publisher(cap: int) -> _Publisher:
        return _Publisher(
            journal,
            store_session,
            lambda: signer,
            stuck_after=1.0,
            max_fee_per_gas=cap,
            poll_interval=0.1,
            settle_timeout=1.0,
            halt=threading.Event(),
        )

    # a cap below the +10 % a replacement needs: no replacement is signed
    assert publisher(10**9 * 105).bump(att, first) is None
    assert len(journal.txs(att.id)) == 1
    bumped = publisher(10**9 * 1000).bump(att, first)
    assert bumped is not None and bumped.nonce == 0 and len(journal.txs(att.id)) == 2
    for field in ("maxFeePerGas", "maxPriorityFeePerGas"):
        assert bumped.fields[field] * 10 >= first.fields[field] * 11
    assert bumped.fields["maxFeePerGas"] <= 10**9 * 1000
