"""The devnet's local IPFS store: Kubo RPC subset, OpenGPU pinning shape and a path gateway.

Endpoints (CIDs are Kubo-default CIDv0, computed by :mod:`ogpu.ipfs.cid`):

* ``POST /api/v0/add`` (multipart, first file part) → ``{"Name", "Hash", "Size"}``
* ``POST /api/v0/cat?arg=<cid>`` → the bytes (404 when unknown; Kubo would answer 500)
* ``POST /file/create`` (multipart field ``file``) → ``{"link": "<base>/ipfs/<cid>"}``
* ``GET|HEAD /ipfs/<cid>`` → the bytes with the content type given at upload (or guessed from the
  file name, else ``application/octet-stream``); CIDv1 dag-pb names of the same content work too
* ``GET /health`` → ``{"status": "ok", "objects": n}``

Content lives in ``data_dir`` as ``<cid>`` files plus ``<cid>.json`` metadata, written atomically,
so a restarted store serves what it stored before.

Run as a process: ``python -m ogpu.devnet.ipfs_store --data-dir D --port P`` (prints
``OGPU_IPFS_STORE_URL=<url>`` once listening).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
import signal
import sys
import threading
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from multiformats import CID
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from ogpu.files import atomic_write
from ogpu.ipfs.backends import PinningBackend
from ogpu.ipfs.cid import cid_and_size
from ogpu.ipfs.client import IPFSClient

if TYPE_CHECKING:
    from ogpu.service.server import BackgroundServer

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "BlobStore", "IPFSStore", "create_app", "main"]

DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024
_MULTIPART_OVERHEAD = 64 * 1024
_GENERIC_TYPES = {"", "application/octet-stream"}


@dataclass(frozen=True)
class StoredObject:
    """One stored file's metadata."""

    cid: str
    size: int
    filename: str
    content_type: str


