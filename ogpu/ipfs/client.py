"""``IPFSClient``: publish and fetch content through a pluggable backend, verifying CIDs.

Construction does no I/O (the ``httpx.Client`` is created lazily unless injected), so a session can
build one client per network.

Integrity policy:

* Fetch: when the URL names a CID (``…/ipfs/<cid>``, ``ipfs://<cid>``, ``<cid>.ipfs.host``) and no
  sub-path, the bytes are re-hashed (Kubo-default DAG, see :mod:`ogpu.ipfs.cid`); a mismatch raises
  :class:`~ogpu.ipfs.errors.IPFSContentMismatchError` (an ``IPFSFetchError``) and the bytes are
  never returned. URLs with a sub-path or without a CID are not verifiable and are returned as is.
* Publish: the CID the service reports is compared with the locally computed one. A mismatch
  raises by default (``on_cid_mismatch="raise"``): a URL that does not verify would later be
  rejected by every verifying reader. ``"warn"`` logs and returns the link anyway.

Example:
    >>> client = IPFSClient(PinningBackend("http://127.0.0.1:8081/file/create"),
    ...                     gateway="http://127.0.0.1:8081")
    >>> client.gateway_url("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")
    'http://127.0.0.1:8081/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Literal, TypedDict
from urllib.parse import urlsplit

import httpx

from ogpu.ipfs import _http
from ogpu.ipfs.backends import DEFAULT_GATEWAY, Backend, PinningBackend, Sender
from ogpu.ipfs.cid import cid_of, has_subpath, parse_cid, parse_cid_from_url, verify
from ogpu.ipfs.errors import IPFSContentMismatchError, IPFSFetchError
from ogpu.types import jsonsafe

if TYPE_CHECKING:
    from typing_extensions import Unpack


@lru_cache(maxsize=16)
def local_cid(data: bytes) -> str:
    """:func:`~ogpu.ipfs.cid.cid_of`, remembered for the last few payloads: a workflow computes
    the CID to build its transaction, then the upload checks the store's answer against it."""
    return cid_of(data)


__all__ = ["DEFAULT_MAX_FETCH_BYTES", "IPFSClient", "encode_payload", "local_cid"]

log = logging.getLogger("ogpu.ipfs")

DEFAULT_MAX_FETCH_BYTES = 16 * 1024 * 1024


