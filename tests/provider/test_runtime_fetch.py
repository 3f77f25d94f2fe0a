"""The runtime applies its fetch policy to the task config URL a client publishes (anvil)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any

from provider_helpers import LocalHTTP, dripping, json_reply, outcome, publish
from support.world import World

from ogpu.provider.fetch import FetchPolicy
from ogpu.types import DeliveryMethod


def _ok(h: BaseHTTPRequestHandler) -> None:
    json_reply(h, {"function_name": "echo", "data": {}})


def test_a_config_url_into_the_providers_network_is_never_fetched(
    store_world: World, make_runtime: Any
) -> None:
    srv = LocalHTTP(_ok)
    try:
        store_world.pair()
        store_world.fund()
        source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
        rt = make_runtime([source.address], fetch_policy=FetchPolicy())
        task = publish(store_world, source, config_url=f"{srv.origin}/cfg.json")
        assert outcome(rt, task) == "failed"
        assert srv.hits == []
        assert task.get_response_of(rt.address) is None
    finally:
        srv.close()


def test_a_dripping_config_server_costs_one_deadline(store_world: World, make_runtime: Any) -> None:
    stop = threading.Event()
    srv = LocalHTTP(dripping(stop))
    try:
        store_world.pair()
        store_world.fund()
        source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
        policy = FetchPolicy(allowed_origins=(srv.origin,), timeout=1.5)
        rt = make_runtime([source.address], fetch_policy=policy, retries=3)
        started = time.monotonic()
        task = publish(store_world, source, config_url=f"{srv.origin}/cfg.json")
        assert outcome(rt, task, timeout=15) == "failed"
        # One deadline for the task, shared by the retries: not retries x per-read timeouts.
        assert time.monotonic() - started < 6
        assert len(srv.hits) == 1
    finally:
        stop.set()
        srv.close()
