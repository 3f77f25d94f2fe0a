"""IPFSClient against the real in-process store, with both backends, and the module functions."""

from __future__ import annotations

import json
import os

import httpx
import pytest
from pydantic import BaseModel

import ogpu.ipfs as ipfs
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.ipfs import (
    IPFSClient,
    IPFSGatewayError,
    KuboBackend,
    PinningBackend,
    cid_of,
    encode_payload,
)

HELLO = b"hello world\n"
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"


class Output(BaseModel):
    result: str
    confidence: float


def test_pinning_backend_publish_and_fetch_json(
    pinning_client: IPFSClient, store: IPFSStore
) -> None:
    payload = {"function_name": "sentiment", "data": {"text": "héllo"}, "priority": 2}
    url = pinning_client.publish(payload, "taskConfig.json")
    expected = encode_payload(payload)
    assert url == f"{store.url}/ipfs/{cid_of(expected)}"
    assert pinning_client.fetch_json(url) == payload
    assert pinning_client.fetch_bytes(url) == expected
    # also by bare CID and ipfs:// (read through the gateway: the pinning backend has no cat)
    assert pinning_client.fetch_bytes(cid_of(expected)) == expected
    assert pinning_client.fetch_bytes(f"ipfs://{cid_of(expected)}") == expected


def test_kubo_backend_publish_and_fetch(kubo_client: IPFSClient, store: IPFSStore) -> None:
    url = kubo_client.publish_bytes(HELLO, "hello.txt", "text/plain")
    assert url == f"{store.url}/ipfs/{HELLO_V0}"
    assert kubo_client.fetch_bytes(url) == HELLO
    model = Output(result="positive", confidence=0.97)
    url2 = kubo_client.publish(model, "response.json")
    assert kubo_client.fetch_json(url2) == {"result": "positive", "confidence": 0.97}


def test_kubo_backend_reads_cids_through_cat_not_the_gateway(store: IPFSStore) -> None:
    with IPFSClient(KuboBackend(store.url), gateway="http://127.0.0.1:9", retries=0) as c:
        c.publish_bytes(HELLO)  # URL points at the dead gateway; content is in the store
        assert c.fetch_bytes(HELLO_V0) == HELLO
        assert c.fetch_bytes(f"ipfs://{HELLO_V0}") == HELLO


def test_unknown_cid_is_a_gateway_error(pinning_client: IPFSClient) -> None:
    missing = cid_of(os.urandom(16))
    with pytest.raises(IPFSGatewayError) as info:
        pinning_client.fetch_bytes(missing)
    assert info.value.status_code == 404
    assert missing in info.value.gateway


def test_store_upload_limit_surfaces_as_413(pinning_client: IPFSClient, store: IPFSStore) -> None:
    with pytest.raises(IPFSGatewayError) as info:
        pinning_client.publish_bytes(b"z" * (store.max_upload_bytes + 1))
    assert info.value.status_code == 413
    assert "limit" in str(info.value)


