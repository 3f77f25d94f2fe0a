"""The provider runtime end to end against anvil (real contracts, real IPFS store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from provider_helpers import outcome, publish, wait_for
from support.world import World

from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.demo_handlers import demo_service
from ogpu.protocol import ZERO_ADDRESS, terminal
from ogpu.provider import ProviderSetupError, SourceBinding
from ogpu.types import DeliveryMethod, TaskStatus

P1 = dev_account("provider").address
P2 = dev_account("provider2").address


def test_first_response_task_is_answered(store_world: World, make_runtime) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt = make_runtime([source.address])
    assert source.get_registrant_id(P1) != 0
    base = json.loads(terminal.get_base_data_of(P1, session=store_world.session))
    assert "sentiment" in base["handlers"][source.address] and base["cpus"] >= 1
    task = publish(store_world, source, "sentiment", {"text": "this is great"})
    assert outcome(rt, task) == "responded"
    snap = task.snapshot()
    assert snap.status is TaskStatus.FINALIZED and snap.winning_provider == P1
    response = task.get_response_of(P1)
    assert response is not None
    data = store_world.session.ipfs.fetch_json(response.get_data())
    assert data == demo_service.run("sentiment", {"text": "this is great"})
    assert rt.stats()["done"] == 1 and rt.stats()["in_flight"] == 0


def test_manual_confirmation_two_providers_bid_and_respond(
    store_world: World, make_runtime
) -> None:
    from ogpu.client import confirm_response
    from ogpu.protocol import vault

    store_world.pair("provider", "master")
    store_world.pair("provider2", "master2")
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.MANUAL_CONFIRMATION)
    rt1 = make_runtime([source.address], "provider")
    rt2 = make_runtime([source.address], "provider2", bid_fraction=0.5)
    task = publish(store_world, source, "text_stats", {"text": "one two. three!"}, payment=10**16)
    assert outcome(rt1, task) == "responded" and outcome(rt2, task) == "responded"
    assert task.get_status() is TaskStatus.RESPONDED
    r1, r2 = task.get_response_of(P1), task.get_response_of(P2)
    assert r1 is not None and r2 is not None
    assert r1.get_params().payment == 10**16 and r2.get_params().payment == 5 * 10**15
    assert dict(nexus_bids(store_world, task)) == {P1: 10**16, P2: 5 * 10**15}
    # Same handler, same output: the second URL is made distinct, the content is the same.
    d1, d2 = r1.get_data(), r2.get_data()
    assert d1 != d2
    assert store_world.session.ipfs.fetch_json(d1) == store_world.session.ipfs.fetch_json(d2)
    # The client picks the cheaper one: master2 is paid the bid.
    master2 = dev_account("master2").address
    before = vault.get_balance_of(master2, session=store_world.session)
    confirm_response(r2.address, dev_key("client"), session=store_world.session)
    assert task.get_status() is TaskStatus.FINALIZED
    assert vault.get_balance_of(master2, session=store_world.session) - before == 5 * 10**15


def nexus_bids(world: World, task: Any) -> list[tuple[str, int]]:
    from ogpu.protocol import nexus

    return [
        (p, nexus.get_suggested_payment_of(task.address, p, session=world.session))
        for p in (P1, P2)
    ]


def test_first_response_race_has_one_winner_and_both_keep_going(
    store_world: World, make_runtime
) -> None:
    store_world.pair("provider", "master")
    store_world.pair("provider2", "master2")
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt1 = make_runtime([source.address], "provider")
    rt2 = make_runtime([source.address], "provider2")
    tasks = [publish(store_world, source, "hash", {"text": f"t{i}"}) for i in range(3)]
    for task in tasks:
        results = {outcome(rt1, task), outcome(rt2, task)}
        assert "responded" in results
        snap = task.snapshot()
        assert snap.status is TaskStatus.FINALIZED and snap.winning_provider in (P1, P2)
        assert len(task.get_responses()) == 1
    assert rt1.stats()["done"] + rt2.stats()["done"] == 3


def test_handler_failure_submits_nothing_and_the_runtime_keeps_going(
    store_world: World, make_runtime
) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt = make_runtime([source.address])
    bad = publish(store_world, source, "echo", {"payload": 1, "fail_with": "boom"})
    assert outcome(rt, bad) == "failed"
    assert bad.get_response_of(P1) is None and bad.get_attempter_id(P1) != 0
    unknown = publish(store_world, source, "no_such_handler", {})  # not served: never attempted
    assert outcome(rt, unknown).startswith("skipped: not attempted")
    assert unknown.get_attempter_id(P1) == 0 and unknown.get_status() is TaskStatus.NEW
    good = publish(store_world, source, "echo", {"payload": {"x": 1}})
    assert outcome(rt, good) == "responded"
    assert good.get_status() is TaskStatus.FINALIZED
    st = rt.stats()
    assert (st["done"], st["failed"], st["skipped"]) == (1, 1, 1)


def test_restart_catches_up_exactly_once(store_world: World, make_runtime, tmp_path: Path) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    state_dir = tmp_path / "shared-state"
    rt = make_runtime([source.address], state_dir=state_dir)
    first = publish(store_world, source, "hash", {"text": "before"})
    assert outcome(rt, first) == "responded"
    assert rt.stop() == []
    missed = [publish(store_world, source, "hash", {"text": f"down {i}"}) for i in range(3)]
    assert all(t.get_status() is TaskStatus.NEW for t in missed)
    rt2 = make_runtime([source.address], state_dir=state_dir)
    for t in missed:
        assert outcome(rt2, t) == "responded"
    for t in [first, *missed]:
        assert t.get_attempt_count() == 1 and len(t.get_responses()) == 1
    assert rt2.stats()["done"] == 3  # the first task was not looked at again


def test_expired_tasks_are_skipped(store_world: World, make_runtime, store_session) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    start = store_session.block_number()
    task = publish(store_world, source, "hash", {"text": "late"}, ttl=30)
    store_session.rpc("evm_increaseTime", [120])
    store_session.rpc("evm_mine", [])
    rt = make_runtime([source.address], from_block=start)
    assert outcome(rt, task).startswith("skipped: expires")
    assert task.get_attempt_count() == 0 and task.get_status() is TaskStatus.NEW
    fresh = publish(store_world, source, "hash", {"text": "on time"})
    assert outcome(rt, fresh) == "responded"


def test_never_submits_twice(
    store_world: World, make_runtime, tmp_path: Path, store_session
) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.MANUAL_CONFIRMATION)
    start = store_session.block_number()
    rt = make_runtime([source.address])
    task = publish(store_world, source, "hash", {"text": "once"})
    assert outcome(rt, task) == "responded"
    rt._enqueue(task.address)  # a duplicate event: ignored (handled set)
    assert rt.stats()["in_flight"] == 0
    # A second runtime with the same key but no memory (fresh state) replays the history: the
    # on-chain check sees our response and skips.
    rt2 = make_runtime([source.address], state_dir=tmp_path / "fresh", from_block=start)
    assert outcome(rt2, task) == "skipped: already responded"
    assert len(task.get_responses()) == 1 and task.get_attempt_count() == 1


def test_pairing_missing_fails_clearly_or_completes_with_master_key(
    store_world: World, make_runtime
) -> None:
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt = make_runtime([source.address], start=False)
    with pytest.raises(ProviderSetupError, match="has not announced provider"):
        rt.start()
    assert terminal.get_master_of(P1, session=store_world.session) == ZERO_ADDRESS
    rt2 = make_runtime([source.address], master_signer=dev_key("master"))
    assert terminal.get_master_of(P1, session=store_world.session) == dev_account("master").address
    assert source.get_registrant_id(P1) != 0 and rt2.running


def test_http_handler_and_live_data(store_world: World, make_runtime) -> None:
    from ogpu.service import serve_in_background

    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    with serve_in_background(demo_service) as server:
        rt = make_runtime([SourceBinding(source.address, server.url)], live_data_interval=0.2)
        task = publish(store_world, source, "text_stats", {"text": "a b c"})
        assert outcome(rt, task) == "responded"
        response = task.get_response_of(P1)
        assert response is not None
        assert store_world.session.ipfs.fetch_json(response.get_data())["words"] == 3

        def live() -> dict[str, Any] | None:
            raw = terminal.get_live_data_of(P1, session=store_world.session)
            data = json.loads(raw) if raw else None
            return data if data and data["done"] == 1 else None

        assert wait_for("live data", live)["failed"] == 0


def test_stop_drains_in_flight_and_abandons_after_the_timeout(
    store_world: World, make_runtime
) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt = make_runtime([source.address], slots=1)
    slow = publish(store_world, source, "echo", {"payload": 1, "sleep_seconds": 1.5})
    wait_for("attempt", lambda: slow.get_attempter_id(P1))
    queued = publish(store_world, source, "echo", {"payload": 2, "sleep_seconds": 1.5})
    wait_for("queued", lambda: rt.stats()["queued"] == 1)
    abandoned = rt.stop(drain_timeout=0.3)
    assert abandoned == [queued.address, slow.address]
    assert rt.state is not None and set(rt.state.pending) == {
        queued.address.lower(),
        slow.address.lower(),
    }


def test_abandoned_tasks_are_answered_after_a_restart(
    store_world: World, make_runtime, tmp_path: Path
) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    state_dir = tmp_path / "shared"
    rt = make_runtime([source.address], slots=1, state_dir=state_dir)
    slow = publish(store_world, source, "echo", {"payload": 1, "sleep_seconds": 1.0})
    wait_for("attempt", lambda: slow.get_attempter_id(P1))
    queued = publish(store_world, source, "echo", {"payload": 2})
    wait_for("queued", lambda: rt.stats()["queued"] == 1)
    assert set(rt.stop(drain_timeout=0.1)) == {slow.address, queued.address}
    wait_for("the abandoned handler thread", lambda: rt.stats()["running"] == 0, 5)
    assert slow.get_response_of(P1) is None  # abandoned before submitting
    rt2 = make_runtime([source.address], state_dir=state_dir)
    assert outcome(rt2, slow) == "responded" and outcome(rt2, queued) == "responded"
    for t in (slow, queued):
        assert t.get_attempt_count() == 1 and len(t.get_responses()) == 1


def test_tasks_below_the_minimum_payment_are_skipped(store_world: World, make_runtime) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    rt = make_runtime([source.address], min_payment=5 * 10**15)
    cheap = publish(store_world, source, "hash", {"text": "cheap"}, payment=10**15)
    assert outcome(rt, cheap).startswith("skipped: payment")
    assert cheap.get_attempt_count() == 0
    fair = publish(store_world, source, "hash", {"text": "fair"}, payment=10**16)
    assert outcome(rt, fair) == "responded"
