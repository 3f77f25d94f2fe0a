"""The provider's fetch of a task config: the URL is chosen by the task's publisher, a stranger.

A URL that names a CID (``ipfs://<cid>``, ``https://any.host/ipfs/<cid>``, a subdomain gateway)
is read by CID through the provider's own configured IPFS client: the host in the URL is never
contacted and the bytes are verified against the CID. Any other ``http(s)`` URL is fetched only
when every address its host resolves to is public (no loopback, private, link-local, multicast,
reserved or unspecified address, IPv4-mapped IPv6 included); the connection goes to the address
that was checked, redirects are followed by hand and re-checked at every hop, and the whole
fetch (resolution, redirects, reads) runs under one total deadline and a size cap. Origins in
:attr:`FetchPolicy.allowed_origins` skip the address check (the devnet's store on 127.0.0.1).

>>> fetch_task_config("http://127.0.0.1:8080/cfg.json", policy=FetchPolicy())
Traceback (most recent call last):
...
ogpu.provider.fetch.DestinationRefusedError: 127.0.0.1 is not a public address (http://127.0.0.1:8080/cfg.json)
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import socket
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ogpu.ipfs import IPFSClient
from ogpu.ipfs.cid import has_subpath, parse_cid_from_url
from ogpu.types import jsonsafe
from ogpu.types.errors import OGPUError

__all__ = [
    "ALLOWED_ORIGINS_ENV",
    "ConfigFetchError",
    "DestinationRefusedError",
    "FetchPolicy",
    "fetch_task_config",
    "is_public_address",
]

#: Comma-separated origins (``http://127.0.0.1:8081``) exempt from the public-address check.
ALLOWED_ORIGINS_ENV = "OGPU_PROVIDER_ALLOWED_ORIGINS"

Resolver = Callable[[str, int], list[str]]

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# Name resolution runs here, not in the event loop's default executor: a resolver stuck past the
# deadline must not hold up ``asyncio.run`` (which waits for its default executor on exit).
_RESOLVERS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="ogpu-resolve")
_SAFE_SUBPATH = re.compile(r"^(/[A-Za-z0-9._-]+)*/?$")


class ConfigFetchError(OGPUError):
    """The task config cannot be fetched within the policy (deadline, size, redirects, status)."""


class DestinationRefusedError(ConfigFetchError):
    """The URL (or a redirect) leads to a destination the policy refuses."""


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (``getaddrinfo``), in the resolver's order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _origin(scheme: str, host: str, port: int | None) -> tuple[str, str, int]:
    default = 443 if scheme == "https" else 80
    return scheme.lower(), host.lower().strip("[]"), port or default


def _parse_origins(origins: tuple[str, ...]) -> frozenset[tuple[str, str, int]]:
    out = set()
    for o in origins:
        parts = urlsplit(o.strip())
        if parts.scheme in ("http", "https") and parts.hostname:
            out.add(_origin(parts.scheme, parts.hostname, parts.port))
    return frozenset(out)


@dataclass(frozen=True)
class FetchPolicy:
    """Limits of one task-config fetch.

    ``timeout``: total seconds for the whole fetch (not per read). ``max_bytes``: size cap.
    ``allowed_origins``: origins exempt from the public-address check (give the exact origin of
    a store you run, never a whole network). ``resolver``: ``(host, port) -> addresses``.
    """

    allowed_origins: tuple[str, ...] = ()
    timeout: float = 30.0
    max_bytes: int = 1024 * 1024
    max_redirects: int = 5
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **kwargs: Any) -> FetchPolicy:
        """A policy whose allowlist is ``$OGPU_PROVIDER_ALLOWED_ORIGINS`` (comma-separated)."""
        raw = (os.environ if env is None else env).get(ALLOWED_ORIGINS_ENV, "")
        origins = tuple(o.strip() for o in raw.split(",") if o.strip())
        return cls(allowed_origins=origins, **kwargs)

    def allows(self, scheme: str, host: str, port: int | None) -> bool:
        return _origin(scheme, host, port) in _parse_origins(self.allowed_origins)


def is_public_address(addr: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped/6to4 IPv6 judged by the IPv4)."""
    try:
        ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(
            addr.split("%", 1)[0]
        )
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.teredo is not None:
            return False
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None:
            ip = embedded
    bad = (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
    return ip.is_global and not bad


def fetch_task_config(
    url: str, *, policy: FetchPolicy, ipfs: IPFSClient | None = None, deadline: float | None = None
) -> dict[str, Any]:
    """The JSON object at ``url`` under ``policy`` (see the module docs).

    ``deadline`` (absolute ``time.monotonic()``) defaults to now + ``policy.timeout``. Raises
    :class:`DestinationRefusedError`, :class:`ConfigFetchError`, IPFS errors on the CID path and
    ``httpx.TransportError`` on a network failure (worth retrying before the deadline).
    """
    if deadline is None:
        deadline = time.monotonic() + policy.timeout
    cid = parse_cid_from_url(url)
    if cid is not None and ipfs is not None:
        return ipfs.fetch_json(
            f"ipfs://{cid}{_cid_subpath(url, cid)}", max_bytes=policy.max_bytes, deadline=deadline
        )
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ConfigFetchError(f"deadline passed before fetching {url}")
    try:
        raw = asyncio.run(asyncio.wait_for(_fetch(url, policy, remaining), remaining))
    except asyncio.TimeoutError:
        raise ConfigFetchError(f"deadline of {remaining:.1f} s exceeded fetching {url}") from None
    try:
        obj = jsonsafe.loads(raw)
    except ValueError as exc:
        raise ConfigFetchError(f"invalid JSON at {url}: {exc}") from exc
    if not isinstance(obj, dict):
        raise ConfigFetchError(f"expected a JSON object at {url}, got {type(obj).__name__}")
    return obj


def _cid_subpath(url: str, cid: str) -> str:
    if not has_subpath(url):
        return ""
    parts = urlsplit(url.strip())
    if parts.scheme == "ipfs":
        rest = url.strip().split(cid, 1)[1].split("?", 1)[0].split("#", 1)[0]
    elif f"/ipfs/{cid}" in parts.path:
        rest = parts.path.split(f"/ipfs/{cid}", 1)[1]
    else:
        rest = parts.path
    if not _SAFE_SUBPATH.match(rest) or "/../" in f"{rest}/" or "/./" in f"{rest}/":
        raise DestinationRefusedError(f"unsafe path below the CID in {url}")
    return rest.rstrip("/")


async def _fetch(url: str, policy: FetchPolicy, budget: float) -> bytes:
    timeout = httpx.Timeout(budget)
    async with httpx.AsyncClient(trust_env=False, follow_redirects=False, timeout=timeout) as c:
        for _ in range(policy.max_redirects + 1):
            request = c.build_request("GET", url)
            await _pin(request, url, policy)
            resp = await c.send(request, stream=True)
            try:
                location = resp.headers.get("location")
                if resp.status_code in _REDIRECTS and location:
                    url = urljoin(url, location)
                    continue
                if resp.status_code != 200:
                    raise ConfigFetchError(f"{url} answered HTTP {resp.status_code}")
                return await _read_capped(resp, policy.max_bytes, url)
            finally:
                await resp.aclose()
    raise ConfigFetchError(f"more than {policy.max_redirects} redirects from {url}")


async def _pin(request: httpx.Request, url: str, policy: FetchPolicy) -> None:
    """Check the destination of ``request`` and point it at the checked address."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise ConfigFetchError(f"bad port in {url}") from None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise DestinationRefusedError(f"not an http(s) URL with a host: {url}")
    if parts.username is not None or parts.password is not None:
        raise DestinationRefusedError(f"credentials in the URL are refused: {url}")
    scheme, host, port = _origin(parts.scheme, host, port)
    try:
        addrs = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addrs = await asyncio.wrap_future(_RESOLVERS.submit(policy.resolver, host, port))
        except OSError as exc:
            raise ConfigFetchError(f"cannot resolve {host}: {exc}") from exc
    if not addrs:
        raise ConfigFetchError(f"{host} resolves to no address")
    if not policy.allows(scheme, host, port):
        for addr in addrs:
            if not is_public_address(addr):
                raise DestinationRefusedError(f"{addr} is not a public address ({url})")
    addr = addrs[0]
    request.url = request.url.copy_with(host=addr)
    request.headers["Host"] = parts.netloc.rsplit("@", 1)[-1]
    if scheme == "https":
        request.extensions["sni_hostname"] = host


async def _read_capped(resp: httpx.Response, limit: int, url: str) -> bytes:
    length = resp.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise ConfigFetchError(f"{url} is larger than {limit} bytes")
    buf = bytearray()
    async for chunk in resp.aiter_bytes():
        buf += chunk
        if len(buf) > limit:
            raise ConfigFetchError(f"{url} is larger than {limit} bytes")
    return bytes(buf)
