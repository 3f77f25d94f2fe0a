"""Fault paths at the HTTP boundary (httpx.MockTransport) and one real socket timeout."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator

import httpx
import pytest
from support.memory import memory_guard

from ogpu.ipfs import (
    IPFSClient,
    IPFSContentMismatchError,
    IPFSFetchError,
    IPFSGatewayError,
    IPFSIntegrityError,
    IPFSSizeLimitError,
    KuboBackend,
    PinningBackend,
    cid_of,
)

HELLO = b"hello world\n"
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
HELLO_V1 = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"

MakeClient = Callable[..., tuple[IPFSClient, list[float]]]


def _serving(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, content=body)


# --- integrity -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        f"https://gw.test/ipfs/{HELLO_V0}",
        f"ipfs://{HELLO_V0}",
        HELLO_V0,
        f"https://gw.test/ipfs/{HELLO_V1}",
        f"https://{HELLO_V1}.ipfs.gw.test/",
    ],
)
def test_tampered_gateway_content_raises(mock_client: MakeClient, url: str) -> None:
    client, _ = mock_client(_serving(b"hello world!\n"))
    with pytest.raises(IPFSFetchError) as info:
        client.fetch_bytes(url)
    err = info.value
    assert isinstance(err, IPFSContentMismatchError) and isinstance(err, IPFSIntegrityError)
    assert err.expected_cid in (HELLO_V0, HELLO_V1)
    assert err.actual_cid == cid_of(b"hello world!\n")


def test_tampered_json_never_returned_by_fetch_json(mock_client: MakeClient) -> None:
    good = b'{"result":"positive"}'
    client, _ = mock_client(_serving(b'{"result":"negative"}'))
    with pytest.raises(IPFSFetchError):
        client.fetch_json(f"https://gw.test/ipfs/{cid_of(good)}")


def test_genuine_content_passes_and_unverifiable_urls_are_returned(mock_client: MakeClient) -> None:
    client, _ = mock_client(_serving(HELLO))
    assert client.fetch_bytes(f"https://gw.test/ipfs/{HELLO_V0}") == HELLO
    other, _ = mock_client(_serving(b"anything"))
    assert other.fetch_bytes(f"https://gw.test/ipfs/{HELLO_V0}/inner.txt") == b"anything"
    assert other.fetch_bytes("https://example.test/data.json") == b"anything"
    unchecked, _ = mock_client(_serving(b"tampered"), verify=False)
    assert unchecked.fetch_bytes(f"https://gw.test/ipfs/{HELLO_V0}") == b"tampered"


def test_bare_cid_goes_to_configured_gateway(mock_client: MakeClient) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=HELLO)

    client, _ = mock_client(handler)
    assert client.fetch_bytes(f"ipfs://{HELLO_V0}") == HELLO
    assert seen == [f"https://gw.test/ipfs/{HELLO_V0}"]


def test_unsupported_url_scheme(mock_client: MakeClient) -> None:
    client, _ = mock_client(_serving(b""))
    with pytest.raises(IPFSFetchError, match="not an http"):
        client.fetch_bytes("ftp://example.test/x")


# --- retries ---------------------------------------------------------------------------------------


def _sequence(
    *responses: httpx.Response | Exception,
) -> tuple[Callable[..., httpx.Response], list[int]]:
    calls = [0]
    items = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = items[min(calls[0], len(items) - 1)]
        calls[0] += 1
        if isinstance(item, Exception):
            raise item
        return item

    return handler, calls


def test_retries_on_503_then_succeeds(mock_client: MakeClient) -> None:
    handler, calls = _sequence(
        httpx.Response(503), httpx.Response(502), httpx.Response(200, content=HELLO)
    )
    client, sleeps = mock_client(handler, retries=2, backoff=0.1)
    assert client.fetch_bytes(f"https://gw.test/ipfs/{HELLO_V0}") == HELLO
    assert calls[0] == 3
    assert len(sleeps) == 2
    assert 0.05 <= sleeps[0] <= 0.15  # backoff * 2**0 * U(0.5, 1.5)
    assert 0.1 <= sleeps[1] <= 0.3  # backoff * 2**1 * U(0.5, 1.5)


def test_retries_exhausted_raise_gateway_error(mock_client: MakeClient) -> None:
    handler, calls = _sequence(httpx.Response(503, text="overloaded"))
    client, sleeps = mock_client(handler, retries=3)
    with pytest.raises(IPFSGatewayError) as info:
        client.fetch_bytes("https://gw.test/x")
    assert info.value.status_code == 503
    assert "overloaded" in str(info.value) and "4 attempts" in str(info.value)
    assert calls[0] == 4 and len(sleeps) == 3


def test_no_retry_on_400(mock_client: MakeClient) -> None:
    handler, calls = _sequence(httpx.Response(400, json={"error": "bad file"}))
    client, sleeps = mock_client(handler, retries=5)
    with pytest.raises(IPFSGatewayError) as info:
        client.publish({"a": 1})
    assert info.value.status_code == 400
    assert "bad file" in str(info.value)
    assert calls[0] == 1 and sleeps == []


def test_429_honours_retry_after(mock_client: MakeClient) -> None:
    handler, calls = _sequence(
        httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200, content=HELLO)
    )
    client, sleeps = mock_client(handler, backoff=0.01)
    assert client.fetch_bytes(HELLO_V0) == HELLO
    assert calls[0] == 2 and sleeps[0] >= 2


def test_connect_errors_retried_then_fetch_error(mock_client: MakeClient) -> None:
    handler, calls = _sequence(httpx.ConnectError("connection refused"))
    client, sleeps = mock_client(handler, retries=2)
    with pytest.raises(IPFSFetchError, match="ConnectError") as info:
        client.publish_bytes(b"data")
    assert not isinstance(info.value, IPFSGatewayError)
    assert calls[0] == 3 and len(sleeps) == 2


def test_connect_error_then_success_on_publish(mock_client: MakeClient) -> None:
    body = b'{"x":1}'
    link = f"https://gw.test/ipfs/{cid_of(body)}"
    handler, calls = _sequence(
        httpx.ConnectError("refused"), httpx.Response(201, json={"link": link})
    )
    client, _ = mock_client(handler)
    assert client.publish({"x": 1}) == link
    assert calls[0] == 2


def test_timeout_is_retried_then_reported(mock_client: MakeClient) -> None:
    handler, calls = _sequence(httpx.ReadTimeout("read timed out"))
    client, _ = mock_client(handler, retries=1, timeout=0.5)
    with pytest.raises(IPFSFetchError, match=r"timed out after 0\.5 s"):
        client.fetch_json("https://gw.test/a.json")
    assert calls[0] == 2


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    yield f"http://127.0.0.1:{srv.getsockname()[1]}"
    srv.close()


def test_real_socket_timeout(silent_server: str) -> None:
    with IPFSClient(
        PinningBackend(f"{silent_server}/file/create"), timeout=0.3, retries=1, backoff=0
    ) as client:
        start = time.monotonic()
        with pytest.raises(IPFSFetchError, match="timed out"):
            client.fetch_bytes(f"{silent_server}/ipfs/{HELLO_V0}")
        with pytest.raises(IPFSFetchError, match="timed out"):
            client.publish_bytes(b"x")
        assert time.monotonic() - start < 5


def test_deadline_stops_retrying(mock_client: MakeClient) -> None:
    handler, calls = _sequence(httpx.Response(503))
    client, _ = mock_client(handler, retries=10, backoff=1.0)
    with pytest.raises(IPFSGatewayError):
        client.fetch_bytes("https://gw.test/x", deadline=time.monotonic() + 0.5)
    assert calls[0] == 1  # the first backoff (>= 0.5 s) would cross the deadline
    with pytest.raises(IPFSFetchError, match="budget"):
        client.fetch_bytes("https://gw.test/x", deadline=time.monotonic() - 1)


# --- size limit ------------------------------------------------------------------------------------


def test_size_limit_by_content_length(mock_client: MakeClient) -> None:
    client, _ = mock_client(_serving(b"x" * 2048), max_fetch_bytes=1024)
    with pytest.raises(IPFSSizeLimitError) as info:
        client.fetch_bytes("https://gw.test/big")
    assert info.value.limit == 1024 and isinstance(info.value, IPFSFetchError)
    assert client.fetch_bytes("https://gw.test/big", max_bytes=4096) == b"x" * 2048


def test_size_limit_aborts_streaming_read(mock_client: MakeClient) -> None:
    produced = [0]

    def endless() -> Iterator[bytes]:
        while True:
            produced[0] += 1
            yield b"y" * 65536

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless())  # chunked: no Content-Length

    client, sleeps = mock_client(handler, max_fetch_bytes=256 * 1024, retries=3)
    with memory_guard(32 << 20), pytest.raises(IPFSSizeLimitError):  # endless if the cap breaks
        client.fetch_bytes("https://gw.test/stream")
    assert produced[0] <= 6 and sleeps == []  # aborted early, not retried


# --- publish answers -------------------------------------------------------------------------------


def test_publish_sends_official_multipart_shape(mock_client: MakeClient) -> None:
    seen: list[httpx.Request] = []
    body = b'{"data":{"x":1},"function_name":"f"}'

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"link": f"https://gw.test/ipfs/{cid_of(body)}"})

    client, _ = mock_client(handler)
    url = client.publish({"function_name": "f", "data": {"x": 1}}, "taskConfig.json")
    assert url == f"https://gw.test/ipfs/{cid_of(body)}"
    (req,) = seen
    assert req.method == "POST" and str(req.url) == "https://pin.test/file/create"
    assert req.headers["content-type"].startswith("multipart/form-data")
    raw = req.read()
    assert b'name="file"; filename="taskConfig.json"' in raw
    assert b"Content-Type: application/json" in raw
    assert body in raw


def test_publish_rejects_mismatching_link_cid(mock_client: MakeClient) -> None:
    wrong = cid_of(b"something else")
    handler, _ = _sequence(httpx.Response(200, json={"link": f"https://gw.test/ipfs/{wrong}"}))
    client, _ = mock_client(handler)
    with pytest.raises(IPFSContentMismatchError) as info:
        client.publish_bytes(HELLO)
    assert info.value.expected_cid == wrong and info.value.actual_cid == HELLO_V0


def test_publish_mismatch_warns_when_configured(
    mock_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    link = f"https://gw.test/ipfs/{cid_of(b'other')}"
    handler, _ = _sequence(httpx.Response(200, json={"link": link}))
    client, _ = mock_client(handler, on_cid_mismatch="warn")
    with caplog.at_level(logging.WARNING, logger="ogpu.ipfs"):
        assert client.publish_bytes(HELLO) == link
    assert "hashes to" in caplog.text


def test_publish_accepts_cidv1_link_of_same_content(mock_client: MakeClient) -> None:
    link = f"https://gw.test/ipfs/{HELLO_V1}"
    handler, _ = _sequence(httpx.Response(201, json={"link": link}))
    client, _ = mock_client(handler)
    assert client.publish_bytes(HELLO) == link


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, json={"url": "x"}),
        httpx.Response(200, text="not json"),
        httpx.Response(201, json=["link"]),
        httpx.Response(200, json={"link": ""}),
    ],
)
def test_publish_answer_without_link_is_gateway_error(
    mock_client: MakeClient, response: httpx.Response
) -> None:
    handler, _ = _sequence(response)
    client, _ = mock_client(handler)
    with pytest.raises(IPFSGatewayError, match="link"):
        client.publish({"a": 1})


def test_kubo_add_parses_streamed_answer_and_missing_hash() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v0/add"
        lines = [{"Name": "x", "Bytes": 12}, {"Name": "x", "Hash": HELLO_V0, "Size": "20"}]
        return httpx.Response(200, text="\n".join(json.dumps(o) for o in lines))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = IPFSClient(KuboBackend("http://kubo.test:5001"), gateway="http://gw.test", http=http)
    assert client.publish_bytes(HELLO) == f"http://gw.test/ipfs/{HELLO_V0}"

    bad = IPFSClient(
        KuboBackend("http://kubo.test:5001"),
        http=httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, json={}))),
    )
    with pytest.raises(IPFSGatewayError, match="Hash"):
        bad.publish_bytes(HELLO)


def test_fetch_json_errors(mock_client: MakeClient) -> None:
    client, _ = mock_client(_serving(b"{not json"))
    with pytest.raises(IPFSFetchError, match="invalid JSON"):
        client.fetch_json("https://gw.test/a.json")
    client2, _ = mock_client(_serving(b"[1, 2]"))
    with pytest.raises(IPFSFetchError, match="JSON object"):
        client2.fetch_json("https://gw.test/a.json")
    client3, _ = mock_client(lambda r: httpx.Response(404))
    with pytest.raises(IPFSGatewayError) as info:
        client3.fetch_json("https://gw.test/a.json")
    assert info.value.status_code == 404


def test_redirects_are_followed(mock_client: MakeClient) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "gw.test":
            return httpx.Response(301, headers={"Location": f"https://{HELLO_V1}.ipfs.sub.test/"})
        return httpx.Response(200, content=HELLO)

    client, _ = mock_client(handler)
    assert client.fetch_bytes(f"https://gw.test/ipfs/{HELLO_V0}") == HELLO


def test_publish_link_below_a_directory_is_not_compared(
    mock_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    link = f"https://gw.test/ipfs/{cid_of(b'a directory')}/data.json"
    handler, _ = _sequence(httpx.Response(200, json={"link": link}))
    client, _ = mock_client(handler)
    with caplog.at_level(logging.WARNING, logger="ogpu.ipfs"):
        assert client.publish({"a": 1}) == link
    assert "cannot be verified" in caplog.text


def test_slow_drip_body_stops_at_deadline(mock_client: MakeClient) -> None:
    def drip() -> Iterator[bytes]:
        while True:
            time.sleep(0.05)
            yield b"."

    client, _ = mock_client(lambda r: httpx.Response(200, content=drip()))
    start = time.monotonic()
    with pytest.raises(IPFSFetchError, match="budget"):
        client.fetch_bytes("https://gw.test/slow", deadline=time.monotonic() + 0.3)
    assert time.monotonic() - start < 2
