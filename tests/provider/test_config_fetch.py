"""The provider's fetch of a client-chosen task-config URL: destination policy, deadline, size.

Real local HTTP servers; names resolve through a stub resolver passed to the fetcher (the
transport boundary), so no test touches a real network.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from provider_helpers import Behaviour, LocalHTTP, dripping, json_reply
from support.memory import memory_guard

from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.ipfs import cid_of, encode_payload
from ogpu.provider.fetch import (
    ConfigFetchError,
    DestinationRefusedError,
    FetchPolicy,
    fetch_task_config,
    is_public_address,
)


@pytest.fixture
def serve() -> Iterator[Callable[[Behaviour], LocalHTTP]]:
    servers: list[LocalHTTP] = []

    def make(behave: Behaviour) -> LocalHTTP:
        servers.append(LocalHTTP(behave))
        return servers[-1]

    yield make
    for s in servers:
        s.close()


CONFIG = {"function_name": "echo", "data": {"x": 1}}


@pytest.mark.parametrize(
    "addr",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.9",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fd00::1",
        "fe80::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_non_public_addresses_are_not_public(addr: str) -> None:
    assert not is_public_address(addr)


@pytest.mark.parametrize("addr", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_are_public(addr: str) -> None:
    assert is_public_address(addr)


def test_metadata_endpoint_name_is_refused_before_connecting() -> None:
    calls: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append((host, port))
        return ["169.254.169.254"]

    with pytest.raises(DestinationRefusedError, match=r"169\.254\.169\.254"):
        fetch_task_config(
            "http://metadata.test/latest/meta-data/", policy=FetchPolicy(resolver=resolver)
        )
    assert calls == [("metadata.test", 80)]


def test_every_resolved_address_is_checked() -> None:
    policy = FetchPolicy(resolver=lambda h, p: ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(DestinationRefusedError, match=r"10\.0\.0\.7"):
        fetch_task_config("https://cfg.test/task.json", policy=policy)


def test_a_stuck_resolver_costs_no_more_than_the_deadline() -> None:
    release = threading.Event()

    def stuck(host: str, port: int) -> list[str]:
        release.wait(10)
        return ["93.184.216.34"]

    started = time.monotonic()
    try:
        with pytest.raises(ConfigFetchError, match="deadline"):
            fetch_task_config("http://slow.test/", policy=FetchPolicy(resolver=stuck, timeout=0.5))
        assert time.monotonic() - started < 1.5
    finally:
        release.set()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:1/x",
        "http://[::1]:1/x",
        "http://[::ffff:127.0.0.1]:1/x",
        "http://2130706433:1/x",
        "file:///etc/passwd",
        "ftp://example.com/x",
    ],
)
def test_literal_private_or_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigFetchError):
        fetch_task_config(url, policy=FetchPolicy())


def test_allowlisted_origin_is_fetched_through_the_pinned_address(serve: Any) -> None:
    seen_hosts: list[str] = []

    def ok(h: BaseHTTPRequestHandler) -> None:
        seen_hosts.append(h.headers["Host"])
        json_reply(h, CONFIG)

    srv = serve(ok)
    policy = FetchPolicy(
        allowed_origins=(f"http://store.test:{srv.port}",),
        resolver=lambda h, p: ["127.0.0.1"],
    )
    assert fetch_task_config(f"http://store.test:{srv.port}/cfg", policy=policy) == CONFIG
    assert seen_hosts == [f"store.test:{srv.port}"]


def test_loopback_server_is_refused_without_allowlist(serve: Any) -> None:
    srv = serve(lambda h: json_reply(h, CONFIG))
    with pytest.raises(DestinationRefusedError):
        fetch_task_config(f"{srv.origin}/cfg", policy=FetchPolicy())
    assert srv.hits == []


def test_redirect_into_loopback_is_refused(serve: Any) -> None:
    target = serve(lambda h: json_reply(h, CONFIG))

    def redirect(h: BaseHTTPRequestHandler) -> None:
        h.send_response(302)
        h.send_header("Location", f"{target.origin}/secret")
        h.send_header("Content-Length", "0")
        h.end_headers()

    first = serve(redirect)
    policy = FetchPolicy(allowed_origins=(first.origin,))
    with pytest.raises(DestinationRefusedError, match=r"127\.0\.0\.1"):
        fetch_task_config(f"{first.origin}/cfg", policy=policy)
    assert first.hits == ["/cfg"] and target.hits == []


def test_redirects_are_bounded(serve: Any) -> None:
    def loop(h: BaseHTTPRequestHandler) -> None:
        h.send_response(307)
        h.send_header("Location", "/again")
        h.send_header("Content-Length", "0")
        h.end_headers()

    srv = serve(loop)
    policy = FetchPolicy(allowed_origins=(srv.origin,), max_redirects=3)
    with pytest.raises(ConfigFetchError, match="redirect"):
        fetch_task_config(f"{srv.origin}/cfg", policy=policy)
    assert len(srv.hits) == 4


def test_a_dripping_server_is_cut_at_the_total_deadline(serve: Any) -> None:
    stop = threading.Event()
    srv = serve(dripping(stop))
    policy = FetchPolicy(allowed_origins=(srv.origin,), timeout=1.0)
    started = time.monotonic()
    try:
        with pytest.raises(ConfigFetchError, match="deadline"):
            fetch_task_config(f"{srv.origin}/cfg", policy=policy)
    finally:
        stop.set()
    assert time.monotonic() - started < 2.0


def test_a_stalled_server_is_cut_at_the_total_deadline(serve: Any) -> None:
    stop = threading.Event()

    def stall(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100")
        h.end_headers()
        h.wfile.write(b"{")
        h.wfile.flush()
        stop.wait(10)

    srv = serve(stall)
    started = time.monotonic()
    try:
        with pytest.raises(ConfigFetchError, match="deadline"):
            fetch_task_config(
                f"{srv.origin}/cfg",
                policy=FetchPolicy(allowed_origins=(srv.origin,), timeout=0.8),
            )
    finally:
        stop.set()
    assert time.monotonic() - started < 1.6


def test_the_size_is_capped(serve: Any) -> None:
    def big(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.end_headers()  # no length: the cap must hold while streaming
        for _ in range(64):
            h.wfile.write(b" " * 65536)

    srv = serve(big)
    policy = FetchPolicy(allowed_origins=(srv.origin,), max_bytes=100_000)
    with memory_guard(16 << 20), pytest.raises(ConfigFetchError, match="100000"):
        fetch_task_config(f"{srv.origin}/cfg", policy=policy)


def test_a_cid_url_is_read_through_the_configured_store(tmp_path: Path) -> None:
    with IPFSStore(tmp_path / "store") as store:
        store.start()
        client = store.client()
        url = client.publish(CONFIG, "taskConfig.json")
        cid = cid_of(encode_payload(CONFIG))
        assert cid in url
        # The host named by the client is never contacted: the CID goes to our own store.
        hostile = f"http://169.254.169.254/ipfs/{cid}"
        assert fetch_task_config(hostile, policy=FetchPolicy(), ipfs=client) == CONFIG
        assert fetch_task_config(f"ipfs://{cid}", policy=FetchPolicy(), ipfs=client) == CONFIG
