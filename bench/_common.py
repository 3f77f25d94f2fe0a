"""Shared pieces of the benchmarks: a fresh devnet, a counting proxy, a raw JSON-RPC client.

Only the SDK's public surface is used (``ogpu.devnet.manager.up/down``, ``ogpu.chain``'s
``Network``/``load_devnet_manifest``, ``ogpu.client``), so the benchmarks run unchanged whatever
the SDK does inside.

* :func:`fresh_devnet`: anvil + the deployed protocol + the devnet IPFS store, each a process of
  its own (``ogpu.devnet.manager.up`` in a temporary home, free ports, no extra services).
* :class:`CountingProxy`: an HTTP (and optional WebSocket) forwarder in its own process that counts
  round trips, JSON-RPC calls per method and new TCP connections; the counts are read over HTTP
  at ``/__bench/counts``. Run as ``python bench/_common.py proxy --upstream URL [--ws-upstream URL]``.
* :class:`RawRpc`: a few lines of JSON-RPC over httpx, independent of the SDK under test (for the
  floor and for checking what landed on chain).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PAYMENT = 10**15


# ------------------------------------------------------------------------------------------------
# Statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..1); NaN for no values."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    """Median and p95 of durations in seconds, as milliseconds."""
    return {
        "median_ms": round(statistics.median(values) * 1000, 2) if values else float("nan"),
        "p95_ms": round(percentile(values, 0.95) * 1000, 2),
    }


# ------------------------------------------------------------------------------------------------
# Raw JSON-RPC (independent of the SDK)


class HttpConnection:
    """One kept-alive HTTP/1.1 connection (``http.client``: headers and a bytes body leave in one
    ``send``, and ``TCP_NODELAY`` is set, so no request waits on Nagle's algorithm and a delayed
    ACK). Reconnects once when the server closed it."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
                self._conn.connect()
                assert self._conn.sock is not None
                self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                self._conn.request("POST", path, body=body, headers=headers)
                resp = self._conn.getresponse()
                return resp.status, resp.read()
            except (OSError, http.client.HTTPException):
                self._conn.close()
                self._conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def multipart(field: str, filename: str, data: bytes, content_type: str) -> tuple[bytes, str]:
    """A one-file ``multipart/form-data`` body and its content type."""
    boundary = "ogpubench" + os.urandom(8).hex()
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"'
        f"\r\nContent-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), (
        f"multipart/form-data; boundary={boundary}"
    )


class RawRpc:
    """Minimal JSON-RPC over one kept-alive connection (see :class:`HttpConnection`)."""

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url
        self._http = HttpConnection(url, timeout)
        self._path = urllib.parse.urlsplit(url).path or "/"
        self._id = 0

    def _post(self, payload: Any) -> Any:
        status, data = self._http.post(self._path, json.dumps(payload).encode(), "application/json")
        if status != 200:
            raise RuntimeError(f"HTTP {status}: {data[:200]!r}")
        return json.loads(data)

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        self._id += 1
        reply = self._post(
            {"jsonrpc": "2.0", "id": self._id, "method": method, "params": list(params)}
        )
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        body = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
            for i, (m, p) in enumerate(calls)
        ]
        replies = {r["id"]: r for r in self._post(body)}
        out = []
        for i, (m, _) in enumerate(calls):
            r = replies[i]
            if "error" in r:
                raise RuntimeError(f"{m}: {r['error']}")
            out.append(r["result"])
        return out

    def block_number(self) -> int:
        return int(self.call("eth_blockNumber"), 16)

    def close(self) -> None:
        self._http.close()


def selector(signature: str) -> str:
    from eth_utils.crypto import keccak

    return "0x" + keccak(text=signature)[:4].hex()


def published_by(
    rpc: RawRpc, sender: str, to: str, first_block: int, last_block: int
) -> dict[str, Any]:
    """Transactions from ``sender`` to ``to`` mined in ``first_block..last_block``: count, distinct
    nonces, successful receipts (the exactly-once check, read straight from the node)."""
    sender, to = sender.lower(), to.lower()
    hashes: list[str] = []
    nonces: list[int] = []
    for lo in range(first_block, last_block + 1, 200):
        blocks = rpc.batch(
            [
                ("eth_getBlockByNumber", [hex(n), True])
                for n in range(lo, min(lo + 200, last_block + 1))
            ]
        )
        for block in blocks:
            for tx in block["transactions"]:
                if tx["from"].lower() == sender and (tx.get("to") or "").lower() == to:
                    hashes.append(tx["hash"])
                    nonces.append(int(tx["nonce"], 16))
    ok = 0
    for lo in range(0, len(hashes), 200):
        receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes[lo : lo + 200]])
        ok += sum(1 for r in receipts if int(r["status"], 16) == 1)
    return {"transactions": len(hashes), "distinct_nonces": len(set(nonces)), "succeeded": ok}


