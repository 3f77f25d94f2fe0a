"""Where bytes get pinned: the OpenGPU pinning endpoint or a Kubo node's RPC API.

A backend only knows its wire format; retries, timeouts and size limits come from the
:class:`~ogpu.ipfs.client.IPFSClient` that calls it through ``send``.

Example:
    >>> PinningBackend("http://127.0.0.1:8081/file/create").url
    'http://127.0.0.1:8081/file/create'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from ogpu.ipfs._http import Reply
from ogpu.ipfs.cid import has_subpath, parse_cid_from_url, v0_multihash
from ogpu.ipfs.errors import IPFSGatewayError
from ogpu.types import jsonsafe

__all__ = [
    "DEFAULT_GATEWAY",
    "DEFAULT_PINNING_URL",
    "Added",
    "Backend",
    "KuboBackend",
    "PinningBackend",
    "Sender",
]

DEFAULT_PINNING_URL = "https://capi.ogpuscan.io/file/create"
DEFAULT_GATEWAY = "https://cipfs.ogpuscan.io"


class Sender(Protocol):
    """The client's request function (retries, timeouts and limits already applied)."""

    def __call__(
        self,
        method: str,
        url: str,
        *,
        files: Any = ...,
        params: Mapping[str, str] | None = ...,
        limit: int = ...,
    ) -> Reply: ...


@dataclass(frozen=True)
class Added:
    """Result of an upload: the CID the service reports and the URL it returned, if any."""

    cid: str | None
    url: str | None


class Backend(Protocol):
    """Something that pins bytes (and optionally reads them back by CID)."""

    def add(self, send: Sender, data: bytes, filename: str, content_type: str) -> Added: ...

    def cat(self, send: Sender, cid: str, limit: int) -> bytes | None:
        """Bytes of ``cid`` through the backend's own API, or ``None`` to use the gateway."""
        ...


#: ``/ipfs/<CIDv0>``: the path of the link a pinning service answers with
_V0_PATH = re.compile(r"/ipfs/(Qm[1-9A-HJ-NP-Za-km-z]{44})")


def _link_cid(link: str) -> str | None:
    """The CID a pinning link names, ``None`` when it names none or a file below a CID (a
    directory wrapper: not comparable with the content's own CID).

    The common ``http(s)://host/ipfs/<CIDv0>`` form is recognised without building a CID object
    (a base58 decode to the 34-byte sha2-256 multihash); anything else is parsed in full.
    """
    parts = urlsplit(link.strip())
    path = _V0_PATH.fullmatch(parts.path)
    if path and parts.scheme in ("http", "https") and not parts.query and not parts.fragment:
        text = path.group(1)
        if v0_multihash(text) is not None and ".ipfs." not in parts.netloc:
            return text
    return None if has_subpath(link) else parse_cid_from_url(link)


def _json_object(reply: Reply) -> dict[str, Any] | None:
    try:
        obj = jsonsafe.loads(reply.content)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


@dataclass(frozen=True)
class PinningBackend:
    """OpenGPU pinning shape: ``POST {url}`` multipart ``file`` → ``200/201 {"link": <url>}``.

    Example:
        >>> PinningBackend().url
        'https://capi.ogpuscan.io/file/create'
    """

    url: str = DEFAULT_PINNING_URL

    def add(self, send: Sender, data: bytes, filename: str, content_type: str) -> Added:
        reply = send("POST", self.url, files={"file": (filename, data, content_type)})
        obj = _json_object(reply)
        link = obj.get("link") if obj else None
        if not isinstance(link, str) or not link:
            err = IPFSGatewayError(self.url, reply.status_code)
            err.message += ' (answer has no "link" field)'
            raise err
        return Added(cid=_link_cid(link), url=link)

    def cat(self, send: Sender, cid: str, limit: int) -> bytes | None:
        return None


@dataclass(frozen=True)
class KuboBackend:
    """Kubo RPC: ``POST {api}/api/v0/add`` (multipart) → ``{"Hash"}``; ``POST /api/v0/cat?arg=``.

    Example:
        >>> KuboBackend("http://127.0.0.1:5001/").api
        'http://127.0.0.1:5001'
    """

    api: str = "http://127.0.0.1:5001"

    def __post_init__(self) -> None:
        object.__setattr__(self, "api", self.api.rstrip("/"))

    def add(self, send: Sender, data: bytes, filename: str, content_type: str) -> Added:
        url = f"{self.api}/api/v0/add"
        reply = send("POST", url, files={"file": (filename, data, content_type)})
        # Kubo streams one JSON object per line; the last one names the root.
        cid = None
        for line in reply.content.decode("utf-8", "replace").splitlines():
            try:
                obj = jsonsafe.loads(line)
            except ValueError:
                continue
            if isinstance(obj, dict) and isinstance(obj.get("Hash"), str):
                cid = obj["Hash"]
        if cid is None:
            err = IPFSGatewayError(url, reply.status_code)
            err.message += ' (answer has no "Hash" field)'
            raise err
        return Added(cid=cid, url=None)

    def cat(self, send: Sender, cid: str, limit: int) -> bytes | None:
        reply = send("POST", f"{self.api}/api/v0/cat", params={"arg": cid}, limit=limit)
        return reply.content
