"""A source's declared handlers, read from its metadata, and the pre-payment input check.

A source published with ``handlers=`` carries its functions' JSON Schemas in its metadata
document (see :mod:`ogpu.service.schemas`). :func:`check_task_input` refuses a task whose
function the source does not declare (:class:`~ogpu.types.UnknownFunctionError`) or whose
``data`` does not match the input schema (:class:`~ogpu.types.InvalidTaskInputError`) — it runs
in :func:`ogpu.client.publish_task` before anything is uploaded or signed.

The metadata document is fetched once per CID — by CID, through the session's own IPFS
endpoint, verified against it — and kept in a small LRU cache (a CID names immutable content).
Sources without schemas, metadata URLs without a CID (never fetched: the URL is the source
owner's choice), metadata that cannot be fetched and schema documents that fail the safety checks
all behave as before: the task is not checked (the last two are logged on ``ogpu.client``).

>>> from ogpu.chain import Session
>>> from ogpu.client import ImageEnvironments, SourceInfo, publish_source
>>> session = Session("devnet")
>>> source = publish_source(SourceInfo(name="demo", description="demo", logoUrl="",
...     imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
...     minPayment=10**16, minAvailableLockup=0, maxExpiryDuration=3600),
...     handlers="ogpu.devnet.demo_handlers", session=session)
>>> doc = source_handlers(source.address, session=session)
>>> doc.names()
['echo', 'hash', 'sentiment', 'text_stats', 'thumbnail']
>>> doc.check("sentiment", {"txt": "great"})
Traceback (most recent call last):
...
ogpu.types.errors.InvalidTaskInputError: invalid input for 'sentiment': ...
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ogpu.ipfs import parse_cid_from_url
from ogpu.ipfs.cid import has_subpath
from ogpu.protocol._base import checksum
from ogpu.service.schemas import (
    MAX_DOCUMENT_BYTES,
    METADATA_FIELD,
    HandlersDocument,
    InvalidHandlersDocumentError,
)
from ogpu.types.errors import IPFSError, IPFSFetchError

if TYPE_CHECKING:
    from ogpu.chain import Session
    from ogpu.client.models import TaskInfo

__all__ = ["check_task_input", "clear_cache", "source_handlers", "source_metadata"]

log = logging.getLogger("ogpu.client")

#: Metadata documents larger than this are not read (the schemas plus the official keys).
MAX_METADATA_BYTES = MAX_DOCUMENT_BYTES + 16 * 1024
CACHE_SIZE = 128
FETCH_TIMEOUT = 10.0
FETCH_RETRIES = 1
#: After a failed metadata fetch, that CID is not fetched again for this many seconds.
FAILURE_TTL = 60.0

_cache: OrderedDict[str, HandlersDocument | None] = OrderedDict()
_failed: OrderedDict[str, float] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached schema document."""
    with _lock:
        _cache.clear()
        _failed.clear()


def _parse_metadata(metadata: dict[str, Any], url: str) -> HandlersDocument | None:
    if METADATA_FIELD not in metadata:
        return None
    try:
        return HandlersDocument.parse(metadata[METADATA_FIELD])
    except InvalidHandlersDocumentError as exc:
        log.warning("ignoring the handler schemas in %s: %s", url, exc)
        return None


def source_handlers(
    source: Any, *, session: Session | None = None, metadata_url: str | None = None
) -> HandlersDocument | None:
    """The handlers ``source`` declares, or ``None`` when its metadata declares none.

    ``metadata_url`` skips reading ``imageMetadataUrl`` from the chain when the caller has it.
    Raises IPFS errors when the metadata cannot be fetched or does not match its CID.
    """
    from ogpu.chain.session import get_session
    from ogpu.protocol.source import Source

    s = session if session is not None else get_session()
    if metadata_url is None:
        address = checksum(getattr(source, "address", source), what="source address")
        # ``load`` refuses an address that is not a source (SourceNotFoundError), not a revert
        metadata_url = Source.load(address, session=s).get_params().imageMetadataUrl
    cid = parse_cid_from_url(metadata_url)
    if cid is None or has_subpath(metadata_url):
        # Not content-addressed: nothing to verify against, and fetching a URL a stranger chose
        # would let them point the client anywhere. Such sources are not checked.
        return None
    with _lock:
        if cid in _cache:
            _cache.move_to_end(cid)
            return _cache[cid]
        failed_at = _failed.get(cid)
    if failed_at is not None and time.monotonic() - failed_at < FAILURE_TTL:
        raise IPFSFetchError(cid, f"unavailable less than {FAILURE_TTL:.0f} s ago; not retried yet")
    # By CID through the session's own IPFS endpoint, verified against it.
    try:
        metadata = s.ipfs.fetch_json(
            cid, max_bytes=MAX_METADATA_BYTES, timeout=FETCH_TIMEOUT, retries=FETCH_RETRIES
        )
    except IPFSError:
        with _lock:  # a gateway outage must not slow every publish by the fetch timeout
            _failed[cid] = time.monotonic()
            while len(_failed) > CACHE_SIZE:
                _failed.popitem(last=False)
        raise
    document = _parse_metadata(metadata, metadata_url)
    with _lock:  # content-addressed: the answer never changes
        _cache[cid] = document
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return document


def check_task_input(session: Session, info: TaskInfo, *, metadata_url: str | None = None) -> None:
    """Refuse ``info`` before payment if its source declares handlers and the task does not fit.

    Raises :class:`~ogpu.types.UnknownFunctionError` or
    :class:`~ogpu.types.InvalidTaskInputError`; returns quietly for sources without schemas.
    """
    try:
        document = source_handlers(info.source, session=session, metadata_url=metadata_url)
    except IPFSError as exc:
        log.warning(
            "task input not checked: the metadata of %s is unavailable: %s", info.source, exc
        )
        return
    if document is None:
        return
    config = info.config.to_dict()
    try:
        document.check(info.config.function_name, config["data"])
    except InvalidHandlersDocumentError as exc:
        log.warning("task input not checked: %s", exc)


def source_metadata(info: Any, handlers: Any = None) -> dict[str, Any]:
    """The ``imageMetadata.json`` document of a :class:`~ogpu.client.SourceInfo`: the official
    keys, plus the handler schemas under :data:`~ogpu.service.schemas.METADATA_FIELD` when
    ``handlers`` is given (a Service, a module path or a schema document)."""
    from ogpu.service.schemas import handlers_document

    document: dict[str, Any] = dict(info.metadata().to_dict())
    if handlers is not None:
        document[METADATA_FIELD] = handlers_document(handlers)
    return document
