"""The HTTP transport every SDK client uses: keep-alive connections that never wait on a
delayed ACK.

On a reused connection to a server that writes its response in two segments without
``TCP_NODELAY`` (uvicorn and many small servers write headers and body separately), the second
segment waits until the client acknowledges the first, and Linux delays that ACK by up to 40 ms.
A fresh connection does not show it (the kernel starts connections in quick-ACK mode), which is
why a client that reconnects for every request can be faster than one that keeps its connection.
Quick-ACK mode is not sticky, so the stream re-arms ``TCP_QUICKACK`` before every read (one
``setsockopt``; a no-op where the option does not exist). The client side already sets
``TCP_NODELAY`` (httpcore does by default).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

__all__ = ["QUICKACK", "http_transport"]

#: ``TCP_QUICKACK`` where the platform has it (Linux), else ``None``.
QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class _QuickAckStream(httpcore.NetworkStream):
    """A network stream that re-arms quick-ACK mode before each read."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        sock = inner.get_extra_info("socket")
        self._sock: socket.socket | None = sock if isinstance(sock, socket.socket) else None

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._sock is not None and QUICKACK is not None:
            try:
                self._sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
            except OSError:
                self._sock = None
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return self._inner.start_tls(ssl_context, server_hostname, timeout)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _QuickAckBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _QuickAckStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return self._inner.connect_unix_socket(path, timeout, socket_options)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def http_transport(*, limits: httpx.Limits | None = None) -> httpx.HTTPTransport:
    """An ``httpx.HTTPTransport`` (keep-alive pool) whose connections use quick-ACK reads.

    Proxies from the environment are not used (the SDK talks to the URLs it is given).
    """
    lim = limits or httpx.Limits(max_connections=32, max_keepalive_connections=16)
    # With quick-ACK the transport's pool is replaced below (httpcore then builds a verifying TLS
    # context when an https connection opens): building the transport's own context first would
    # load the CA bundle for nothing, tens of milliseconds on every client, plain HTTP included.
    transport = httpx.HTTPTransport(limits=lim, verify=QUICKACK is None)
    if QUICKACK is not None:
        transport._pool = httpcore.ConnectionPool(
            max_connections=lim.max_connections,
            max_keepalive_connections=lim.max_keepalive_connections,
            keepalive_expiry=lim.keepalive_expiry,
            network_backend=_QuickAckBackend(),
        )
    return transport