class BlobStore:
    """Content-addressed files on disk: ``<dir>/<cid>`` and ``<dir>/<cid>.json``."""

    def __init__(self, data_dir: str | os.PathLike[str]) -> None:
        self.dir = Path(data_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    @staticmethod
    def canonical(cid: str) -> str | None:
        """The CIDv0 string a dag-pb/sha2-256 CID maps to, or ``None`` if not storable here."""
        try:
            parsed = CID.decode(cid)
        except Exception:
            return None
        if parsed.codec.name != "dag-pb" or parsed.hashfun.name != "sha2-256":
            return None
        return str(parsed.set(version=0, base="base58btc"))

    def put(self, data: bytes, filename: str, content_type: str) -> tuple[StoredObject, int]:
        """Store ``data``; return its metadata and the DAG size Kubo would report."""
        cid, dag_size = cid_and_size(data)
        meta = StoredObject(cid, len(data), filename, content_type)
        with self._lock:
            if not (self.dir / cid).exists():
                atomic_write(self.dir / cid, data, mode=0o644)
            info = {"filename": filename, "content_type": content_type, "size": len(data)}
            atomic_write(self.dir / f"{cid}.json", json.dumps(info).encode(), mode=0o644)
        return meta, dag_size

    def get(self, cid: str) -> tuple[bytes, StoredObject] | None:
        """Bytes and metadata of ``cid`` (any dag-pb sha2-256 CID version), or ``None``."""
        key = self.canonical(cid)
        if key is None:
            return None
        try:
            data = (self.dir / key).read_bytes()
        except FileNotFoundError:
            return None
        try:
            raw = json.loads((self.dir / f"{key}.json").read_text())
        except (FileNotFoundError, ValueError):
            raw = {}
        meta = StoredObject(
            key, len(data), str(raw.get("filename", "")), str(raw.get("content_type", ""))
        )
        return data, meta

    def count(self) -> int:
        """Number of stored objects."""
        return sum(1 for p in self.dir.iterdir() if p.suffix == ".json")


def _content_type(meta: StoredObject) -> str:
    if meta.content_type not in _GENERIC_TYPES:
        return meta.content_type
    guessed, _ = mimetypes.guess_type(meta.filename) if meta.filename else (None, None)
    return guessed or "application/octet-stream"


class _Refused(Exception):
    """A request the store answers with an error ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _read_upload(request: Request, limit: int) -> tuple[bytes, str, str]:
    """Bytes, filename and content type of the first file part; body read with a size cap."""
    from ogpu.service.server import read_capped

    too_large = _Refused(413, f"upload exceeds the {limit}-byte limit")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise _Refused(400, "expected a multipart/form-data body")
    raw = await read_capped(request, limit + _MULTIPART_OVERHEAD)
    if raw is None:
        raise too_large

    async def body() -> AsyncGenerator[bytes, None]:
        yield raw

    try:
        form = await MultiPartParser(request.headers, body(), max_files=1, max_fields=16).parse()
    except MultiPartException as exc:
        raise _Refused(400, f"malformed multipart body: {exc.message}") from exc
    try:
        for _, value in form.multi_items():
            if isinstance(value, UploadFile):
                data = await value.read()
                if len(data) > limit:
                    raise too_large
                return data, value.filename or "", value.content_type or ""
    finally:
        await form.close()
    raise _Refused(400, "no file part in the multipart body")


def create_app(
    store: BlobStore,
    *,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    public_url: str | None = None,
) -> FastAPI:
    """The ASGI app serving ``store`` (see the module docstring for the endpoints)."""
    app = FastAPI(title="ogpu devnet IPFS store", docs_url=None, redoc_url=None, openapi_url=None)

    @app.exception_handler(_Refused)
    async def refused(request: Request, exc: _Refused) -> JSONResponse:
        # Kubo's error shape, plus "error" for pinning-style clients.
        body = {"Message": str(exc), "Code": 0, "Type": "error", "error": str(exc)}
        return JSONResponse(body, status_code=exc.status)

    def lookup(cid: str, asked: str) -> tuple[bytes, StoredObject]:
        if BlobStore.canonical(cid) is None:
            raise _Refused(400, f"invalid or unsupported CID: {asked!r}")
        found = store.get(cid)
        if found is None:
            raise _Refused(404, f"{cid} not found in this store")
        return found

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "objects": store.count()}

    @app.post("/api/v0/add")
    async def kubo_add(request: Request) -> Response:
        meta, dag_size = store.put(*await _read_upload(request, max_upload_bytes))
        return JSONResponse(
            {"Name": meta.filename or meta.cid, "Hash": meta.cid, "Size": str(dag_size)}
        )

    @app.post("/api/v0/cat")
    def kubo_cat(arg: str = "") -> Response:
        data, _ = lookup(arg.removeprefix("/ipfs/").split("/", 1)[0], arg)
        return Response(data, media_type="text/plain")

    @app.post("/file/create", status_code=201)
    async def pin_file(request: Request) -> Response:
        meta, _ = store.put(*await _read_upload(request, max_upload_bytes))
        base = (public_url or str(request.base_url)).rstrip("/")
        return JSONResponse({"link": f"{base}/ipfs/{meta.cid}"}, status_code=201)

    @app.api_route("/ipfs/{cid}", methods=["GET", "HEAD"])
    def gateway(cid: str) -> Response:
        data, meta = lookup(cid, cid)
        return Response(
            data,
            media_type=_content_type(meta),
            headers={
                "Etag": f'"{meta.cid}"',
                "X-Ipfs-Path": f"/ipfs/{cid}",
                "Cache-Control": "public, max-age=29030400, immutable",
            },
        )

    return app


class IPFSStore:
    """The store as an HTTP server on ``host:port`` (``port=0``: a free port).

    Example:
        >>> import tempfile, httpx
        >>> tmp = tempfile.TemporaryDirectory()
        >>> store = IPFSStore(tmp.name)
        >>> url = store.start()
        >>> httpx.get(f"{url}/health").json()
        {'status': 'ok', 'objects': 0}
        >>> link = store.client().publish({"a": 1})
        >>> link
        'http://127.0.0.1:.../ipfs/Qm...'
        >>> httpx.get(link).json()
        {'a': 1}
        >>> store.stop()
        >>> tmp.cleanup()
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
        public_url: str | None = None,
        tcp_nodelay: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        #: Disable Nagle's algorithm on accepted connections (False only to measure its cost).
        self.tcp_nodelay = tcp_nodelay
        self.host = host
        self.port = port
        self.max_upload_bytes = max_upload_bytes
        self.public_url = public_url
        self._server: BackgroundServer | None = None

    @property
    def url(self) -> str:
        """Base URL once bound (``http://host:port``)."""
        if self._server is None:
            raise RuntimeError("the store is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    def client(self, **kwargs: Any) -> IPFSClient:
        """An :class:`IPFSClient` pinning through this store's ``/file/create`` and reading its
        gateway (see the class example)."""
        return IPFSClient(PinningBackend(f"{self.url}/file/create"), gateway=self.url, **kwargs)

    def start(self, timeout: float = 10.0) -> str:
        """Serve in a background thread; return the base URL once it accepts requests."""
        if self._server is not None:
            return self.url
        from ogpu.service.server import listen_socket, run_uvicorn_in_thread

        sock = listen_socket(self.host, self.port, nodelay=self.tcp_nodelay)
        self.port = sock.getsockname()[1]
        app = create_app(
            BlobStore(self.data_dir),
            max_upload_bytes=self.max_upload_bytes,
            public_url=self.public_url,
        )
        try:
            self._server = run_uvicorn_in_thread(
                app, sock, name="ogpu-ipfs-store", lifespan="off", startup_timeout=timeout
            )
        except Exception as exc:
            raise RuntimeError(f"IPFS store did not start on {self.host}:{self.port}") from exc
        return self.url

    def serve_forever(self) -> None:
        """Serve until SIGINT/SIGTERM (call from the main thread); then stop cleanly."""
        stop = threading.Event()

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            url = self.start()
            print(f"OGPU_IPFS_STORE_URL={url}", flush=True)
            while not stop.wait(0.5):
                if self._server is None or not self._server.alive:
                    raise RuntimeError("IPFS store server thread exited unexpectedly")
        finally:
            self.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._server is not None:
            self._server.stop(timeout)  # also closes the socket
            self._server = None

    def __enter__(self) -> IPFSStore:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ogpu.devnet.ipfs_store --data-dir D [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(prog="python -m ogpu.devnet.ipfs_store", description=__doc__)
    parser.add_argument("--data-dir", required=True, help="directory holding the stored content")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--max-upload-bytes", type=int, default=DEFAULT_MAX_UPLOAD_BYTES)
    parser.add_argument("--public-url", default=None, help="base URL used in returned links")
    args = parser.parse_args(argv)
    store = IPFSStore(
        args.data_dir,
        args.host,
        args.port,
        max_upload_bytes=args.max_upload_bytes,
        public_url=args.public_url,
    )
    try:
        store.serve_forever()
    except (OSError, RuntimeError) as exc:
        print(f"ogpu ipfs store: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
