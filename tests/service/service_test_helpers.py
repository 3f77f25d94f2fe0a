"""Helpers for the service tests: small models/handlers and a callback receiver (a real HTTP server)."""

from __future__ import annotations

import json
import queue
import threading
import warnings
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel, Field

from ogpu.service import Service

with warnings.catch_warnings():
    # starlette warns at import that its TestClient would like the newer httpx2 package
    warnings.filterwarnings("ignore", message=".*starlette.testclient.*")
    from fastapi.testclient import TestClient

__all__ = ["AddIn", "AddOut", "CallbackReceiver", "TestClient", "TextIn", "TextOut", "make_service"]


class AddIn(BaseModel):
    a: int
    b: int = Field(ge=0)


class AddOut(BaseModel):
    total: int


class TextIn(BaseModel):
    text: str


class TextOut(BaseModel):
    text: str


def make_service() -> Service:
    """A fresh service with ``add``, ``boom`` (raises), ``shout`` (async) and ``big`` handlers."""
    svc = Service("test")

    @svc.expose
    def add(data: AddIn) -> AddOut:
        return AddOut(total=data.a + data.b)

    @svc.expose()
    def boom(data: TextIn) -> TextOut:
        raise ValueError(f"cannot handle {data.text}")

    @svc.expose(name="shout")
    async def shout_async(data: TextIn) -> TextOut:
        return TextOut(text=data.text.upper() + "!")

    @svc.expose
    def big(data: AddIn) -> TextOut:
        return TextOut(text="x" * data.a)

    return svc


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


class CallbackReceiver:
    """A real local HTTP server recording POSTs (path, headers, JSON body)."""

    def __init__(self) -> None:
        self.received: queue.Queue[Received] = queue.Queue()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                outer.received.put(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/callback"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def get(self, timeout: float = 10.0) -> Received:
        return self.received.get(timeout=timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
