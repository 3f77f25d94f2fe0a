"""The SDK's one retry policy: exponential backoff with full jitter, decided from structured data.

Reads and other idempotent requests are retried on transient failures (connection errors,
timeouts, HTTP 429/5xx, malformed replies, rate-limit JSON-RPC codes). Writes are never re-signed:
the executor re-broadcasts the *same* signed bytes instead (see :mod:`ogpu.chain.tx`).

>>> policy = RetryPolicy(max_attempts=3, base_delay=0.0)
>>> call_with_retry(lambda: 42, policy)
42
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

__all__ = [
    "TRANSIENT_HTTP_STATUS",
    "TRANSIENT_RPC_CODES",
    "RetryPolicy",
    "RpcError",
    "call_with_retry",
    "is_transient",
]

T = TypeVar("T")

#: HTTP statuses worth retrying.
TRANSIENT_HTTP_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
#: JSON-RPC error codes worth retrying (rate limits / resource unavailable).
TRANSIENT_RPC_CODES = frozenset({-32005, -32097, -32098, -32099, 429})


class RpcError(Exception):
    """A JSON-RPC error object returned by the node (``code``, ``message``, ``data``)."""

    def __init__(self, method: str, code: int | None, message: str, data: Any = None) -> None:
        self.method = method
        self.code = code
        self.message = message
        self.data = data
        super().__init__(f"{method}: {message} (code {code})")


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff schedule: attempt ``n`` waits ``uniform(0, min(max_delay, base·mult^n))``."""

    max_attempts: int = 5
    base_delay: float = 0.05
    max_delay: float = 2.0
    multiplier: float = 2.0

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The sleeps between attempts (``max_attempts - 1`` values)."""
        r = rng or random
        for n in range(max(self.max_attempts - 1, 0)):
            cap = min(self.max_delay, self.base_delay * self.multiplier**n)
            yield r.uniform(0, cap) if cap > 0 else 0.0


def http_status_of(exc: BaseException) -> int | None:
    """The HTTP status of a transport exception, if it carries one."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return int(status) if isinstance(status, int) else None


def is_transient(exc: BaseException) -> bool:
    """True for failures that may succeed when retried (decided from types and codes)."""
    if isinstance(exc, RpcError):
        return exc.code in TRANSIENT_RPC_CODES
    if isinstance(exc, requests.HTTPError):
        status = http_status_of(exc)
        return status is None or status in TRANSIENT_HTTP_STATUS
    if isinstance(exc, requests.RequestException | ConnectionError | TimeoutError):
        return True
    return isinstance(exc, json.JSONDecodeError | UnicodeDecodeError)


def call_with_retry(
    fn: Callable[[], T],
    policy: RetryPolicy | None = None,
    *,
    retry_if: Callable[[BaseException], bool] = is_transient,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``fn`` and retry transient failures per ``policy``; the last error propagates."""
    pol = policy or RetryPolicy()
    delays = pol.delays()
    while True:
        try:
            return fn()
        except Exception as exc:
            if not retry_if(exc):
                raise
            delay = next(delays, None)
            if delay is None:
                raise
            sleep(delay)
