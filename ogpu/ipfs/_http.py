"""One HTTP request policy for every IPFS call: timeouts, bounded retries, size-limited reads.

Which failures are retried is decided by the SDK's one classifier (:func:`ogpu.rpc.classify`):
connection/read/write errors, timeouts, HTTP 408/425/429/500/502/503/504, with exponential
backoff and jitter (``backoff * 2**attempt * U(0.5, 1.5)``, at least the server's ``Retry-After``
when that is at most 30 s). Never retried: other 4xx, unsupported URLs, size-limit overruns.
Uploads are idempotent (content addressed), so an ambiguous failure is retried like a transient
one.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ogpu.ipfs.errors import IPFSFetchError, IPFSGatewayError, IPFSSizeLimitError
from ogpu.rpc.retry import TRANSIENT_HTTP_STATUS, is_retryable, retry_after_header

log = logging.getLogger("ogpu.ipfs")

_SNIPPET = 300


@dataclass(frozen=True)
class Reply:
    """A successful (2xx) answer, body fully read."""

    url: str
    status_code: int
    content: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RetryPolicy:
    """Per-call knobs. ``deadline`` is an absolute ``time.monotonic()`` value (or ``None``)."""

    timeout: float = 30.0
    retries: int = 2
    backoff: float = 0.5
    deadline: float | None = None


def _read_limited(
    resp: httpx.Response, limit: int, url: str, deadline: float | None = None
) -> bytes:
    length = resp.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise IPFSSizeLimitError(url, limit)
    buf = bytearray()
    for chunk in resp.iter_bytes():
        buf += chunk
        if len(buf) > limit:
            raise IPFSSizeLimitError(url, limit)
        if deadline is not None and time.monotonic() > deadline:
            raise IPFSFetchError(url, "time budget exhausted while reading the response")
    return bytes(buf)


def _snippet(resp: httpx.Response) -> str:
    try:
        raw = _read_limited(resp, 4096, str(resp.url))
    except (httpx.HTTPError, IPFSSizeLimitError):
        return ""
    return raw[:_SNIPPET].decode("utf-8", "replace").strip()


#: The largest answer read by default (pinning/add calls).
MAX_REPLY_BYTES = 1024 * 1024


def request(
    http: httpx.Client,
    method: str,
    url: str,
    *,
    policy: RetryPolicy,
    limit: int = MAX_REPLY_BYTES,
    files: Any = None,
    params: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Reply:
    """Send one logical request with retries; return the 2xx reply or raise an IPFS error."""
    attempt = 0
    while True:
        timeout = policy.timeout
        if policy.deadline is not None:
            remaining = policy.deadline - time.monotonic()
            if remaining <= 0:
                raise IPFSFetchError(url, "time budget exhausted before the request was sent")
            timeout = min(timeout, remaining)
        error: IPFSFetchError | IPFSGatewayError
        wait: float | None = None
        try:
            with http.stream(
                method, url, files=files, params=params, timeout=timeout, follow_redirects=True
            ) as resp:
                status = resp.status_code
                if 200 <= status < 300:
                    return Reply(
                        str(resp.url),
                        status,
                        _read_limited(resp, limit, url, policy.deadline),
                        resp.headers,
                    )
                detail = _snippet(resp)
                error = IPFSGatewayError(url, status)
                if detail:
                    error.message += f" ({detail})"
                retryable = status in TRANSIENT_HTTP_STATUS
                wait = retry_after_header(resp.headers)
        except httpx.HTTPError as exc:
            if isinstance(exc, httpx.TimeoutException):
                reason = f"timed out after {timeout:g} s ({type(exc).__name__})"
            else:
                reason = f"{type(exc).__name__}: {exc}"
            error = IPFSFetchError(url, reason)
            retryable = is_retryable(exc)
        if not retryable or attempt >= policy.retries:
            if attempt:
                error.message += f" [after {attempt + 1} attempts]"
            raise error
        delay = policy.backoff * (2**attempt) * random.uniform(0.5, 1.5)
        if wait is not None:
            delay = max(delay, wait)
        if policy.deadline is not None and time.monotonic() + delay >= policy.deadline:
            raise error
        log.debug(
            "IPFS %s %s failed (%s); retry %d in %.2f s", method, url, error, attempt + 1, delay
        )
        sleep(delay)
        attempt += 1
