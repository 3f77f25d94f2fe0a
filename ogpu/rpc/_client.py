"""JSON-RPC over HTTP: the shared logic once (:class:`BaseRpcClient`), the I/O twice.

:class:`RpcClient` (one ``httpx.Client``) and :class:`AsyncRpcClient` (one ``httpx.AsyncClient``)
keep their connection alive and reuse it. Both send single requests and batches, retry per the
:class:`~ogpu.rpc.retry.RetryPolicy` with the one classifier, and fall back to one-by-one
requests when an endpoint refuses batches. Errors are raised as they are (``RpcError``,
``MalformedReplyError``, httpx exceptions): callers decide how to present them.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ogpu.rpc._models import (
    BatchRefusedError,
    Call,
    RpcError,
    encode,
    encode_batch,
    load_reply,
    parse_batch,
    parse_reply,
)
from ogpu.rpc._transport import http_transport
from ogpu.rpc.retry import RetryPolicy, acall_with_retry, call_with_retry, is_retryable

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncRpcClient", "BaseRpcClient", "RpcClient", "await_reply", "batch_label"]

T = TypeVar("T")

log = logging.getLogger("ogpu.rpc")

_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=16, keepalive_expiry=30.0)
_ASYNC_CONNECTIONS = 32
_ASYNC_LIMITS = httpx.Limits(
    max_connections=_ASYNC_CONNECTIONS,
    max_keepalive_connections=_ASYNC_CONNECTIONS,
    keepalive_expiry=30.0,
)


def batch_label(calls: Sequence[Call]) -> str:
    """``batch[m1,m2,m3,…]``: a batch named by its methods (in logs and errors)."""
    methods = sorted({m for m, _ in calls})
    return "batch[" + ",".join(methods[:3]) + (",…" if len(methods) > 3 else "") + "]"


class BaseRpcClient:
    """What both transports share: ids, counters, encoding, reply checks, batch fallback state."""

    def __init__(
        self, url: str, *, timeout: float = 30.0, retry: RetryPolicy | None = None
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._ids = itertools.count(1)
        self._id_lock = threading.Lock()
        #: HTTP round trips sent (a batch counts once); for tests and benchmarks.
        self.round_trips = 0
        #: False once the endpoint refused a batch (then requests go one by one).
        self.batches_supported = True
        self._url = httpx.URL(url)
        self._headers = httpx.Headers({**_HEADERS, "Host": self._url.netloc.decode("ascii")})
        self._timeouts = httpx.Timeout(timeout).as_dict()

    def _next_ids(self, n: int) -> int:
        with self._id_lock:
            first = next(self._ids)
            for _ in range(n - 1):
                next(self._ids)
        return first

    @staticmethod
    def _content(resp: httpx.Response) -> bytes:
        """The body of a reply worth parsing; an HTTP failure without a JSON-RPC body raises."""
        if resp.status_code >= 400:
            # A JSON-RPC error object may come with a 4xx status; anything else is an HTTP error.
            if resp.status_code < 500 and resp.status_code not in (408, 425, 429):
                try:
                    body = load_reply(resp.content, "http")
                except Exception:
                    body = None
                if isinstance(body, dict | list):
                    return resp.content
            raise httpx.HTTPStatusError(
                f"HTTP {resp.status_code} from {resp.url}", request=resp.request, response=resp
            )
        return resp.content

    def _post_request(self, body: bytes) -> httpx.Request:
        """The POST of one round trip (counted)."""
        self.round_trips += 1
        return httpx.Request(
            "POST",
            self._url,
            content=body,
            headers=self._headers,
            extensions={"timeout": self._timeouts},
        )

    @staticmethod
    def _batch_retry_if(exc: BaseException) -> bool:
        return not isinstance(exc, BatchRefusedError) and is_retryable(exc)

    def _single(self, method: str, params: Sequence[Any]) -> bytes:
        return encode(method, params, self._next_ids(1))

    def _refused(self) -> None:
        log.info("the endpoint refuses JSON-RPC batches; sending requests one by one")
        self.batches_supported = False


class RpcClient(BaseRpcClient):
    """Synchronous JSON-RPC over one keep-alive ``httpx.Client``.

    ``transport`` lets tests put an httpx transport in front of the node.

    >>> client = RpcClient(devnet.rpc_url)
    >>> client.request("eth_chainId")
    '0x7a69'
    >>> client.batch([("eth_chainId", []), ("net_version", [])])
    ['0x7a69', '31337']
    >>> client.close()
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url, timeout=timeout, retry=retry)
        # The transport is driven directly: a JSON-RPC POST needs none of ``httpx.Client``'s
        # per-request work (URL merging, cookies, auth, redirects), which costs more CPU than
        # the round trip's own I/O on a local node.
        self._transport = transport or http_transport(limits=_LIMITS)

    def post(self, body: bytes) -> bytes:
        """One HTTP round trip (the transport boundary); returns the reply body."""
        request = self._post_request(body)
        response = self._transport.handle_request(request)
        try:
            response.read()
        finally:
            response.close()
        response.request = request
        return self._content(response)

    def request(self, method: str, params: Sequence[Any] = (), *, retry: bool = True) -> Any:
        """One request's ``result``; ``retry=False`` makes exactly one attempt."""

        def once() -> Any:
            return parse_reply(method, self.post(self._single(method, params)))

        if not retry:
            return once()
        return call_with_retry(once, self.retry, what=method)

    def batch(self, calls: Sequence[Call], *, retry: bool = True) -> list[Any]:
        """Per-call ``result`` or :class:`RpcError` instance, in order, in one round trip."""
        if calls and self.batches_supported:

            def once() -> list[Any]:
                body, ids = encode_batch(calls, first_id=self._next_ids(len(calls)))
                return parse_batch(calls, ids, self.post(body))

            try:
                if not retry:
                    return once()
                return call_with_retry(
                    once,
                    self.retry,
                    retry_if=self._batch_retry_if,
                    what=batch_label(calls),
                )
            except BatchRefusedError:
                self._refused()
        out: list[Any] = []
        for method, params in calls:
            try:
                out.append(self.request(method, params, retry=retry))
            except RpcError as exc:
                out.append(exc)
        return out

    def close(self) -> None:
        """Release the connection."""
        self._transport.close()


