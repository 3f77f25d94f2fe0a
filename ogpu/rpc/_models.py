"""JSON-RPC 2.0 without I/O: request and batch encoding, reply parsing, the error types.

Every transport (sync and async HTTP, WebSocket) encodes with :func:`encode` /
:func:`encode_batch` and parses with :func:`parse_reply` / :func:`parse_batch`. Replies come from
strangers: their JSON depth and size are bounded (:mod:`ogpu.types.jsonsafe`), their shape is
checked and batch answers are matched to requests by id.

>>> body, ids = encode_batch([("eth_chainId", []), ("eth_blockNumber", [])], first_id=1)
>>> parse_batch([("eth_chainId", []), ("eth_blockNumber", [])], ids,
...             b'[{"jsonrpc":"2.0","id":2,"result":"0x5"},{"jsonrpc":"2.0","id":1,"result":"0x1"}]')
['0x1', '0x5']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ogpu.types import jsonsafe

__all__ = [
    "MAX_REPLY_BYTES",
    "BatchRefusedError",
    "Call",
    "MalformedReplyError",
    "RpcError",
    "encode",
    "encode_batch",
    "load_reply",
    "parse_batch",
    "parse_reply",
]

#: A reply larger than this is refused (a full block with transactions stays far below).
MAX_REPLY_BYTES = 64 * 1024 * 1024

#: One JSON-RPC request: ``(method, params)``.
Call = tuple[str, Sequence[Any]]


class RpcError(Exception):
    """A JSON-RPC error object returned by the node (``code``, ``message``, ``data``)."""

    def __init__(self, method: str, code: int | None, message: str, data: Any = None) -> None:
        self.method = method
        self.code = code
        self.message = message
        self.data = data
        super().__init__(f"{method}: {message} (code {code})")


class MalformedReplyError(Exception):
    """The endpoint's reply was not valid JSON-RPC (garbled, wrong shape, missing answers)."""


class BatchRefusedError(RpcError):
    """The endpoint answered a batch with one error object: it does not take batches."""


def encode(method: str, params: Sequence[Any], request_id: int) -> bytes:
    """The body of one request."""
    return json.dumps(
        {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)},
        separators=(",", ":"),
    ).encode()


def encode_batch(calls: Sequence[Call], *, first_id: int) -> tuple[bytes, list[int]]:
    """The body of a batch and the ids given to its requests (consecutive from ``first_id``)."""
    ids = list(range(first_id, first_id + len(calls)))
    body = json.dumps(
        [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
            for i, (m, p) in zip(ids, calls, strict=True)
        ],
        separators=(",", ":"),
    ).encode()
    return body, ids


def load_reply(content: bytes | str, what: str) -> Any:
    """Parse a reply body with bounded size and depth; :class:`MalformedReplyError` otherwise."""
    if len(content) > MAX_REPLY_BYTES:
        raise MalformedReplyError(f"{what}: reply larger than {MAX_REPLY_BYTES} bytes")
    try:
        return jsonsafe.loads(content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedReplyError(f"{what}: {exc}") from None


def _error(method: str, err: Any) -> RpcError:
    if isinstance(err, dict):
        code = err.get("code")
        return RpcError(
            method,
            code if isinstance(code, int) and not isinstance(code, bool) else None,
            str(err.get("message", ""))[:2000],
            err.get("data"),
        )
    return RpcError(method, None, str(err)[:2000])


def result_of(method: str, reply: Any) -> Any:
    """The ``result`` of one parsed reply object; raises its :class:`RpcError`."""
    if not isinstance(reply, dict):
        raise MalformedReplyError(f"{method}: reply is not a JSON object")
    err = reply.get("error")
    if err is not None:
        raise _error(method, err)
    if "result" not in reply:
        raise MalformedReplyError(f"{method}: reply has neither result nor error")
    return reply["result"]


def parse_reply(method: str, content: bytes | str | Any) -> Any:
    """The result of a single request's reply body (bytes) or parsed JSON."""
    reply = load_reply(content, method) if isinstance(content, bytes | str) else content
    return result_of(method, reply)


def parse_batch(calls: Sequence[Call], ids: Sequence[int], content: bytes | str | Any) -> list[Any]:
    """Per-request ``result`` or :class:`RpcError`, in request order, matched by id.

    A single error object instead of a list raises :class:`BatchRefusedError`; a reply that is
    not a list, misses an answer or answers an unknown id raises :class:`MalformedReplyError`.
    """
    replies = load_reply(content, "batch") if isinstance(content, bytes | str) else content
    if isinstance(replies, dict) and replies.get("error") is not None:
        err = _error("batch", replies["error"])
        raise BatchRefusedError("batch", err.code, err.message, err.data)
    if not isinstance(replies, list):
        raise MalformedReplyError("batch: reply is not a JSON list")
    by_id: dict[int, Any] = {}
    for r in replies:
        rid = r.get("id") if isinstance(r, dict) else None
        if isinstance(rid, int) and not isinstance(rid, bool):
            by_id[rid] = r
    out: list[Any] = []
    for i, (method, _) in zip(ids, calls, strict=True):
        reply = by_id.get(i)
        if reply is None:
            raise MalformedReplyError(f"batch: no answer to {method} (id {i})")
        try:
            out.append(result_of(method, reply))
        except RpcError as exc:
            out.append(exc)
    return out
