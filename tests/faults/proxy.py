"""A fault-injecting JSON-RPC HTTP proxy for reliability tests.

Put it in front of a node and tell it which requests to break::

    with FaultProxy(anvil.url) as proxy:
        proxy.add_rule(Rule(method="eth_sendRawTransaction", nth=1, fault=Fault.DROP_REPLY))
        session = Session(network.replace(rpc_url=proxy.url))

Faults (see :class:`Fault`): drop the request (close without forwarding), drop the reply (forward,
then close without answering), delay, answer HTTP 429/502/503 without forwarding, answer malformed
JSON (optionally after forwarding), or close in the middle of the reply body. Rules match by
JSON-RPC method (a batch matches if any member does) and fire on the n-th match, on every match,
or with a seeded probability. Every request is recorded in :attr:`FaultProxy.log`.
"""

from __future__ import annotations

import contextlib
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Fault", "FaultProxy", "LogEntry", "Rule"]


class Fault(Enum):
    """What to do to a matched request."""

    NONE = "none"
    DROP_REQUEST = "drop_request"  # close the connection, upstream never sees it
    DROP_REPLY = "drop_reply"  # upstream handles it, the client gets no answer
    DELAY = "delay"  # wait `delay` seconds, then forward normally
    HTTP_429 = "http_429"
    HTTP_502 = "http_502"
    HTTP_503 = "http_503"
    MALFORMED = "malformed"  # answer 200 with invalid JSON (not forwarded)
    MALFORMED_AFTER_FORWARD = "malformed_after_forward"  # forwarded, reply garbled
    CLOSE_MID_BODY = "close_mid_body"  # forwarded, reply cut off half way


_STATUS = {Fault.HTTP_429: 429, Fault.HTTP_502: 502, Fault.HTTP_503: 503}
_FORWARDS = {
    Fault.NONE,
    Fault.DROP_REPLY,
    Fault.DELAY,
    Fault.MALFORMED_AFTER_FORWARD,
    Fault.CLOSE_MID_BODY,
}


@dataclass
class Rule:
    """Fire ``fault`` on requests for ``method`` (``None``: any method).

    ``nth`` (1-based) fires only on that matching request; ``every`` fires on all matches;
    ``probability`` fires randomly (seeded by the proxy); ``times`` caps how often it fires.
    """

    fault: Fault
    method: str | None = None
    nth: int | None = None
    every: bool = False
    probability: float | None = None
    times: int | None = None
    delay: float = 0.0
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def matches(self, methods: Iterable[str]) -> bool:
        return self.method is None or self.method in methods

    def decide(self, rng: random.Random) -> bool:
        self.seen += 1
        if self.times is not None and self.fired >= self.times:
            return False
        fire = False
        if self.nth is not None:
            fire = self.seen == self.nth
        elif self.every:
            fire = True
        elif self.probability is not None:
            fire = rng.random() < self.probability
        if fire:
            self.fired += 1
        return fire


@dataclass(frozen=True)
class LogEntry:
    """One request seen by the proxy."""

    methods: tuple[str, ...]
    fault: Fault
    forwarded: bool
    body: bytes


class FaultProxy:
    """Threaded HTTP proxy in front of ``upstream`` (a JSON-RPC URL). Use as a context manager."""

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        reject_batches: bool = False,
    ) -> None:
        self.upstream = upstream
        #: answer JSON-RPC batches (arrays) with a single error object, like some public endpoints
        self.reject_batches = reject_batches
        self.rules: list[Rule] = []
        self.log: list[LogEntry] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                proxy._handle(self, body)

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -------------------------------------------------------------- control

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def add_rule(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear_rules(self) -> None:
        with self._lock:
            self.rules.clear()

    def random_faults(
        self,
        rate: float,
        faults: Iterable[Fault],
        *,
        method: str | None = None,
    ) -> list[Rule]:
        """Seeded random faults: each request for ``method`` breaks with probability ``rate``,
        spread over ``faults``."""
        kinds = list(faults)
        return [
            self.add_rule(Rule(fault=f, method=method, probability=rate / len(kinds)))
            for f in kinds
        ]

    def count(self, method: str, *, forwarded: bool | None = None) -> int:
        """How many requests for ``method`` were seen (optionally: that reached upstream)."""
        with self._lock:
            return sum(
                1
                for e in self.log
                if method in e.methods and (forwarded is None or e.forwarded == forwarded)
            )

    # -------------------------------------------------------------- request handling

    @staticmethod
    def _methods(body: bytes) -> tuple[str, ...]:
        try:
            obj = json.loads(body)
        except ValueError:
            return ()
        items = obj if isinstance(obj, list) else [obj]
        return tuple(str(i.get("method")) for i in items if isinstance(i, dict))

    def _choose(self, methods: tuple[str, ...]) -> tuple[Fault, float]:
        with self._lock:
            for rule in self.rules:
                if rule.matches(methods) and rule.decide(self._rng):
                    return rule.fault, rule.delay
        return Fault.NONE, 0.0

    def _forward(self, body: bytes) -> tuple[int, bytes]:
        req = urllib.request.Request(
            self.upstream, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    @staticmethod
    def _abort(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _reply(handler: BaseHTTPRequestHandler, status: int, payload: bytes) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        methods = self._methods(body)
        if self.reject_batches and body.lstrip().startswith(b"["):
            with self._lock:
                self.log.append(LogEntry(methods, Fault.NONE, False, body))
            self._reply(
                handler,
                200,
                b'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch not supported"}}',
            )
            return
        fault, delay = self._choose(methods)
        forwarded = fault in _FORWARDS
        with self._lock:
            self.log.append(LogEntry(methods, fault, forwarded, body))
        if fault is Fault.DROP_REQUEST:
            self._abort(handler)
            return
        if fault in _STATUS:
            self._reply(handler, _STATUS[fault], b'{"error":"injected"}')
            return
        if fault is Fault.MALFORMED:
            self._reply(handler, 200, b'{"jsonrpc":"2.0","id":1,"result":')
            return
        if fault is Fault.DELAY:
            time.sleep(delay)
        status, payload = self._forward(body)
        if fault is Fault.DROP_REPLY:
            self._abort(handler)
            return
        if fault is Fault.MALFORMED_AFTER_FORWARD:
            self._reply(handler, 200, payload[: max(len(payload) // 2, 1)] + b"\x00garbage")
            return
        if fault is Fault.CLOSE_MID_BODY:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload[: len(payload) // 2])
            handler.wfile.flush()
            self._abort(handler)
            return
        self._reply(handler, status, payload)