async def await_reply(
    fut: asyncio.Future[T], timeout: float | None, error: Callable[[float], BaseException]
) -> T:
    """``await fut``, failed with ``error(timeout)`` when it is not done within ``timeout``
    seconds.

    The caller awaits its own future with a timer: ``asyncio.wait_for`` (before Python 3.12) runs
    an inner task, returns a reply that arrives just as the caller is cancelled and loses the
    cancellation.
    """
    if timeout is None:
        return await fut

    def expire(seconds: float) -> None:
        if not fut.done():
            fut.set_exception(error(seconds))

    timer = fut.get_loop().call_later(timeout, expire, timeout)
    try:
        return await fut
    finally:
        timer.cancel()


class AsyncRpcClient(BaseRpcClient):
    """The ``asyncio`` twin of :class:`RpcClient` over one ``httpx.AsyncClient``."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(url, timeout=timeout, retry=retry)
        # driven directly, like RpcClient's (no per-request client machinery); at most
        # ``_ASYNC_CONNECTIONS`` requests at once: httpcore's pool scans its whole queue for
        # every request, so thousands of waiting coroutines must queue here instead
        self._transport = transport or httpx.AsyncHTTPTransport(limits=_ASYNC_LIMITS)
        self._slots: asyncio.Semaphore | None = None  # made on first use, on its loop

    async def post(self, body: bytes) -> bytes:
        """One HTTP round trip (the transport boundary); returns the reply body."""
        request = self._post_request(body)
        if self._slots is None:
            import asyncio  # here, not at module level: sync reads never load asyncio

            self._slots = asyncio.Semaphore(_ASYNC_CONNECTIONS)
        async with self._slots:
            response = await self._transport.handle_async_request(request)
            try:
                await response.aread()
            finally:
                await response.aclose()
        response.request = request
        return self._content(response)

    async def request(self, method: str, params: Sequence[Any] = (), *, retry: bool = True) -> Any:
        """One request's ``result``; ``retry=False`` makes exactly one attempt."""

        async def once() -> Any:
            return parse_reply(method, await self.post(self._single(method, params)))

        if not retry:
            return await once()
        return await acall_with_retry(once, self.retry, what=method)

    async def batch(self, calls: Sequence[Call], *, retry: bool = True) -> list[Any]:
        """Per-call ``result`` or :class:`RpcError` instance, in order, in one round trip."""
        if calls and self.batches_supported:

            async def once() -> list[Any]:
                body, ids = encode_batch(calls, first_id=self._next_ids(len(calls)))
                return parse_batch(calls, ids, await self.post(body))

            try:
                if not retry:
                    return await once()
                return await acall_with_retry(
                    once,
                    self.retry,
                    retry_if=self._batch_retry_if,
                    what=batch_label(calls),
                )
            except BatchRefusedError:
                self._refused()
        out: list[Any] = []
        for method, params in calls:
            try:
                out.append(await self.request(method, params, retry=retry))
            except RpcError as exc:
                out.append(exc)
        return out

    async def aclose(self) -> None:
        """Release the connection."""
        await self._transport.aclose()
