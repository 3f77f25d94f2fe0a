"""Receipts and logs as the SDK hands them out, and event decoding from the packaged ABIs.

:func:`format_receipt` turns a node's raw receipt (hex strings) into the shape web3 returns:
numbers as ``int``, hashes, topics and data as ``HexBytes``, addresses checksummed. So a
:class:`~ogpu.types.Receipt`'s ``logs``/``raw`` work with web3's ``process_receipt`` too.
:func:`decode_logs` decodes one event of one contract from a receipt with eth-abi.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol, TypeVar

from eth_abi.abi import decode as abi_decode
from eth_hash.auto import keccak
from hexbytes import HexBytes

from ogpu.chain.calls import abi_type, checksum_lower

__all__ = ["EventSpec", "decode_logs", "event_spec", "format_log", "format_receipt", "wait_each"]

_INT_FIELDS = (
    "blockNumber",
    "gasUsed",
    "cumulativeGasUsed",
    "effectiveGasPrice",
    "status",
    "transactionIndex",
    "type",
    "blobGasUsed",
    "blobGasPrice",
)
_HASH_FIELDS = ("transactionHash", "blockHash", "logsBloom", "root")
_ADDRESS_FIELDS = ("from", "to", "contractAddress")


def _int(value: Any) -> Any:
    return int(value, 16) if isinstance(value, str) else value


def _address(value: Any) -> Any:
    return checksum_lower(value) if isinstance(value, str) and len(value) == 42 else value


def format_log(raw: Mapping[str, Any]) -> dict[str, Any]:
    """One log in web3's shape (see the module docs)."""
    out = dict(raw)
    for key in ("blockNumber", "logIndex", "transactionIndex", "blockTimestamp"):
        if key in out:
            out[key] = _int(out[key])
    for key in ("transactionHash", "blockHash", "data"):
        if isinstance(out.get(key), str):
            out[key] = HexBytes(out[key])
    out["topics"] = [HexBytes(t) for t in out.get("topics") or ()]
    if "address" in out:
        out["address"] = _address(out["address"])
    return out


def format_receipt(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A raw ``eth_getTransactionReceipt`` result in web3's shape."""
    out = dict(raw)
    for key in _INT_FIELDS:
        if key in out and out[key] is not None:
            out[key] = _int(out[key])
    for key in _HASH_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = HexBytes(out[key])
    for key in _ADDRESS_FIELDS:
        if key in out:
            out[key] = _address(out[key])
    out["logs"] = [format_log(lg) for lg in raw.get("logs") or ()]
    return out


@dataclass(frozen=True)
class EventSpec:
    """Topic and decoding types of one ABI event."""

    name: str
    topic: bytes
    inputs: tuple[dict[str, Any], ...]
    indexed_types: tuple[str, ...]
    data_types: tuple[str, ...]


@cache
def event_spec(contract: str, event: str) -> EventSpec:
    """The :class:`EventSpec` of ``contract.event`` from the packaged ABI (cached)."""
    from ogpu.chain._abi import load_abi

    for entry in load_abi(contract):
        if entry.get("type") == "event" and entry.get("name") == event:
            inputs = tuple(entry["inputs"])
            signature = f"{event}({','.join(abi_type(i) for i in inputs)})"
            return EventSpec(
                name=event,
                topic=keccak(signature.encode()),
                inputs=inputs,
                indexed_types=tuple(abi_type(i) for i in inputs if i.get("indexed")),
                data_types=tuple(abi_type(i) for i in inputs if not i.get("indexed")),
            )
    raise ValueError(f"{contract} has no event {event!r}")


def _hashed(abi_type_: str) -> bool:
    """Indexed values of these types are stored as their keccak hash."""
    return abi_type_ in ("string", "bytes") or abi_type_.endswith("]") or abi_type_.startswith("(")


def _value(entry: dict[str, Any], value: Any) -> Any:
    return checksum_lower(value) if entry["type"] == "address" else value


def decode_logs(
    contract: str, event: str, logs: Iterable[Mapping[str, Any]], *, emitter: str | None = None
) -> list[dict[str, Any]]:
    """Arguments of every ``contract.event`` log in ``logs`` (from ``emitter`` when given)."""
    spec = event_spec(contract, event)
    out: list[dict[str, Any]] = []
    want = emitter.lower() if emitter else None
    for log in logs:
        if want is not None and str(log.get("address", "")).lower() != want:
            continue
        topics = [bytes(HexBytes(t)) for t in log.get("topics") or ()]
        if not topics or topics[0] != spec.topic or len(topics) != 1 + len(spec.indexed_types):
            continue
        try:
            indexed = [
                topic if _hashed(t) else abi_decode([t], topic)[0]
                for t, topic in zip(spec.indexed_types, topics[1:], strict=True)
            ]
            data = abi_decode(list(spec.data_types), bytes(HexBytes(log.get("data") or b"")))
        except Exception:
            continue
        it_indexed, it_data = iter(indexed), iter(data)
        args: dict[str, Any] = {}
        for entry in spec.inputs:
            value = next(it_indexed) if entry.get("indexed") else next(it_data)
            args[entry["name"]] = _value(entry, value)
        out.append(args)
    return out


R = TypeVar("R", covariant=True)


class _Waitable(Protocol[R]):
    def wait(self, timeout: float | None = ...) -> R: ...


def wait_each(pending: Sequence[_Waitable[R]], timeout: float | None) -> list[R]:
    """``p.wait(timeout)`` of each of ``pending`` in order; the first failure is raised after
    every one has been waited for."""
    out: list[R] = []
    first: BaseException | None = None
    for p in pending:
        try:
            out.append(p.wait(timeout))
        except Exception as exc:
            first = first or exc
    if first is not None:
        raise first
    return out
