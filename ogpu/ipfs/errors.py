"""IPFS errors: the ``ogpu.types.errors`` classes plus two precise subclasses.

``IPFSGatewayError(gateway, status_code)`` — the endpoint answered with an error status (or a
malformed success). ``IPFSFetchError(url, reason)`` — network failure, timeout, bad JSON, size
limit, or content that does not match its CID. The subclasses below keep ``except
IPFSFetchError`` working while letting callers single out the case they care about.
"""

from __future__ import annotations

from ogpu.types.errors import (
    IPFSError,
    IPFSFetchError,
    IPFSGatewayError,
    IPFSIntegrityError,
    OGPUError,
)

__all__ = [
    "IPFSContentMismatchError",
    "IPFSError",
    "IPFSFetchError",
    "IPFSGatewayError",
    "IPFSIntegrityError",
    "IPFSSizeLimitError",
]


class IPFSContentMismatchError(IPFSFetchError, IPFSIntegrityError):
    """Bytes fetched (or pinned) do not hash to the CID that names them.

    Both an :class:`IPFSFetchError` (the official catch-all for failed fetches) and an
    :class:`IPFSIntegrityError`. The bytes are never returned to the caller.
    """

    def __init__(self, url: str, expected_cid: str, actual_cid: str) -> None:
        self.url = url
        self.expected_cid = expected_cid
        self.actual_cid = actual_cid
        self.reason = f"content hashes to {actual_cid}, not {expected_cid}"
        OGPUError.__init__(
            self,
            f"IPFS content from {url} hashes to {actual_cid}, not {expected_cid}: the endpoint "
            "returned or stored different data; use another gateway",
        )


class IPFSSizeLimitError(IPFSFetchError):
    """A response body exceeded the client's size limit; reading was aborted."""

    def __init__(self, url: str, limit: int) -> None:
        self.limit = limit
        super().__init__(
            url, f"response exceeds the {limit}-byte limit (raise max_fetch_bytes if expected)"
        )
