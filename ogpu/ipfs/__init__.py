"""IPFS: content addressing, publishing and verified fetching.

The module-level functions keep the official SDK's names and use the IPFS client of the current
session (``get_session().ipfs``): give a session its client with ``Session(ipfs=...)`` and make
it current with ``use_session(...)`` (per thread and asyncio task). When any of these variables is
set, the functions use a client built from them instead:

* ``OGPU_IPFS_PINNING_URL`` — OpenGPU-style pinning endpoint (default
  ``https://capi.ogpuscan.io/file/create``);
* ``OGPU_IPFS_API`` — a Kubo RPC base URL; used for uploads when no pinning URL is set;
* ``OGPU_IPFS_GATEWAY`` — path gateway for reads by CID (default ``https://cipfs.ogpuscan.io``).

>>> import ogpu.ipfs as ipfs
>>> ipfs.cid_of(b"hello world\\n")
'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'

Publishing and fetching (needs a pinning service and a gateway)::

    url = ipfs.publish_to_ipfs({"result": 1}, "response.json")
    ipfs.fetch_ipfs_json(url)
    # {'result': 1}
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from ogpu.ipfs.backends import (
    DEFAULT_GATEWAY,
    DEFAULT_PINNING_URL,
    Added,
    Backend,
    KuboBackend,
    PinningBackend,
)
from ogpu.ipfs.cid import cid_of, is_cid, parse_cid_from_url, verify
from ogpu.ipfs.client import DEFAULT_MAX_FETCH_BYTES, IPFSClient, encode_payload
from ogpu.ipfs.errors import (
    IPFSContentMismatchError,
    IPFSError,
    IPFSFetchError,
    IPFSGatewayError,
    IPFSIntegrityError,
    IPFSSizeLimitError,
)

__all__ = [
    "DEFAULT_GATEWAY",
    "DEFAULT_MAX_FETCH_BYTES",
    "DEFAULT_PINNING_URL",
    "Added",
    "Backend",
    "IPFSClient",
    "IPFSContentMismatchError",
    "IPFSError",
    "IPFSFetchError",
    "IPFSGatewayError",
    "IPFSIntegrityError",
    "IPFSSizeLimitError",
    "KuboBackend",
    "PinningBackend",
    "cid_of",
    "client_from_env",
    "encode_payload",
    "fetch_bytes",
    "fetch_ipfs_json",
    "get_default_ipfs",
    "is_cid",
    "parse_cid_from_url",
    "publish_bytes",
    "publish_to_ipfs",
    "verify",
]


def client_from_env(environ: Mapping[str, str] | None = None, **kwargs: Any) -> IPFSClient:
    """Build an :class:`IPFSClient` from ``OGPU_IPFS_*`` variables (see module docstring).

    Example:
        >>> client_from_env({"OGPU_IPFS_API": "http://127.0.0.1:5001"}).backend
        KuboBackend(api='http://127.0.0.1:5001')
    """
    env = os.environ if environ is None else environ
    pinning = env.get("OGPU_IPFS_PINNING_URL", "").strip()
    api = env.get("OGPU_IPFS_API", "").strip()
    gateway = env.get("OGPU_IPFS_GATEWAY", "").strip() or DEFAULT_GATEWAY
    # a pinning URL wins over a Kubo API; with neither, the OpenGPU pinning service
    backend: Backend = (
        KuboBackend(api) if api and not pinning else PinningBackend(pinning or DEFAULT_PINNING_URL)
    )
    return IPFSClient(backend, gateway=gateway, **kwargs)


_ENV_VARS = ("OGPU_IPFS_PINNING_URL", "OGPU_IPFS_API", "OGPU_IPFS_GATEWAY")


def get_default_ipfs() -> IPFSClient:
    """The client the module functions use: one built from the ``OGPU_IPFS_*`` variables when
    any is set, otherwise the current session's (``get_session().ipfs``), so on the devnet uploads
    go to the devnet's store and on mainnet to the OpenGPU pinning service."""
    env = tuple(os.environ.get(v, "").strip() for v in _ENV_VARS)
    if any(env):
        return _client_for(env)
    from ogpu.chain.session import get_session  # the session knows the network's IPFS settings

    client: IPFSClient = get_session().ipfs
    return client


@lru_cache(maxsize=4)
def _client_for(env: tuple[str, ...]) -> IPFSClient:
    """One client per ``OGPU_IPFS_*`` setting (its connections are reused)."""
    return client_from_env(dict(zip(_ENV_VARS, env, strict=True)))


def publish_to_ipfs(
    data: Any,
    filename: str = "data.json",
    content_type: str = "application/json",
    timeout: float | None = None,
    retries: int | None = None,
    backoff: float | None = None,
    _deadline: float | None = None,
    *,
    client: IPFSClient | None = None,
) -> str:
    """Pin ``data`` (dict, pydantic model, str or bytes) and return the URL of the content.

    Dicts and models are serialised as compact, key-sorted JSON. Transient failures are retried
    (``retries`` times, exponential ``backoff`` with jitter); 4xx or an answer without a link raise
    :class:`IPFSGatewayError`; network failure raises :class:`IPFSFetchError`. ``_deadline`` is
    an absolute ``time.monotonic()`` bound over all attempts (used by workflow time budgets).
    """
    return (client or get_default_ipfs()).publish(
        data,
        filename,
        content_type,
        timeout=timeout,
        retries=retries,
        backoff=backoff,
        deadline=_deadline,
    )


def publish_bytes(
    data: bytes,
    filename: str = "data.bin",
    content_type: str = "application/octet-stream",
    *,
    timeout: float | None = None,
    client: IPFSClient | None = None,
) -> str:
    """Pin raw bytes and return the URL of the content."""
    return (client or get_default_ipfs()).publish_bytes(
        data, filename, content_type, timeout=timeout
    )


def fetch_bytes(
    url: str,
    *,
    max_bytes: int | None = None,
    timeout: float | None = None,
    client: IPFSClient | None = None,
) -> bytes:
    """Fetch bytes from a gateway URL, ``ipfs://`` URL or CID, verified against the CID."""
    return (client or get_default_ipfs()).fetch_bytes(url, max_bytes=max_bytes, timeout=timeout)


def fetch_ipfs_json(
    url: str, timeout: float | None = None, *, client: IPFSClient | None = None
) -> dict[str, Any]:
    """GET ``url`` and parse a JSON object (verified against the CID the URL names).

    Non-2xx → :class:`IPFSGatewayError`; network, size-limit, integrity or JSON failure →
    :class:`IPFSFetchError`.
    """
    return (client or get_default_ipfs()).fetch_json(url, timeout=timeout)