def task_count(rpc: RawRpc, source: str) -> int:
    return int(rpc.call("eth_call", [{"to": source, "data": selector("getTaskCount()")}]), 16)


# ------------------------------------------------------------------------------------------------
# A fresh devnet


@dataclass
class Devnet:
    """A running devnet: its manifest, the SDK ``Network`` for it and a raw RPC client."""

    home: Path
    info: Any  # ogpu.devnet.manager.DevnetInfo
    network: Any  # ogpu.chain.Network
    rpc: RawRpc

    @property
    def rpc_url(self) -> str:
        return str(self.info.rpc_url)

    @property
    def ws_url(self) -> str:
        return str(self.info.ws_url)

    @property
    def addresses(self) -> dict[str, str]:
        return dict(self.info.addresses)

    @property
    def pinning_url(self) -> str:
        return str(self.info.manifest["ipfs"]["pinning_url"])

    @property
    def ipfs_url(self) -> str:
        return str(self.info.manifest["ipfs"]["api_url"])

    def key(self, role: str) -> str:
        return str(self.info.manifest["keys"][role])

    def account(self, role: str) -> str:
        return str(self.info.manifest["accounts"][role])


@contextlib.contextmanager
def fresh_devnet(block_time: int | None = None, services: Sequence[Any] = ()) -> Iterator[Devnet]:
    """Start anvil + protocol + IPFS store (+ ``services``, e.g. the devnet provider) in a
    temporary home on free ports; stop them after."""
    from ogpu.chain.networks import load_devnet_manifest
    from ogpu.devnet import manager
    from ogpu.devnet.node import free_port

    home = Path(tempfile.mkdtemp(prefix="ogpu-bench-devnet-"))
    port = free_port()
    ipfs_port = free_port()
    while ipfs_port == port:
        ipfs_port = free_port()
    info = manager.up(
        home, port=port, ipfs_port=ipfs_port, block_time=block_time, services=list(services)
    )
    rpc = RawRpc(info.rpc_url)
    try:
        yield Devnet(home, info, load_devnet_manifest(info.manifest_path), rpc)
    finally:
        rpc.close()
        manager.down(home)
        import shutil

        shutil.rmtree(home, ignore_errors=True)


def bench_source(network: Any, key: str) -> str:
    """Publish the benchmarks' source with the SDK (same parameters everywhere); its address."""
    from ogpu.chain import Session
    from ogpu.client import ImageEnvironments, SourceInfo, publish_source

    session = Session(network)
    try:
        source = publish_source(
            SourceInfo(
                name="bench",
                description="write-path benchmark",
                logoUrl="",
                imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
                minPayment=PAYMENT,
                minAvailableLockup=0,
                maxExpiryDuration=7 * 24 * 3600,
            ),
            key,
            session=session,
        )
        return str(source.address)
    finally:
        session.close()


def task_config(tag: str, i: int) -> dict[str, Any]:
    """The task input every client publishes: ``{"function_name", "data"}`` of a fixed size."""
    return {"function_name": "bench", "data": {"mode": tag, "i": i, "pad": "x" * 64}}


# ------------------------------------------------------------------------------------------------
# The counting proxy


class CountingProxy:
    """A counting forwarder in its own process (no GIL shared with the client under test)."""

    def __init__(self, upstream: str, ws_upstream: str | None = None) -> None:
        cmd = [sys.executable, str(Path(__file__).resolve()), "proxy", "--upstream", upstream]
        if ws_upstream:
            cmd += ["--ws-upstream", ws_upstream]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "BENCH_PROXY":
            self.stop()
            raise RuntimeError(f"counting proxy did not start: {line!r}")
        self.url = line[1]
        self.ws_url = line[2] if len(line) > 2 else None
        import httpx

        self._ctl = httpx.Client(timeout=10)

    def counts(self) -> dict[str, Any]:
        data: dict[str, Any] = self._ctl.get(f"{self.url}/__bench/counts").json()
        return data

    def reset(self) -> None:
        self._ctl.post(f"{self.url}/__bench/reset")

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._ctl.close()
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> CountingProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Counts:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.rpc_calls = 0
        self.connections = 0
        self.methods: Counter[str] = Counter()
        self.paths: Counter[str] = Counter()
        self.ws_in = 0
        self.ws_out = 0
        self.ws_calls = 0
        self.ws_methods: Counter[str] = Counter()
        self.ws_connections = 0

    def json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "rpc_calls": self.rpc_calls,
            "connections": self.connections,
            "methods": dict(self.methods),
            "paths": dict(self.paths),
            "ws_messages_in": self.ws_in,
            "ws_messages_out": self.ws_out,
            "ws_calls": self.ws_calls,
            "ws_methods": dict(self.ws_methods),
            "ws_connections": self.ws_connections,
        }


