"""IPFS: content addressing, publishing and verified fetching.

The module-level functions keep the official SDK's names and use a process default
:class:`IPFSClient`, built on first use from the environment:

* ``OGPU_IPFS_PINNING_URL`` — OpenGPU-style pinning endpoint (default
  ``https://capi.ogpuscan.io/file/create``);
* ``OGPU_IPFS_API`` — a Kubo RPC base URL; used for uploads when no pinning URL is set;
* ``OGPU_IPFS_GATEWAY`` — path gateway for reads by CID (default ``https://cipfs.ogpuscan.io``).

Swap it with :func:`set_default_ipfs` or temporarily with :func:`using_ipfs`.

Example:
    >>> import ogpu.ipfs as ipfs
    >>> ipfs.cid_of(b"hello world\\n")
    'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    >>> url = ipfs.publish_to_ipfs({"result": 1}, "response.json")  # doctest: +SKIP
    >>> ipfs.fetch_ipfs_json(url)  # doctest: +SKIP
    {'result': 1}
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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
    "set_default_ipfs",
    "using_ipfs",
    "verify",
]

_default: IPFSClient | None = None
_default_lock = threading.Lock()


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
    backend: Backend
    if pinning:
        backend = PinningBackend(pinning)
    elif api:
        backend = KuboBackend(api)
    else:
        backend = PinningBackend(DEFAULT_PINNING_URL)
    return IPFSClient(backend, gateway=gateway, **kwargs)


_ENV_VARS = ("OGPU_IPFS_PINNING_URL", "OGPU_IPFS_API", "OGPU_IPFS_GATEWAY")


def get_default_ipfs() -> IPFSClient:
    """The client the module functions use.

    In order: the one given to :func:`set_default_ipfs`/:func:`using_ipfs`; one built from the
    ``OGPU_IPFS_*`` variables when any is set; otherwise the IPFS client of the default session, so
    on the devnet uploads go to the devnet's store and on mainnet to the OpenGPU pinning service.
    """
    global _default
    with _default_lock:
        if _default is not None:
            return _default
        if any(os.environ.get(v, "").strip() for v in _ENV_VARS):
            _default = client_from_env()
            return _default
    from ogpu.chain.session import get_session  # the session knows the network's IPFS settings

    client: IPFSClient = get_session().ipfs
    return client


def set_default_ipfs(client: IPFSClient | None) -> IPFSClient | None:
    """Replace the process default client (``None``: rebuild from the environment on next use).

    Returns the previous default so callers can restore it.
    """
    global _default
    with _default_lock:
        previous, _default = _default, client
        return previous


@contextmanager
def using_ipfs(client: IPFSClient) -> Iterator[IPFSClient]:
    """Use ``client`` as the process default inside a ``with`` block.

    Example:
        >>> with using_ipfs(IPFSClient(KuboBackend("http://127.0.0.1:5001"))):  # doctest: +SKIP
        ...     publish_to_ipfs({"a": 1})
    """
    previous = set_default_ipfs(client)
    try:
        yield client
    finally:
        set_default_ipfs(previous)


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

    Example:
        >>> publish_to_ipfs({"function_name": "sentiment", "data": {"text": "hi"}},
        ...                 "taskConfig.json")  # doctest: +SKIP
        'https://cipfs.ogpuscan.io/ipfs/Qm...'
    """
    c = client if client is not None else get_default_ipfs()
    return c.publish(
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
    """Pin raw bytes and return the URL of the content.

    Example:
        >>> publish_bytes(b"\\x00\\x01", "blob.bin")  # doctest: +SKIP
        'https://cipfs.ogpuscan.io/ipfs/Qm...'
    """
    c = client if client is not None else get_default_ipfs()
    return c.publish_bytes(data, filename, content_type, timeout=timeout)


def fetch_bytes(
    url: str,
    *,
    max_bytes: int | None = None,
    timeout: float | None = None,
    client: IPFSClient | None = None,
) -> bytes:
    """Fetch bytes from a gateway URL, ``ipfs://`` URL or CID, verified against the CID.

    Example:
        >>> fetch_bytes("ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")  # doctest: +SKIP
        b'hello world\\n'
    """
    c = client if client is not None else get_default_ipfs()
    return c.fetch_bytes(url, max_bytes=max_bytes, timeout=timeout)


def fetch_ipfs_json(
    url: str, timeout: float | None = None, *, client: IPFSClient | None = None
) -> dict[str, Any]:
    """GET ``url`` and parse a JSON object (verified against the CID the URL names).

    Non-2xx → :class:`IPFSGatewayError`; network, size-limit, integrity or JSON failure →
    :class:`IPFSFetchError`.

    Example:
        >>> fetch_ipfs_json("https://cipfs.ogpuscan.io/ipfs/Qm...")  # doctest: +SKIP
        {'result': 'positive', 'confidence': 0.97}
    """
    c = client if client is not None else get_default_ipfs()
    return c.fetch_json(url, timeout=timeout)
