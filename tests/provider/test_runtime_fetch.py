"""The runtime applies its fetch policy to the task config URL a client publishes (anvil)."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from provider_helpers import outcome, publish
from support.world import World

from ogpu.provider.fetch import FetchPolicy
from ogpu.types import DeliveryMethod


def _server(behave: Any) -> tuple[ThreadingHTTPServer, list[str]]:
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            hits.append(self.path)
            behave(self)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, hits


def _ok(h: BaseHTTPRequestHandler) -> None:
    body = b'{"function_name": "echo", "data": {}}'
    h.send_response(200)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def test_a_config_url_into_the_providers_network_is_never_fetched(
    pworld: World, make_runtime: Any
) -> None:
    httpd, hits = _server(_ok)
    try:
        pworld.pair()
        pworld.fund()
        source = pworld.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
        rt = make_runtime([source.address], fetch_policy=FetchPolicy())
        port = httpd.server_address[1]
        task = publish(pworld, source, config_url=f"http://127.0.0.1:{port}/cfg.json")
        assert outcome(rt, task) == "failed"
        assert hits == []
        assert task.get_response_of(rt.address) is None
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_dripping_config_server_costs_one_deadline(pworld: World, make_runtime: Any) -> None:
    stop = threading.Event()

    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        while not stop.is_set():
            try:
                h.wfile.write(b" ")
                h.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)

    httpd, hits = _server(drip)
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        pworld.pair()
        pworld.fund()
        source = pworld.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
        policy = FetchPolicy(allowed_origins=(origin,), timeout=1.5)
        rt = make_runtime([source.address], fetch_policy=policy, retries=3)
        started = time.monotonic()
        task = publish(pworld, source, config_url=f"{origin}/cfg.json")
        assert outcome(rt, task, timeout=15) == "failed"
        # One deadline for the task, shared by the retries: not retries x per-read timeouts.
        assert time.monotonic() - started < 6
        assert len(hits) == 1
    finally:
        stop.set()
        httpd.shutdown()
        httpd.server_close()
