"""Untrusted content: IPFS content that does not match its CID is rejected end to end; response
payloads are size-capped and parsed safely; URLs in on-chain metadata are fetched only on request.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from faults.proxy import Fault, FaultProxy, Rule
from support.reliability import client_network
from support.world import World

import ogpu.client as client
from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.events import get_past_response_submitted, get_past_source_published
from ogpu.ipfs import IPFSClient, cid_of
from ogpu.ipfs.errors import IPFSContentMismatchError, IPFSSizeLimitError
from ogpu.protocol import Response, Source, Task, nexus
from ogpu.types import IPFSError, ResponseParams


class Sentinel:
    """A local HTTP server that counts every request it gets (answers ``{}``)."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        sentinel = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                sentinel.hits.append(self.path)
                body = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sentinel() -> Iterator[Sentinel]:
    s = Sentinel()
    try:
        yield s
    finally:
        s.close()


def _respond(world: World, task: Task, data: str, payment: int = 10**16) -> Response:
    params = ResponseParams(
        task=task.address, provider=dev_account("provider").address, data=data, payment=payment
    )
    receipt = nexus.submit_response(params, signer=dev_key("provider"), session=world.session)
    return Response(nexus.extract_response_address(receipt, session=world.session), world.session)


def _pinned(store: Any, payload: bytes) -> str:
    ipfs = IPFSClient(gateway=store.url)
    from ogpu.ipfs.backends import PinningBackend

    ipfs = IPFSClient(PinningBackend(f"{store.url}/file/create"), gateway=store.url)
    url: str = ipfs.publish_bytes(payload, "response.json", "application/json")
    return url


def test_tampered_ipfs_content_is_rejected_end_to_end(
    anvil: Any, deployment: Any, store: Any, world: World
) -> None:
    payload = json.dumps({"result": 42}).encode()
    cid = cid_of(payload)
    _pinned(store, payload)
    _, task = world.ready_task()
    world.attempt(task)
    with FaultProxy(store.url) as gateway:
        # the response names its content by CID; the reader's gateway is the tampering proxy
        response = _respond(world, task, f"ipfs://{cid}")
        s = Session(client_network(deployment, anvil.url, gateway.url))
        r = Response(response.address, s)
        assert r.fetch_data() == {"result": 42}  # honest gateway: verified and returned
        gateway.add_rule(Rule(Fault.TAMPER, path="/ipfs/", every=True))
        with pytest.raises(IPFSContentMismatchError) as info:
            r.fetch_data()
        assert info.value.expected_cid == cid and info.value.actual_cid != cid
        # a URL that names the (hostile) gateway itself is verified just the same
        with pytest.raises(IPFSContentMismatchError):
            s.ipfs.fetch_json(f"{gateway.url}/ipfs/{cid}")
        assert gateway.injected[Fault.TAMPER] >= 2
        s.close()


def test_response_payloads_are_size_capped(
    anvil: Any, deployment: Any, store: Any, world: World
) -> None:
    big = json.dumps({"blob": "x" * 300_000}).encode()
    url = _pinned(store, big)
    _, task = world.ready_task()
    world.attempt(task)
    response = _respond(world, task, url)
    small = IPFSClient(gateway=store.url, max_fetch_bytes=100_000)
    s = Session(client_network(deployment, anvil.url, store.url), ipfs=small)
    with pytest.raises(IPFSSizeLimitError):
        Response(response.address, s).fetch_data()
    s.close()


def test_huge_numbers_in_payloads_are_refused_typed(
    anvil: Any, deployment: Any, store: Any, world: World
) -> None:
    url = _pinned(store, b'{"n": ' + b"9" * 50_000 + b"}")
    _, task = world.ready_task()
    world.attempt(task)
    response = _respond(world, task, url)
    s = Session(client_network(deployment, anvil.url, store.url))
    with pytest.raises(IPFSError):
        Response(response.address, s).fetch_data()
    s.close()


DEEP_SCRIPT = """
import sys, httpx
import ogpu.chain  # the SDK as a user imports it (web3 and py_ecc are not loaded)
from ogpu.ipfs import IPFSClient, cid_of
from ogpu.types import OGPUError
depth = int(sys.argv[1])
payload = b'{"a":' * depth + b"1" + b"}" * depth
http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=payload)))
ipfs = IPFSClient(gateway="http://gw.test", http=http, retries=0)
try:
    ipfs.fetch_json("http://gw.test/ipfs/" + cid_of(payload))
except OGPUError as exc:
    print("typed", type(exc).__name__)
except BaseException as exc:
    print("untyped", type(exc).__name__)
print("recursion limit", sys.getrecursionlimit())
"""


def _fetch_deep(depth: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", DEEP_SCRIPT, str(depth)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deeply_nested_payload_is_refused_typed() -> None:
    """Run in a child process, so a regression (a C-stack overflow) cannot take the suite down."""
    proc = _fetch_deep(100_000)
    assert proc.returncode == 0, f"child died with {proc.returncode}: {proc.stderr[-300:]}"
    assert "typed" in proc.stdout and "untyped" not in proc.stdout, proc.stdout


def test_moderately_nested_payload_does_not_crash() -> None:
    """Nesting a bit past Python's default limit: the child survives (typed or parsed), and
    importing the SDK left the interpreter's recursion limit alone (web3 raises it to 100000 on
    import, which turns deep JSON into a C-stack overflow; the SDK no longer imports web3)."""
    proc = _fetch_deep(3_000)
    assert proc.returncode == 0, proc.stderr[-300:]
    assert "recursion limit 1000\n" in proc.stdout


def test_metadata_urls_are_fetched_only_on_request(
    anvil: Any, deployment: Any, store: Any, sentinel: Sentinel, world: World
) -> None:
    import asyncio

    world.pair()
    source = world.publish_source(imageMetadataUrl=sentinel.url("meta.json"))
    world.fund()
    world.register(source)
    task = world.publish_task(source)
    world.attempt(task)
    response = _respond(world, task, sentinel.url("response.json"))
    s = Session(client_network(deployment, anvil.url, store.url))
    # everything a reader does without asking for content
    src = Source.load(source.address, s)
    src.snapshot()
    src.get_params()
    src.get_tasks()
    t = Task.load(task.address, s)
    t.snapshot()
    t.get_params()
    responses = t.get_responses()
    client.get_task_responses(task.address, session=s)
    r = Response.load(response.address, s)
    r.snapshot()
    r.get_data()
    repr(src), repr(t), repr(r), str(responses)
    asyncio.run(get_past_source_published(session=s, from_block=0))
    asyncio.run(get_past_response_submitted(session=s, from_block=0))
    assert sentinel.hits == []
    # and on request they are fetched (the sentinel works)
    assert src.get_metadata() == {}
    assert r.fetch_data() == {}
    assert sentinel.hits == ["/meta.json", "/response.json"]
    s.close()
