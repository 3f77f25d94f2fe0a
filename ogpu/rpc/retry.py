"""The SDK's one retry module: a backoff policy with a deadline and ONE failure classifier.

:func:`classify` sorts every failure of every transport (JSON-RPC over HTTP or WebSocket, IPFS
over HTTP) into three kinds, decided from exception types, HTTP statuses and JSON-RPC codes:

* ``"transient"``: the request was not processed (connection refused, pool/connect timeout,
  HTTP 408/425/429/503, rate-limit JSON-RPC codes); retrying is safe for any request.
* ``"ambiguous"``: the request may have been processed (reset or timeout after sending, HTTP
  500/502/504, a garbled reply); reads are retried, a write re-broadcasts the *same* signed bytes
  and looks the transaction up (see :mod:`ogpu.chain.tx`).
* ``"permanent"``: retrying cannot help (a JSON-RPC error object, other 4xx, a bug).

>>> policy = RetryPolicy(max_attempts=3, base_delay=0.0)
>>> call_with_retry(lambda: 42, policy)
42
>>> classify(ConnectionRefusedError())
'transient'
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import httpx

from ogpu.rpc._models import MalformedReplyError, RpcError

__all__ = [
    "TRANSIENT_HTTP_STATUS",
    "TRANSIENT_RPC_CODES",
    "FailureKind",
    "RetryPolicy",
    "acall_with_retry",
    "call_with_retry",
    "classify",
    "http_status_of",
    "is_retryable",
    "is_transient",
    "retry_after",
]

T = TypeVar("T")

log = logging.getLogger("ogpu.rpc")

FailureKind = Literal["transient", "ambiguous", "permanent"]

#: HTTP statuses that say the request was not processed.
_UNPROCESSED_STATUS = frozenset({408, 425, 429, 503})
#: HTTP statuses worth retrying (the request may or may not have been processed for 500/502/504).
TRANSIENT_HTTP_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
#: JSON-RPC error codes worth retrying (rate limits / resource unavailable).
TRANSIENT_RPC_CODES = frozenset({-32005, -32097, -32098, -32099, 429})
#: A server's ``Retry-After`` above this is not honoured (the policy's own backoff applies).
RETRY_AFTER_CAP = 30.0

#: Failures before which nothing reached the server.
_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    ConnectionRefusedError,
)


def http_status_of(exc: BaseException) -> int | None:
    """The HTTP status of a transport exception, if it carries one."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if isinstance(status, int) else None


def retry_after_header(headers: Mapping[str, str] | None) -> float | None:
    """A ``Retry-After`` header in seconds, when it is a number in ``[0, RETRY_AFTER_CAP]``."""
    value = headers.get("retry-after") if headers is not None else None
    try:
        seconds = float(value) if value is not None else -1.0
    except ValueError:
        return None
    return seconds if 0 <= seconds <= RETRY_AFTER_CAP else None


def retry_after(exc: BaseException) -> float | None:
    """The server's ``Retry-After`` (seconds, at most :data:`RETRY_AFTER_CAP`) of a failure."""
    response = getattr(exc, "response", None)
    return retry_after_header(getattr(response, "headers", None))


def classify(exc: BaseException) -> FailureKind:
    """``"transient"``, ``"ambiguous"`` or ``"permanent"`` (see the module docs)."""
    if isinstance(exc, RpcError):
        return "transient" if exc.code in TRANSIENT_RPC_CODES else "permanent"
    status = http_status_of(exc)
    if status is not None:
        if status in _UNPROCESSED_STATUS:
            return "transient"
        return "ambiguous" if status in TRANSIENT_HTTP_STATUS else "permanent"
    if isinstance(exc, httpx.UnsupportedProtocol):
        return "permanent"
    if isinstance(exc, _NOT_SENT):
        return "transient"
    import asyncio  # here, not at the top: synchronous callers need not import asyncio

    if isinstance(
        exc,
        httpx.TransportError
        | MalformedReplyError
        | ConnectionError
        | TimeoutError
        | asyncio.TimeoutError  # distinct from TimeoutError before Python 3.11
        | OSError
        | json.JSONDecodeError
        | UnicodeDecodeError,
    ):
        return "ambiguous"
    return "permanent"


def is_retryable(exc: BaseException) -> bool:
    """True when repeating an idempotent request may succeed (transient or ambiguous)."""
    return classify(exc) != "permanent"


#: The name older code uses for :func:`is_retryable`.
is_transient = is_retryable


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff schedule: attempt ``n`` waits ``uniform(0, min(max_delay, base·mult^n))``.

    ``deadline`` bounds the whole call (seconds from its start, ``None``: attempts only). A
    server's ``Retry-After`` replaces the jittered wait when it is longer.
    """

    max_attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0
    multiplier: float = 2.0
    deadline: float | None = None

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The sleeps between attempts (``max_attempts - 1`` values)."""
        r = rng or random
        for n in range(max(self.max_attempts - 1, 0)):
            cap = min(self.max_delay, self.base_delay * self.multiplier**n)
            yield r.uniform(0, cap) if cap > 0 else 0.0

    def schedule(self) -> _Schedule:
        """A fresh schedule for one call (tracks attempts and the deadline)."""
        return _Schedule(self)


class _Schedule:
    def __init__(self, policy: RetryPolicy) -> None:
        self._delays = policy.delays()
        self._end = None if policy.deadline is None else time.monotonic() + policy.deadline
        self.attempts = 0

    def after(
        self, exc: BaseException, retry_if: Callable[[BaseException], bool], what: str
    ) -> float | None:
        """The wait (logged) before the next attempt after attempt ``exc`` of ``what``, or
        ``None``: give up (``retry_if(exc)`` is false, the attempts are spent, or the wait would
        pass the deadline). A longer ``Retry-After`` from the server replaces the backoff."""
        delay = next(self._delays, None) if retry_if(exc) else None
        if delay is None:
            return None
        hinted = retry_after(exc)
        if hinted is not None:
            delay = max(delay, hinted)
        if self._end is not None and time.monotonic() + delay >= self._end:
            return None
        log.debug(
            "%s failed (attempt %d, %s: %.120s); retrying in %.3f s",
            what,
            self.attempts,
            type(exc).__name__,
            str(exc),
            delay,
        )
        return delay


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy | None = None,
    *,
    retry_if: Callable[[BaseException], bool] = is_retryable,
    sleep: Callable[[float], None] = time.sleep,
    what: str = "request",
) -> T:
    """Call ``fn`` and retry per ``policy`` while ``retry_if(exc)``; the last error propagates."""
    schedule = (policy or RetryPolicy()).schedule()
    while True:
        schedule.attempts += 1
        try:
            return fn()
        except Exception as exc:
            delay = schedule.after(exc, retry_if, what)
            if delay is None:
                raise
            sleep(delay)


async def acall_with_retry(
    fn: Callable[[], Awaitable[T]],
    policy: RetryPolicy | None = None,
    *,
    retry_if: Callable[[BaseException], bool] = is_retryable,
    what: str = "request",
) -> T:
    """The ``async`` twin of :func:`call_with_retry`."""
    import asyncio

    schedule = (policy or RetryPolicy()).schedule()
    while True:
        schedule.attempts += 1
        try:
            return await fn()
        except Exception as exc:
            delay = schedule.after(exc, retry_if, what)
            if delay is None:
                raise
            await asyncio.sleep(delay)
