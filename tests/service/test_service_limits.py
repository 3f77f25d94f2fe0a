"""Limits of ``ogpu.service`` against hostile callers: bind address, body size, task address,
in-flight jobs; and TCP_NODELAY on accepted connections. Real uvicorn on a free port."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from pydantic import BaseModel
from service_test_helpers import CallbackReceiver
from support.memory import memory_guard

from ogpu.service import Service, ServiceConfig, serve_in_background

TASK = "0x00000000000000000000000000000000000000bb"


class In(BaseModel):
    text: str = ""


class Out(BaseModel):
    text: str


def _slow_service(gate: threading.Event) -> Service:
    svc = Service("limits")

    @svc.expose
    def wait(data: In) -> Out:
        gate.wait(10)
        return Out(text=data.text)

    @svc.expose
    def echo(data: In) -> Out:
        return Out(text=data.text)

    return svc


def test_the_default_bind_address_is_loopback() -> None:
    assert ServiceConfig().host == "127.0.0.1"
    assert ServiceConfig.from_env({}).host == "127.0.0.1"
    assert ServiceConfig.from_env({"OGPU_SERVICE_HOST": "0.0.0.0"}).host == "0.0.0.0"


@pytest.fixture
def gate() -> Iterator[threading.Event]:
    g = threading.Event()
    yield g
    g.set()


def test_a_declared_oversized_body_is_refused_before_it_is_read(gate: threading.Event) -> None:
    cfg = ServiceConfig(max_body_bytes=1024)
    with serve_in_background(_slow_service(gate), config=cfg) as srv:
        with socket.create_connection((srv.host, srv.port), timeout=5) as sock:
            sock.sendall(
                f"POST /run/echo/{TASK}?mode=sync HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: application/json\r\nContent-Length: 83886080\r\n\r\n".encode()
            )
            # No body is sent: the answer must come from the header alone.
            head = sock.recv(4096).decode("latin-1")
        assert head.startswith("HTTP/1.1 413")


def test_a_streamed_oversized_body_is_cut_at_the_cap(gate: threading.Event) -> None:
    chunk = b"a" * 65536

    def body() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(1024):  # 64 MiB, never held whole by either side
            yield chunk

    cfg = ServiceConfig(max_body_bytes=256 * 1024)
    # The server runs in this process: the guard sees what it buffers.
    with (
        memory_guard(16 << 20),
        serve_in_background(_slow_service(gate), config=cfg) as srv,
        httpx.Client(base_url=srv.url, timeout=30) as http,
    ):
        try:
            resp = http.post(f"/run/echo/{TASK}?mode=sync", content=body())
            assert resp.status_code == 413
        except httpx.TransportError:
            pass  # the server closed the connection after answering 413
        ok = http.post(f"/run/echo/{TASK}?mode=sync", json={"text": "small"})
        assert ok.status_code == 200


@pytest.mark.parametrize(
    "task", ["0xabc", "not-an-address", "0x" + "g" * 40, "0x" + "1" * 41, "x" * 42]
)
def test_the_task_address_is_validated(
    gate: threading.Event, receiver: CallbackReceiver, task: str
) -> None:
    cfg = ServiceConfig(callback_url=receiver.url)
    with serve_in_background(_slow_service(gate), config=cfg) as srv:
        resp = httpx.post(f"{srv.url}/run/echo/{task}", json={"text": "hi"}, timeout=10)
        assert resp.status_code == 422
        assert resp.json()["status"] == "invalid"
        assert receiver.received.empty()


def test_background_jobs_are_bounded(gate: threading.Event, receiver: CallbackReceiver) -> None:
    cfg = ServiceConfig(callback_url=receiver.url, max_inflight=2)
    with (
        serve_in_background(_slow_service(gate), config=cfg) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as http,
    ):
        codes = [http.post(f"/run/wait/{TASK}", json={}).status_code for _ in range(2)]
        assert codes == [202, 202]
        busy = http.post(f"/run/wait/{TASK}", json={})
        assert busy.status_code == 503
        assert int(busy.headers["Retry-After"]) >= 1
        gate.set()
        receiver.get()
        receiver.get()
        deadline = time.monotonic() + 5
        while http.get("/health").json()["inflight"] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert http.post(f"/run/wait/{TASK}", json={}).status_code == 202


def _accepted_sockets(port: int) -> list[socket.socket]:
    found = []
    for name in os.listdir("/proc/self/fd"):
        try:
            s = socket.socket(fileno=os.dup(int(name)))
        except OSError:
            continue
        try:
            inet = s.family in (socket.AF_INET, socket.AF_INET6)
            if inet and s.type == socket.SOCK_STREAM and s.getsockname()[1] == port:
                s.getpeername()
                found.append(s)
                continue
        except OSError:
            pass
        s.close()
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_accepted_connections_have_tcp_nodelay(gate: threading.Event) -> None:
    with (
        serve_in_background(_slow_service(gate), config=ServiceConfig()) as srv,
        httpx.Client(base_url=srv.url, timeout=10) as http,
    ):
        assert http.post(f"/run/echo/{TASK}?mode=sync", json={}).status_code == 200
        accepted = _accepted_sockets(srv.port)
        try:
            assert accepted
            for s in accepted:
                assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        finally:
            for s in accepted:
                s.close()
