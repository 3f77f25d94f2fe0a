"""The devnet IPFS store over real HTTP: Kubo RPC, pinning shape, gateway, persistence."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.ipfs import cid_of

HELLO = b"hello world\n"
HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
HELLO_V1 = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"


def test_kubo_add_then_cat_round_trip(store: IPFSStore) -> None:
    r = httpx.post(f"{store.url}/api/v0/add", files={"file": ("hello.txt", HELLO, "text/plain")})
    assert r.status_code == 200
    assert r.json() == {"Name": "hello.txt", "Hash": HELLO_V0, "Size": "20"}
    cat = httpx.post(f"{store.url}/api/v0/cat", params={"arg": HELLO_V0})
    assert cat.status_code == 200 and cat.content == HELLO
    cat_path = httpx.post(f"{store.url}/api/v0/cat", params={"arg": f"/ipfs/{HELLO_V0}"})
    assert cat_path.content == HELLO


def test_file_create_returns_gateway_link_with_content_type(store: IPFSStore) -> None:
    body = b'{"function_name":"run","data":{}}'
    r = httpx.post(
        f"{store.url}/file/create", files={"file": ("taskConfig.json", body, "application/json")}
    )
    assert r.status_code == 201
    link = r.json()["link"]
    assert link == f"{store.url}/ipfs/{cid_of(body)}"
    got = httpx.get(link)
    assert got.status_code == 200
    assert got.content == body
    assert got.headers["content-type"] == "application/json"
    assert got.headers["etag"] == f'"{cid_of(body)}"'
    head = httpx.head(link)
    assert head.status_code == 200 and head.content == b""


def test_gateway_guesses_type_from_filename_and_defaults_to_octet_stream(store: IPFSStore) -> None:
    json_body = b'{"guess":true}'
    httpx.post(
        f"{store.url}/api/v0/add",
        files={"file": ("out.json", json_body, "application/octet-stream")},
    )
    assert httpx.get(f"{store.url}/ipfs/{cid_of(json_body)}").headers["content-type"] == (
        "application/json"
    )
    blob = os.urandom(100)
    httpx.post(f"{store.url}/api/v0/add", files={"file": ("blob", blob)})
    got = httpx.get(f"{store.url}/ipfs/{cid_of(blob)}")
    assert got.content == blob
    assert got.headers["content-type"] == "application/octet-stream"


def test_gateway_serves_cidv1_name_of_same_content(store: IPFSStore) -> None:
    httpx.post(f"{store.url}/api/v0/add", files={"file": ("h.txt", HELLO, "text/plain")})
    got = httpx.get(f"{store.url}/ipfs/{HELLO_V1}")
    assert got.status_code == 200 and got.content == HELLO


def test_unknown_and_invalid_cids(store: IPFSStore) -> None:
    missing = cid_of(b"never stored " + os.urandom(8))
    assert httpx.get(f"{store.url}/ipfs/{missing}").status_code == 404
    assert httpx.post(f"{store.url}/api/v0/cat", params={"arg": missing}).status_code == 404
    bad = httpx.get(f"{store.url}/ipfs/not-a-cid")
    assert bad.status_code == 400 and "invalid" in bad.json()["Message"]


def test_upload_size_limit_and_bad_bodies(store: IPFSStore) -> None:
    big = b"x" * (store.max_upload_bytes + 1)
    r = httpx.post(f"{store.url}/file/create", files={"file": ("big.bin", big)})
    assert r.status_code == 413
    assert httpx.get(f"{store.url}/ipfs/{cid_of(big)}").status_code == 404
    exact = b"y" * store.max_upload_bytes
    ok = httpx.post(f"{store.url}/api/v0/add", files={"file": ("ok.bin", exact)})
    assert ok.status_code == 200 and ok.json()["Hash"] == cid_of(exact)
    not_multipart = httpx.post(f"{store.url}/file/create", content=b"raw")
    assert not_multipart.status_code == 400
    no_file = httpx.post(f"{store.url}/file/create", data={"field": "value"})
    assert no_file.status_code == 400


def test_health_counts_objects(store: IPFSStore) -> None:
    before = httpx.get(f"{store.url}/health").json()
    assert before["status"] == "ok"
    httpx.post(f"{store.url}/api/v0/add", files={"file": ("n", os.urandom(32))})
    assert httpx.get(f"{store.url}/health").json()["objects"] == before["objects"] + 1


def test_content_persists_across_restart(data_dir: Path) -> None:
    body = b"persist me " + os.urandom(16)
    with IPFSStore(data_dir) as first:
        link = httpx.post(
            f"{first.url}/file/create", files={"file": ("p.txt", body, "text/plain")}
        ).json()["link"]
    cid = cid_of(body)
    assert (data_dir / cid).read_bytes() == body
    assert not [p for p in data_dir.iterdir() if p.name.startswith(".tmp-")]
    with pytest.raises(httpx.ConnectError):
        httpx.get(link, timeout=2)
    with IPFSStore(data_dir) as second:
        got = httpx.get(f"{second.url}/ipfs/{cid}")
        assert got.content == body
        assert got.headers["content-type"].startswith("text/plain")


def test_store_start_stop_is_idempotent(data_dir: Path) -> None:
    s = IPFSStore(data_dir)
    url = s.start()
    assert s.start() == url
    s.stop()
    s.stop()
    with pytest.raises(RuntimeError):
        _ = s.url


def test_runs_as_a_separate_process(data_dir: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ogpu.devnet.ipfs_store",
            "--data-dir",
            str(data_dir),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("OGPU_IPFS_STORE_URL=http://127.0.0.1:")
        url = line.split("=", 1)[1]
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        r = httpx.post(f"{url}/api/v0/add", files={"file": ("h", HELLO)})
        assert r.json()["Hash"] == HELLO_V0
    finally:
        proc.terminate()
        assert proc.wait(timeout=15) == 0
    assert (data_dir / HELLO_V0).read_bytes() == HELLO