def test_module_functions_use_the_session_client(
    pinning_client: IPFSClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ogpu.chain import MAINNET, Session, use_session

    for var in ("OGPU_IPFS_PINNING_URL", "OGPU_IPFS_API", "OGPU_IPFS_GATEWAY"):
        monkeypatch.delenv(var, raising=False)
    with use_session(Session(MAINNET, ipfs=pinning_client)):
        assert ipfs.get_default_ipfs() is pinning_client
        url = ipfs.publish_to_ipfs({"b": 2, "a": 1}, "x.json")
        assert ipfs.fetch_ipfs_json(url) == {"a": 1, "b": 2}
        burl = ipfs.publish_bytes(b"\x00\x01\x02", "blob.bin")
        assert ipfs.fetch_bytes(burl) == b"\x00\x01\x02"
        assert ipfs.publish_to_ipfs("plain text", "t.txt", "text/plain").endswith(
            cid_of(b"plain text")
        )
    assert ipfs.get_default_ipfs() is not pinning_client


def test_module_functions_accept_explicit_client(kubo_client: IPFSClient) -> None:
    url = ipfs.publish_to_ipfs({"k": [1, 2]}, client=kubo_client)
    assert ipfs.fetch_ipfs_json(url, client=kubo_client) == {"k": [1, 2]}


def test_the_default_is_per_thread_not_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two threads using two sessions see their own session's client."""
    import threading

    from ogpu.chain import MAINNET, Session, use_session

    for var in ("OGPU_IPFS_PINNING_URL", "OGPU_IPFS_API", "OGPU_IPFS_GATEWAY"):
        monkeypatch.delenv(var, raising=False)
    clients = [IPFSClient(KuboBackend(f"http://127.0.0.1:{p}")) for p in (1, 2)]
    seen: dict[int, IPFSClient] = {}
    barrier = threading.Barrier(2)

    def run(i: int) -> None:
        with use_session(Session(MAINNET, ipfs=clients[i])):
            barrier.wait(5)
            seen[i] = ipfs.get_default_ipfs()

    threads = [threading.Thread(target=run, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {0: clients[0], 1: clients[1]}
    assert not hasattr(ipfs, "set_default_ipfs") and not hasattr(ipfs, "using_ipfs")


def test_client_from_env() -> None:
    default = ipfs.client_from_env({})
    assert default.backend == PinningBackend("https://capi.ogpuscan.io/file/create")
    assert default.gateway == "https://cipfs.ogpuscan.io"
    kubo = ipfs.client_from_env(
        {"OGPU_IPFS_API": "http://127.0.0.1:5001/", "OGPU_IPFS_GATEWAY": "http://gw:8080/ipfs/"}
    )
    assert kubo.backend == KuboBackend("http://127.0.0.1:5001")
    assert kubo.gateway == "http://gw:8080"
    both = ipfs.client_from_env(
        {"OGPU_IPFS_API": "http://a", "OGPU_IPFS_PINNING_URL": "http://p/file/create"}
    )
    assert both.backend == PinningBackend("http://p/file/create")


def test_constructor_does_no_io() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(500)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    IPFSClient(PinningBackend("https://pin.test/file/create"), http=http)
    lazy = IPFSClient()
    assert seen == []
    assert lazy._http is None
    lazy.close()


def test_constructor_validates_arguments() -> None:
    with pytest.raises(ValueError):
        IPFSClient(retries=-1)
    with pytest.raises(ValueError):
        IPFSClient(on_cid_mismatch="ignore")  # type: ignore[arg-type]


def test_encode_payload_is_compact_and_deterministic() -> None:
    assert encode_payload({"b": 1, "a": {"d": None, "c": "é"}}) == (
        '{"a":{"c":"é","d":null},"b":1}'.encode()
    )
    assert encode_payload(b"\xff") == b"\xff"
    assert encode_payload("s") == b"s"
    assert encode_payload(Output(result="x", confidence=1.0)) == b'{"confidence":1.0,"result":"x"}'

    class WithToDict:
        def to_dict(self) -> dict[str, int]:
            return {"z": 1}

    assert json.loads(encode_payload(WithToDict())) == {"z": 1}
    with pytest.raises(TypeError):
        encode_payload(object())


def test_store_client_helper_round_trip(store: IPFSStore) -> None:
    with store.client(retries=0) as c:
        url = c.publish({"from": "store.client"})
        assert url.startswith(f"{store.url}/ipfs/Qm")
        assert c.fetch_json(url) == {"from": "store.client"}


def test_default_client_follows_the_default_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """On the devnet the module functions upload to the devnet's store, not the public service."""
    from ogpu.chain import MAINNET, Session, use_session

    for var in ("OGPU_IPFS_PINNING_URL", "OGPU_IPFS_API", "OGPU_IPFS_GATEWAY"):
        monkeypatch.delenv(var, raising=False)
    local = Session(
        MAINNET.replace(
            name="devnet",
            pinning_url="http://127.0.0.1:9/file/create",
            gateway_url="http://127.0.0.1:9",
        )
    )
    with use_session(local):
        assert ipfs.get_default_ipfs() is local.ipfs
    monkeypatch.setenv("OGPU_IPFS_API", "http://127.0.0.1:5001")
    with use_session(local):
        client = ipfs.get_default_ipfs()
    assert client is not local.ipfs
    assert isinstance(client.backend, KuboBackend)
    assert ipfs.get_default_ipfs() is client  # one client per setting: connections are reused
