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

Beyond JSON-RPC the proxy forwards any HTTP request (GET/HEAD/POST, path, query and headers kept),
so it also sits in front of the IPFS store; rules can match a URL ``path`` prefix and
:attr:`Fault.TAMPER` flips a byte of the forwarded reply body (content that no longer matches its
CID). :attr:`Fault.RESTART` calls :attr:`FaultProxy.restart_hook` (e.g.
:meth:`faults.node.RestartableAnvil.restart`) before forwarding the request that triggered it.
Upstream connection failures (node down) are answered with HTTP 502, like a load balancer would.
Fault counts per kind accumulate in :attr:`FaultProxy.injected` and in :data:`faults.stats.STATS`.
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
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["Fault", "FaultProxy", "LogEntry", "Rule"]

# Local upstreams are reached directly: an http_proxy in the environment must not capture them.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


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
    TAMPER = "tamper"  # forwarded, one byte of the reply body flipped (status/headers kept)
    RESTART = "restart"  # call the proxy's restart_hook, then forward normally


_STATUS = {Fault.HTTP_429: 429, Fault.HTTP_502: 502, Fault.HTTP_503: 503}
_FORWARDS = {
    Fault.NONE,
    Fault.DROP_REPLY,
    Fault.DELAY,
    Fault.MALFORMED_AFTER_FORWARD,
    Fault.CLOSE_MID_BODY,
    Fault.TAMPER,
    Fault.RESTART,
}
_HOP_HEADERS = frozenset(
    {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-encoding"}
)


@dataclass
class Rule:
    """Fire ``fault`` on requests for ``method`` (``None``: any method).

    ``nth`` (1-based) fires only on that matching request; ``every`` fires on all matches;
    ``probability`` fires randomly (seeded by the proxy); ``times`` caps how often it fires.
    ``path`` restricts the rule to request paths starting with it (e.g. ``"/ipfs/"``);
    ``max_delay`` makes a DELAY random in ``[delay, max_delay]``.
    """

    fault: Fault
    method: str | None = None
    nth: int | None = None
    every: bool = False
    probability: float | None = None
    times: int | None = None
    delay: float = 0.0
    path: str | None = None
    max_delay: float | None = None
    seen: int = field(default=0, init=False)
    fired: int = field(default=0, init=False)

    def matches(self, methods: Iterable[str], path: str = "/") -> bool:
        if self.path is not None and not path.startswith(self.path):
            return False
        return self.method is None or self.method in methods

    def delay_for(self, rng: random.Random) -> float:
        if self.max_delay is not None and self.max_delay > self.delay:
            return rng.uniform(self.delay, self.max_delay)
        return self.delay

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
    path: str = "/"
    http_method: str = "POST"


class FaultProxy:
    """Threaded HTTP proxy in front of ``upstream`` (a JSON-RPC URL). Use as a context manager."""

    def __init__(
        self,
        upstream: str,
        *,
        seed: int = 0,
        host: str = "127.0.0.1",
        reject_batches: bool = False,
        keep_bodies: bool = True,
        restart_hook: Callable[[], None] | None = None,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        #: answer JSON-RPC batches (arrays) with a single error object, like some public endpoints
        self.reject_batches = reject_batches
        self.rules: list[Rule] = []
        self.log: list[LogEntry] = []
        #: keep request bodies in :attr:`log` (off for long soaks: only methods are kept)
        self.keep_bodies = keep_bodies
        #: called (holding the request) when a RESTART fault fires
        self.restart_hook = restart_hook
        #: faults fired so far, by kind (NONE excluded)
        self.injected: Counter[Fault] = Counter()
        #: while True, every request is answered 502 without forwarding (node "down")
        self.down = False
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._restart_lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Kept-alive replies must not wait for the client's delayed ACK (Nagle).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                proxy._handle(self, body)

            def do_GET(self) -> None:
                proxy._handle(self, b"")

            def do_HEAD(self) -> None:
                proxy._handle(self, b"")

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # -------------------------------------------------------------- control

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        name = host.decode() if isinstance(host, bytes) else host
        return f"http://{name}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        from faults.stats import STATS

        STATS.add_faults(self.injected)

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
        path: str | None = None,
        delay: float = 0.0,
        max_delay: float | None = None,
    ) -> list[Rule]:
        """Seeded random faults: each request for ``method`` breaks with probability ``rate``,
        spread over ``faults``."""
        kinds = list(faults)
        return [
            self.add_rule(
                Rule(
                    fault=f,
                    method=method,
                    probability=rate / len(kinds),
                    path=path,
                    delay=delay,
                    max_delay=max_delay,
                )
            )
            for f in kinds
        ]

    def total_injected(self) -> int:
        """How many faults fired (all kinds)."""
        with self._lock:
            return sum(self.injected.values())

    def restart(self) -> None:
        """Run :attr:`restart_hook` now (serialised with RESTART faults)."""
        if self.restart_hook is None:
            raise RuntimeError("this proxy has no restart_hook")
        with self._restart_lock:
            self.restart_hook()

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
        names = [str(i.get("method")) for i in items if isinstance(i, dict)]
        # the synchronous send (EIP-7966) is a send: rules and counts for one cover both
        if "eth_sendRawTransactionSync" in names:
            names.append("eth_sendRawTransaction")
        return tuple(names)

    def _choose(self, methods: tuple[str, ...], path: str = "/") -> tuple[Fault, float]:
        with self._lock:
            for rule in self.rules:
                if rule.matches(methods, path) and rule.decide(self._rng):
                    if rule.fault is not Fault.NONE:
                        self.injected[rule.fault] += 1
                    return rule.fault, rule.delay_for(self._rng)
        return Fault.NONE, 0.0

    def _forward(
        self,
        body: bytes,
        path: str = "/",
        http_method: str = "POST",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        url = self.upstream + (path if path != "/" else "")
        send_headers = headers if headers is not None else {"Content-Type": "application/json"}
        req = urllib.request.Request(
            url,
            data=body if http_method == "POST" else None,
            headers=send_headers,
            method=http_method,
        )
        try:
            with _DIRECT.open(req, timeout=60) as resp:
                return resp.status, resp.read(), dict(resp.headers.items())
        except urllib.error.HTTPError as err:
            return err.code, err.read(), dict(err.headers.items())

    @staticmethod
    def _abort(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler,
        status: int,
        payload: bytes,
        content_type: str = "application/json",
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(payload)

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        # the client may give up (its own timeout): then there is nothing to answer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._handle_inner(handler, body)

    def _handle_inner(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        methods = self._methods(body) if body else ()
        path = handler.path or "/"
        http_method = handler.command or "POST"
        kept = body if self.keep_bodies else b""
        if self.reject_batches and body.lstrip().startswith(b"["):
            with self._lock:
                self.log.append(LogEntry(methods, Fault.NONE, False, kept, path, http_method))
            self._reply(
                handler,
                200,
                b'{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"batch not supported"}}',
            )
            return
        fault, delay = self._choose(methods, path)
        forwarded = fault in _FORWARDS and not self.down
        with self._lock:
            self.log.append(LogEntry(methods, fault, forwarded, kept, path, http_method))
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
        if fault is Fault.RESTART and self.restart_hook is not None:
            with self._restart_lock:
                self.restart_hook()
        if self.down:
            self._reply(handler, 502, b'{"error":"upstream down"}')
            return
        headers = {
            k: v for k, v in handler.headers.items() if k.lower() not in _HOP_HEADERS
        } or None
        try:
            status, payload, reply_headers = self._forward(body, path, http_method, headers)
        except (urllib.error.URLError, OSError):
            self._reply(handler, 502, b'{"error":"upstream unreachable"}')
            return
        content_type = reply_headers.get("Content-Type", "application/json")
        if fault is Fault.TAMPER and payload:
            i = len(payload) // 2
            payload = payload[:i] + bytes([payload[i] ^ 0x01]) + payload[i + 1 :]
        if fault is Fault.DROP_REPLY:
            self._abort(handler)
            return
        if fault is Fault.MALFORMED_AFTER_FORWARD:
            self._reply(handler, 200, payload[: max(len(payload) // 2, 1)] + b"\x00garbage")
            return
        if fault is Fault.CLOSE_MID_BODY:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload[: len(payload) // 2])
            handler.wfile.flush()
            self._abort(handler)
            return
        self._reply(handler, status, payload, content_type)