def encode_payload(data: Any) -> bytes:
    """Bytes to pin for ``data``: bytes as is, ``str`` as UTF-8, anything else as compact JSON.

    Pydantic models are dumped in JSON mode; objects with ``to_dict()`` (``TaskInput``,
    ``SourceMetadata``) use it. JSON is deterministic: sorted keys, no whitespace, UTF-8.

    Example:
        >>> encode_payload({"b": 1, "a": [True, None]})
        b'{"a":[true,null],"b":1}'
    """
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    model_dump = getattr(data, "model_dump", None)
    if callable(model_dump):
        data = model_dump(mode="json")
    else:
        to_dict = getattr(data, "to_dict", None)
        if callable(to_dict):
            data = to_dict()
    try:
        jsonsafe.check_depth(data)
        text = json.dumps(data, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise TypeError(f"cannot publish {type(data).__name__} as JSON: {exc}") from exc
    return text.encode("utf-8")


class CallOptions(TypedDict, total=False):
    """Per-call overrides of an :class:`IPFSClient`'s policy (``None``: the client's)."""

    timeout: float | None
    retries: int | None
    backoff: float | None
    #: an absolute ``time.monotonic()`` bound over all attempts
    deadline: float | None


def _normalise_gateway(gateway: str) -> str:
    gateway = gateway.rstrip("/")
    return gateway[: -len("/ipfs")] if gateway.endswith("/ipfs") else gateway


class IPFSClient:
    """Publish/fetch IPFS content with retries, size limits and CID verification.

    Args:
        backend: where uploads go (:class:`PinningBackend` or :class:`KuboBackend`).
        gateway: path-gateway base for reads by CID (``{gateway}/ipfs/<cid>``); also used to build
            the URL of content pinned through a backend that returns only a CID (Kubo).
        http: an ``httpx.Client`` to use (tests inject one with ``httpx.MockTransport``); the
            client does not close an injected one.
        timeout, retries, backoff: per-request timeout (s), retries after the first attempt for
            transient failures, base of the exponential backoff (s).
        max_fetch_bytes: reads stop (``IPFSSizeLimitError``) past this many bytes.
        verify: re-hash fetched content against the CID named by the URL.
        on_cid_mismatch: ``"raise"`` or ``"warn"`` when a pinned CID differs from the local one.

    Example:
        >>> from ogpu.ipfs.backends import KuboBackend
        >>> c = IPFSClient(KuboBackend("http://127.0.0.1:5001"), gateway="http://127.0.0.1:8080/ipfs/")
        >>> c.gateway
        'http://127.0.0.1:8080'
    """

    def __init__(
        self,
        backend: Backend | None = None,
        *,
        gateway: str = DEFAULT_GATEWAY,
        http: httpx.Client | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        backoff: float = 0.5,
        max_fetch_bytes: int = DEFAULT_MAX_FETCH_BYTES,
        verify: bool = True,
        on_cid_mismatch: Literal["raise", "warn"] = "raise",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if retries < 0 or timeout <= 0 or backoff < 0 or max_fetch_bytes <= 0:
            raise ValueError("need retries >= 0, timeout > 0, backoff >= 0, max_fetch_bytes > 0")
        if on_cid_mismatch not in ("raise", "warn"):
            raise ValueError('on_cid_mismatch must be "raise" or "warn"')
        self.backend: Backend = backend if backend is not None else PinningBackend()
        self.gateway = _normalise_gateway(gateway)
        self.policy = _http.RetryPolicy(timeout=timeout, retries=retries, backoff=backoff)
        self.max_fetch_bytes = max_fetch_bytes
        self.verify = verify
        self.on_cid_mismatch = on_cid_mismatch
        self._sleep = sleep
        self._http = http
        self._owns_http = http is None
        self._lock = threading.Lock()
        #: (prefix, suffix) around the CID in the backend's last link naming our CID
        self._link_shape: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return f"IPFSClient(backend={self.backend!r}, gateway={self.gateway!r})"

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        """The underlying ``httpx.Client`` (created on first use)."""
        with self._lock:
            if self._http is None:
                from ogpu.rpc._transport import http_transport

                self._http = httpx.Client(follow_redirects=True, transport=http_transport())
            return self._http

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        with self._lock:
            if self._owns_http and self._http is not None:
                self._http.close()
                self._http = None

    def __enter__(self) -> IPFSClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- helpers ------------------------------------------------------------------------------

    def gateway_url(self, cid: str) -> str:
        """Path-gateway URL of ``cid``."""
        return f"{self.gateway}/ipfs/{cid}"

    def predict_url(self, cid: str) -> str:
        """The URL :meth:`publish_bytes` will most likely return for content with ``cid``: the
        shape of the backend's last link (its own gateway), else :meth:`gateway_url`."""
        shape = self._link_shape
        return f"{shape[0]}{cid}{shape[1]}" if shape is not None else self.gateway_url(cid)

    def _sender(self, opts: CallOptions) -> Sender:
        """The request function of one call: the client's policy with ``opts`` applied."""
        changes: dict[str, Any] = {k: v for k, v in opts.items() if v is not None}
        policy = replace(self.policy, **changes)
        return partial(_http.request, self.http, policy=policy, sleep=self._sleep)

    # --- publish --------------------------------------------------------------------------------

    def publish_bytes(
        self,
        data: bytes,
        filename: str = "data.bin",
        content_type: str = "application/octet-stream",
        **opts: Unpack[CallOptions],
    ) -> str:
        """Pin ``data``; return the URL of the content (the service's link or a gateway URL).

        ``opts`` override the client's ``timeout``/``retries``/``backoff`` for this call;
        ``deadline`` is an absolute ``time.monotonic()`` bound over all attempts.
        """
        data = bytes(data)
        local = local_cid(data)
        send = self._sender(opts)
        added = self.backend.add(send, data, filename, content_type)
        url = added.url or self.gateway_url(added.cid or local)
        if added.cid is None:
            log.warning("pinned %s at %s: the link names no CID, it cannot be verified", local, url)
        elif added.cid != local and not verify(data, added.cid):
            err = IPFSContentMismatchError(url, expected_cid=added.cid, actual_cid=local)
            if self.on_cid_mismatch == "raise":
                raise err
            log.warning("%s", err)
        if added.url and added.cid == local and added.url.count(local) == 1:
            prefix, suffix = added.url.split(local)
            self._link_shape = (prefix, suffix)
        log.debug("pinned %d bytes as %s -> %s", len(data), local, url)
        return url

    def publish(
        self,
        data: Any,
        filename: str = "data.json",
        content_type: str = "application/json",
        **opts: Unpack[CallOptions],
    ) -> str:
        """Pin ``data`` (dict, pydantic model, str or bytes; see :func:`encode_payload`)."""
        return self.publish_bytes(encode_payload(data), filename, content_type, **opts)

    # --- fetch ----------------------------------------------------------------------------------

    def fetch_bytes(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        **opts: Unpack[CallOptions],
    ) -> bytes:
        """Bytes at ``url`` (http(s) URL, ``ipfs://<cid>[/path]`` or a bare CID), verified."""
        limit = max_bytes if max_bytes is not None else self.max_fetch_bytes
        send = self._sender(opts)
        target = url.strip()
        cid = parse_cid_from_url(target)
        subpath = has_subpath(target)
        scheme = urlsplit(target).scheme
        data: bytes | None = None
        if cid is not None and scheme not in ("http", "https"):
            if not subpath:
                data = self.backend.cat(send, cid, limit)
            if data is None:
                target = self.gateway_url(cid) + (target.split(cid, 1)[1] if subpath else "")
        elif scheme not in ("http", "https"):
            raise IPFSFetchError(url, "not an http(s) URL, ipfs:// URL or CID")
        if data is None:
            data = send("GET", target, limit=limit).content
        if self.verify and cid is not None and not subpath and not verify(data, parse_cid(cid)):
            raise IPFSContentMismatchError(target, expected_cid=cid, actual_cid=cid_of(data))
        return data

    def fetch_json(
        self,
        url: str,
        *,
        max_bytes: int | None = None,
        **opts: Unpack[CallOptions],
    ) -> dict[str, Any]:
        """Fetch ``url`` (see :meth:`fetch_bytes`) and parse a JSON object."""
        raw = self.fetch_bytes(url, max_bytes=max_bytes, **opts)
        try:
            obj = jsonsafe.loads(raw)
        except ValueError as exc:
            raise IPFSFetchError(url, f"invalid JSON: {exc}") from exc
        if not isinstance(obj, dict):
            raise IPFSFetchError(url, f"expected a JSON object, got {type(obj).__name__}")
        return obj
