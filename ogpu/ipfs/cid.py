"""Content addressing identical to Kubo's default ``ipfs add``.

Kubo's defaults: CIDv0, fixed-size 256 KiB chunks, a balanced DAG with at most 174 links per node,
dag-pb nodes carrying UnixFS ``File`` data, no raw leaves. The protobuf encoding is written by hand
(two tiny messages); ``multiformats`` wraps digests into CIDs.

Example:
    >>> cid_of(b"hello world\\n")
    'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from multiformats import CID, multihash

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_MAX_LINKS",
    "cid_and_size",
    "cid_of",
    "is_cid",
    "parse_cid",
    "parse_cid_from_url",
    "verify",
]

DEFAULT_CHUNK_SIZE = 256 * 1024
DEFAULT_MAX_LINKS = 174

_UNIXFS_FILE = 2
_SHA256_MH_PREFIX = b"\x12\x20"  # multihash code sha2-256, 32-byte digest
_CIDV1_RAW_PREFIX = b"\x01\x55"  # CIDv1, codec raw
_CIDV1_DAGPB_PREFIX = b"\x01\x70"  # CIDv1, codec dag-pb


# --- protobuf (hand written: varints + length-delimited fields) --------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _field_varint(field: int, value: int) -> bytes:
    return _varint(field << 3) + _varint(value)


def _field_bytes(field: int, value: bytes) -> bytes:
    return _varint((field << 3) | 2) + _varint(len(value)) + value


def _unixfs_file(data: bytes, filesize: int, blocksizes: Sequence[int] = ()) -> bytes:
    """UnixFS ``Data`` message: Type=File(1), Data(2, omitted when empty), filesize(3), blocksizes(4)."""
    out = _field_varint(1, _UNIXFS_FILE)
    if data:
        out += _field_bytes(2, data)
    out += _field_varint(3, filesize)
    for size in blocksizes:
        out += _field_varint(4, size)
    return out


def _pb_link(cid_bytes: bytes, tsize: int) -> bytes:
    """dag-pb ``PBLink``: Hash(1), Name(2, empty string as Kubo writes it), Tsize(3)."""
    return _field_bytes(1, cid_bytes) + _field_bytes(2, b"") + _field_varint(3, tsize)


def _pb_node(links: Sequence[bytes], data: bytes) -> bytes:
    """dag-pb ``PBNode`` in canonical order: Links(2) first, then Data(1)."""
    return b"".join(_field_bytes(2, link) for link in links) + _field_bytes(1, data)


# --- base58btc for CIDv0 (the common case, without building a CID object) ---------------------

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58)}
_CIDV0 = re.compile(r"^Qm[1-9A-HJ-NP-Za-km-z]{44}$")


def _b58encode(raw: bytes) -> str:
    n = int.from_bytes(raw, "big")
    out: list[str] = []
    while n:
        n, r = divmod(n, 58)
        out.append(_B58[r])
    pad = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * pad + "".join(reversed(out))


def v0_multihash(text: str) -> bytes | None:
    """The sha2-256 multihash a ``Qm…`` CIDv0 string encodes, or ``None``."""
    if not _CIDV0.match(text):
        return None
    n = 0
    for c in text:
        n = n * 58 + _B58_INDEX[c]
    if n.bit_length() > 34 * 8:
        return None
    raw = n.to_bytes(34, "big")
    return raw if raw[:2] == _SHA256_MH_PREFIX else None


# --- DAG builder --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    cid_bytes: bytes  # what a parent link's Hash holds (multihash for v0, binary CID for v1)
    filesize: int  # bytes of file content below this node
    tsize: int  # serialized size of this block plus all blocks below it


def _leaf(chunk: bytes, *, raw_leaves: bool) -> _Node:
    if raw_leaves:
        digest = hashlib.sha256(chunk).digest()
        return _Node(_CIDV1_RAW_PREFIX + _SHA256_MH_PREFIX + digest, len(chunk), len(chunk))
    block = _pb_node((), _unixfs_file(chunk, len(chunk)))
    return _Node(_mh_prefix(raw_leaves) + hashlib.sha256(block).digest(), len(chunk), len(block))


def _mh_prefix(v1: bool) -> bytes:
    return (_CIDV1_DAGPB_PREFIX if v1 else b"") + _SHA256_MH_PREFIX


def _parent(children: Sequence[_Node], *, v1: bool) -> _Node:
    filesize = sum(c.filesize for c in children)
    data = _unixfs_file(b"", filesize, [c.filesize for c in children])
    block = _pb_node([_pb_link(c.cid_bytes, c.tsize) for c in children], data)
    return _Node(
        _mh_prefix(v1) + hashlib.sha256(block).digest(),
        filesize,
        len(block) + sum(c.tsize for c in children),
    )


def _root(data: bytes, chunk_size: int, max_links: int, *, raw_leaves: bool = False) -> _Node:
    if chunk_size <= 0 or max_links < 2:
        raise ValueError("chunk_size must be > 0 and max_links >= 2")
    v1 = raw_leaves  # Kubo only produces raw leaves together with CIDv1
    level = [
        _leaf(data[i : i + chunk_size], raw_leaves=raw_leaves)
        for i in range(0, max(len(data), 1), chunk_size)
    ]
    if len(level) == 1:
        return level[0]
    # Kubo's balanced builder fills full subtrees of max_links**depth leaves left to right; grouping
    # each level by max_links bottom-up yields exactly the same tree.
    while len(level) > 1:
        level = [_parent(level[i : i + max_links], v1=v1) for i in range(0, len(level), max_links)]
    return level[0]


def cid_of(
    data: bytes,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    max_links: int = DEFAULT_MAX_LINKS,
) -> str:
    """CIDv0 of ``data`` exactly as Kubo's default ``ipfs add`` computes it.

    ``chunk_size``/``max_links`` exist to exercise the tree shape in tests; keep the defaults to
    match Kubo.

    Example:
        >>> cid_of(b"")
        'QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH'
    """
    root = _root(bytes(data), chunk_size, max_links)
    return _b58encode(root.cid_bytes)


def cid_and_size(data: bytes) -> tuple[str, int]:
    """CIDv0 of ``data`` and the cumulative DAG size Kubo reports as ``Size`` after ``add``.

    Example:
        >>> cid_and_size(b"hello world\\n")
        ('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o', 20)
    """
    root = _root(bytes(data), DEFAULT_CHUNK_SIZE, DEFAULT_MAX_LINKS)
    return _b58encode(root.cid_bytes), root.tsize


# --- parsing and verification -------------------------------------------------------------------

_CID_CHARS = re.compile(
    r"^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,}|k[0-9a-z]{20,}|[zfFmMuU][0-9A-Za-z+/=_-]{20,})$"
)


def parse_cid(text: str) -> CID:
    """Decode a CID string (v0 base58 or v1 multibase); raises ``ValueError`` when invalid."""
    try:
        return CID.decode(text)
    except Exception as exc:  # multiformats raises several exception types
        raise ValueError(f"not a CID: {text!r}") from exc


def is_cid(text: str) -> bool:
    """True when ``text`` decodes as a CID."""
    if not _CID_CHARS.match(text):
        return False
    if v0_multihash(text) is not None:
        return True
    try:
        parse_cid(text)
    except ValueError:
        return False
    return True


def parse_cid_from_url(url: str) -> str | None:
    """Extract the CID named by a gateway URL, or ``None`` when it names none.

    Understands path gateways (``https://host/ipfs/<cid>[/path]``), ``ipfs://<cid>[/path]``,
    subdomain gateways (``https://<cid>.ipfs.host/...``) and a bare CID.

    Example:
        >>> parse_cid_from_url("https://cipfs.ogpuscan.io/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")
        'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    """
    url = url.strip()
    if is_cid(url):
        return url
    parts = urlsplit(url)
    if parts.scheme == "ipfs":
        candidate = parts.netloc or parts.path.lstrip("/").split("/", 1)[0]
        return candidate if is_cid(candidate) else None
    segments = [s for s in parts.path.split("/") if s]
    for i, segment in enumerate(segments[:-1]):
        if segment == "ipfs" and is_cid(segments[i + 1]):
            return segments[i + 1]
    host = parts.hostname or ""
    labels = host.split(".")
    if len(labels) >= 2 and labels[1] == "ipfs" and is_cid(labels[0]):
        return labels[0]
    return None


def has_subpath(url: str) -> bool:
    """True when a gateway URL points below its CID (``/ipfs/<cid>/file.json``)."""
    cid = parse_cid_from_url(url)
    if cid is None:
        return False
    parts = urlsplit(url.strip())
    if parts.scheme == "ipfs":
        rest = parts.path if parts.netloc else parts.path.lstrip("/")[len(cid) :]
        return bool(rest.strip("/"))
    segments = [s for s in parts.path.split("/") if s]
    if cid in segments:
        return segments.index(cid) < len(segments) - 1
    return bool(segments)  # subdomain gateway: any path is below the root


def verify(data: bytes, cid: str | CID) -> bool:
    """True when ``data`` is the content addressed by ``cid``.

    CIDv0 and CIDv1 dag-pb are re-derived with the Kubo-default DAG builder (for v1, both with and
    without raw leaves, as ``ipfs add --cid-version=1`` uses raw leaves); CIDv1 ``raw`` compares
    the digest of the bytes directly. Content chunked with non-default settings does not verify.

    Example:
        >>> verify(b"hello world\\n", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o")
        True
    """
    parsed = parse_cid(cid) if isinstance(cid, str) else cid
    codec = parsed.codec.name
    hash_name = parsed.hashfun.name
    data = bytes(data)
    if codec == "raw":
        try:
            return bool(parsed.digest == multihash.digest(data, hash_name))
        except Exception:
            return False
    if codec != "dag-pb" or hash_name != "sha2-256":
        return False
    if parsed.version == 0:
        return _root(data, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_LINKS).cid_bytes == bytes(parsed.digest)
    for raw_leaves in (False, True):
        node = _root(data, DEFAULT_CHUNK_SIZE, DEFAULT_MAX_LINKS, raw_leaves=raw_leaves)
        digest = node.cid_bytes[2:] if node.cid_bytes[:1] == b"\x01" else node.cid_bytes
        if node.cid_bytes[:2] != _CIDV1_RAW_PREFIX and digest == bytes(parsed.digest):
            return True
    return False