def _rpc_methods(body: bytes) -> list[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    return [str(x.get("method")) for x in items if isinstance(x, dict) and "method" in x]


_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


def _serve_proxy(upstream: str, ws_upstream: str | None) -> None:
    counts = _Counts()
    up = urllib.parse.urlsplit(upstream)
    local = threading.local()

    def conn() -> http.client.HTTPConnection:
        c = getattr(local, "conn", None)
        if c is None:
            c = http.client.HTTPConnection(up.hostname or "127.0.0.1", up.port or 80, timeout=300)
            local.conn = c
        return c

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            with counts.lock:
                counts.connections += 1

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                parts = []
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return b"".join(parts)
                    parts.append(self.rfile.read(size))
                    self.rfile.readline()
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _reply(self, status: int, body: bytes, headers: Sequence[tuple[str, str]]) -> None:
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in _HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _forward(self) -> None:
            body = self._body()
            if self.path.startswith("/__bench/"):
                if self.path == "/__bench/reset":
                    with counts.lock:
                        counts.reset()
                with counts.lock:
                    data = json.dumps(counts.json()).encode()
                self._reply(200, data, [("Content-Type", "application/json")])
                return
            methods = _rpc_methods(body) if self.command == "POST" else []
            with counts.lock:
                counts.requests += 1
                counts.rpc_calls += len(methods)
                counts.methods.update(methods)
                counts.paths[self.path.split("?")[0]] += 1
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
            headers["Content-Length"] = str(len(body))
            for attempt in range(2):
                c = conn()
                try:
                    c.request(self.command, self.path, body=body, headers=headers)
                    resp = c.getresponse()
                    data = resp.read()
                    break
                except (OSError, http.client.HTTPException):
                    c.close()
                    local.conn = None
                    if attempt:
                        self._reply(502, b"upstream failed", [])
                        return
            self._reply(resp.status, data, resp.getheaders())

        do_GET = do_POST = do_HEAD = _forward

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    http_url = f"http://127.0.0.1:{server.server_address[1]}"
    ws_url = ""
    if ws_upstream:
        ws_url = _start_ws_proxy(ws_upstream, counts)
    print(f"BENCH_PROXY {http_url} {ws_url}".strip(), flush=True)
    server.serve_forever()


def _start_ws_proxy(ws_upstream: str, counts: _Counts) -> str:
    import asyncio

    from websockets.asyncio.client import connect
    from websockets.asyncio.server import ServerConnection, serve

    ready: list[str] = []
    started = threading.Event()

    async def handler(client: ServerConnection) -> None:
        with counts.lock:
            counts.ws_connections += 1
        async with connect(ws_upstream, max_size=None) as node:

            async def up() -> None:
                async for msg in client:
                    raw = msg.encode() if isinstance(msg, str) else msg
                    methods = _rpc_methods(raw)
                    with counts.lock:
                        counts.ws_in += 1
                        counts.ws_calls += len(methods)
                        counts.ws_methods.update(methods)
                    await node.send(msg)

            async def down() -> None:
                async for msg in node:
                    with counts.lock:
                        counts.ws_out += 1
                    await client.send(msg)

            tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
            _, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for t in pending:
                t.cancel()

    async def main() -> None:
        async with serve(handler, "127.0.0.1", 0, max_size=None) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            ready.append(f"ws://127.0.0.1:{port}")
            started.set()
            await asyncio.Future()

    threading.Thread(target=lambda: asyncio.run(main()), daemon=True).start()
    started.wait(10)
    return ready[0]


# ------------------------------------------------------------------------------------------------
# Output


def emit(results: dict[str, Any], out: str | None) -> None:
    """Print the results as JSON (and write them to ``out`` when given)."""
    text = json.dumps(results, indent=2)
    print(text)
    if out:
        Path(out).write_text(text + "\n")


def cpu_count_note() -> dict[str, Any]:
    """Machine context printed with every result: cores and 1-minute load."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {"cpus": os.cpu_count(), "load_1min": round(load, 2) if load is not None else None}


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="bench helpers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("proxy", help="run a counting proxy in front of UPSTREAM")
    p.add_argument("--upstream", required=True)
    p.add_argument("--ws-upstream")
    args = ap.parse_args()
    _serve_proxy(args.upstream, args.ws_upstream)
