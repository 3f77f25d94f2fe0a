"""Helpers for the provider tests (plain functions)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from support.world import World

from ogpu.chain.session import Session
from ogpu.devnet.accounts import dev_key
from ogpu.protocol import Source, Task, controller
from ogpu.provider import ProviderRuntime
from ogpu.types import TaskParams

T = TypeVar("T")


def publish(
    world: World,
    source: Source,
    function_name: str = "sentiment",
    data: dict[str, Any] | None = None,
    *,
    payment: int = 10**16,
    ttl: int = 3600,
    config_url: str | None = None,
) -> Task:
    """Upload a task config (unless ``config_url`` is given) and publish a task on ``source``."""
    s: Session = world.session
    url = config_url or s.ipfs.publish(
        {"function_name": function_name, "data": data if data is not None else {"text": "great"}},
        "taskConfig.json",
    )
    params = TaskParams(
        source=source.address, config=url, expiryTime=s.timestamp() + ttl, payment=payment
    )
    receipt = controller.publish_task(params, signer=dev_key("client"), session=s)
    return Task(controller.extract_task_address(receipt, session=s), s)


def wait_for(what: str, fn: Callable[[], T | None], timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def outcome(rt: ProviderRuntime, task: Task, timeout: float = 20.0) -> str:
    """Wait until the runtime has finished ``task``; its outcome (``responded``, ``failed``…)."""
    assert rt.state is not None
    state = rt.state
    return wait_for(f"outcome of {task.address}", lambda: state.outcome(task.address), timeout)


Behaviour = Callable[[BaseHTTPRequestHandler], None]


class LocalHTTP:
    """A real HTTP server on 127.0.0.1 whose GET answer is ``behave(handler)``; records paths."""

    def __init__(self, behave: Behaviour) -> None:
        self.hits: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.hits.append(self.path)
                behave(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def json_reply(h: BaseHTTPRequestHandler, obj: Any) -> None:
    body = json.dumps(obj).encode()
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def dripping(stop: threading.Event) -> Behaviour:
    """Announce 100 000 bytes, then send one every 50 ms until ``stop``."""

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

    return drip
