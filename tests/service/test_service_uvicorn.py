"""A real uvicorn server on a free port (in a thread), driven over real HTTP with httpx."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from service_test_helpers import CallbackReceiver

from ogpu.service import BackgroundServer, Service, ServiceConfig, serve_in_background

TASK = "0x00000000000000000000000000000000000000bb"


@pytest.fixture
def server(service: Service) -> Iterator[BackgroundServer]:
    with serve_in_background(service, config=ServiceConfig()) as srv:
        yield srv


def test_real_server_sync_flow(server: BackgroundServer) -> None:
    assert server.port > 0
    with httpx.Client(base_url=server.url, timeout=10) as http:
        health = http.get("/health").json()
        assert health["handlers"] == ["add", "big", "boom", "shout"]

        ok = http.post(f"/run/add/{TASK}", json={"a": 20, "b": 22})
        assert ok.status_code == 200
        assert ok.json() == {"task_address": TASK, "status": "done", "result": {"total": 42}}

        bad = http.post(f"/run/add/{TASK}", json={"a": 1, "b": -5})
        assert bad.status_code == 422
        (err,) = bad.json()["detail"]
        assert err["loc"] == ["b"] and err["type"] == "greater_than_equal"

        boom = http.post(f"/run/boom/{TASK}", json={"text": "it"})
        assert boom.status_code == 500
        assert boom.json()["error"] == "ValueError: cannot handle it"
        assert http.get("/health").status_code == 200
        assert http.post(f"/run/shout/{TASK}", json={"text": "still up"}).json()["result"] == {
            "text": "STILL UP!"
        }

        missing = http.post(f"/run/missing/{TASK}", json={})
        assert missing.status_code == 404


def test_real_server_concurrent_requests(server: BackgroundServer) -> None:
    results: dict[int, int] = {}

    def call(i: int) -> None:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            results[i] = http.post(f"/run/add/{TASK}", json={"a": i, "b": i}).json()["result"][
                "total"
            ]

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert results == {i: 2 * i for i in range(8)}


def test_real_server_callback_mode(service: Service, receiver: CallbackReceiver) -> None:
    cfg = ServiceConfig(callback_url=receiver.url)
    with (
        serve_in_background(service, config=cfg) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as http,
    ):
        accepted = http.post(f"/run/add/{TASK}", json={"a": 3, "b": 4})
        assert accepted.status_code == 202
        assert accepted.json() == {"task_address": TASK, "status": "accepted"}
        done = receiver.get()
        assert done.path == f"/callback/{TASK}"
        assert done.body == {"total": 7}
        assert done.headers["x-ogpu-status"] == "done"
        assert done.headers["x-ogpu-task"] == TASK
        assert json.loads(json.dumps(done.body)) == {"total": 7}

        failed = http.post(f"/run/boom/{TASK}", json={"text": "later"})
        assert failed.status_code == 202
        error = receiver.get()
        assert error.path == f"/callback/{TASK}"
        assert error.headers["x-ogpu-status"] == "error"
        assert error.body == {
            "task_address": TASK,
            "status": "error",
            "error": "ValueError: cannot handle later",
        }
        assert http.get("/health").json()["status"] == "ok"


def test_callback_receiver_down_does_not_break_service(
    service: Service, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ogpu.service")
    dead = CallbackReceiver()
    url = dead.url
    dead.close()  # nothing listens there any more
    cfg = ServiceConfig(callback_url=url, callback_retries=0, callback_timeout=2)
    with (
        serve_in_background(service, config=cfg) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as http,
    ):
        assert http.post(f"/run/add/{TASK}", json={"a": 1, "b": 1}).status_code == 202
        assert http.post(f"/run/add/{TASK}?mode=sync", json={"a": 1, "b": 1}).json()["result"] == {
            "total": 2
        }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_module_entry_point_serves_demo_with_env_callback(receiver: CallbackReceiver) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "CALLBACK_URL": receiver.url,
        "SOURCE_ADDRESS": "0x000000000000000000000000000000000000c0de",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ogpu.service",
            "ogpu.devnet.demo_handlers",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=1).json()
                break
            except httpx.HTTPError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else b""
                assert time.monotonic() < deadline, "service did not come up"
                time.sleep(0.1)
        assert health["handlers"] == ["echo", "hash", "sentiment", "text_stats", "thumbnail"]
        assert health["callback"] is True
        assert health["source_address"] == env["SOURCE_ADDRESS"]
        resp = httpx.post(f"{base}/run/text_stats/{TASK}", json={"text": "One two. Three!"})
        assert resp.status_code == 202 and resp.json()["status"] == "accepted"
        got = receiver.get()
        assert got.path == f"/callback/{TASK}"
        assert got.body["words"] == 3 and got.body["sentences"] == 2
    finally:
        proc.terminate()
        proc.wait(10)
