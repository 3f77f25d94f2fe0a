"""The HTTP face of ogpu.service through FastAPI's TestClient (in-process ASGI)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_test_helpers import CallbackReceiver, TestClient

from ogpu.service import Service, ServiceConfig, create_app

TASK = "0x00000000000000000000000000000000000000aa"


@pytest.fixture
def client(service: Service) -> Iterator[TestClient]:
    with TestClient(create_app(service, ServiceConfig())) as c:
        yield c


def test_health_lists_handlers(client: TestClient) -> None:
    resp = client.get("/health")
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["handlers"] == ["add", "big", "boom", "shout"]
    assert body["callback"] is False


def test_sync_run_without_callback_url(client: TestClient) -> None:
    resp = client.post(f"/run/add/{TASK}", json={"a": 40, "b": 2})
    assert resp.status_code == 200
    assert resp.json() == {"task_address": TASK, "status": "done", "result": {"total": 42}}
    resp = client.post(f"/run/shout/{TASK}", json={"text": "async handler"})
    assert resp.json()["result"] == {"text": "ASYNC HANDLER!"}


def test_invalid_input_is_422_with_details(client: TestClient) -> None:
    resp = client.post(f"/run/add/{TASK}", json={"a": "x"})
    assert resp.status_code == 422
    body = resp.json()
    assert body["status"] == "invalid"
    assert body["task_address"] == TASK
    by_loc = {tuple(e["loc"]): e["type"] for e in body["detail"]}
    assert by_loc == {("a",): "int_parsing", ("b",): "missing"}


def test_malformed_json_is_422(client: TestClient) -> None:
    resp = client.post(
        f"/run/add/{TASK}", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 422
    assert resp.json()["detail"][0]["type"] == "json_invalid"


def test_handler_error_is_500_and_service_survives(client: TestClient) -> None:
    resp = client.post(f"/run/boom/{TASK}", json={"text": "that"})
    assert resp.status_code == 500
    assert resp.json() == {
        "task_address": TASK,
        "status": "error",
        "error": "ValueError: cannot handle that",
    }
    assert client.get("/health").json()["status"] == "ok"
    assert client.post(f"/run/add/{TASK}", json={"a": 1, "b": 1}).json()["result"] == {"total": 2}


def test_unknown_function_is_404(client: TestClient) -> None:
    resp = client.post(f"/run/nope/{TASK}", json={})
    assert resp.status_code == 404
    assert resp.json()["status"] == "not_found"
    assert resp.json()["handlers"] == ["add", "big", "boom", "shout"]


def test_output_cap_over_http(service: Service) -> None:
    with TestClient(create_app(service, ServiceConfig(max_output_bytes=64))) as client:
        resp = client.post(f"/run/big/{TASK}", json={"a": 100, "b": 0})
    assert resp.status_code == 500
    assert resp.json()["error"].startswith("OutputTooLargeError: output of 'big' is 111 bytes")


def test_async_mode_needs_callback_url(client: TestClient) -> None:
    resp = client.post(f"/run/add/{TASK}?mode=async", json={"a": 1, "b": 1})
    assert resp.status_code == 400
    assert "CALLBACK_URL" in resp.json()["error"]
    assert client.post(f"/run/add/{TASK}?mode=later", json={}).status_code == 400


def test_handlers_endpoint_describes_models(client: TestClient) -> None:
    body = client.get("/handlers").json()["functions"]
    assert [h["name"] for h in body] == ["add", "big", "boom", "shout"]
    assert body[0]["input_schema"]["required"] == ["a", "b"]


def test_callback_url_makes_async_the_default(service: Service, receiver: CallbackReceiver) -> None:
    cfg = ServiceConfig(callback_url=receiver.url)
    with TestClient(create_app(service, cfg)) as client:
        resp = client.post(f"/run/add/{TASK}", json={"a": 2, "b": 5})
        assert resp.status_code == 202
        assert resp.json() == {"task_address": TASK, "status": "accepted"}
        got = receiver.get()
        assert got.path == f"/callback/{TASK}"
        assert got.body == {"total": 7}
        assert got.headers["x-ogpu-status"] == "done"
        # sync is still available on demand, by query or header
        resp = client.post(f"/run/add/{TASK}?mode=sync", json={"a": 1, "b": 1})
        assert resp.status_code == 200 and resp.json()["result"] == {"total": 2}
        resp = client.post(
            f"/run/add/{TASK}", json={"a": 2, "b": 2}, headers={"X-OGPU-Mode": "sync"}
        )
        assert resp.status_code == 200 and resp.json()["result"] == {"total": 4}
        # invalid input is refused before acceptance, no callback
        assert client.post(f"/run/add/{TASK}", json={"a": 1}).status_code == 422
    assert receiver.received.empty()
