"""Shared plumbing of the protocol layer: build a contract call, route it through the session.

Everything that talks to the chain goes through :class:`ogpu.chain.Session`: ``session.rpc`` /
``session.rpc_batch`` for reads and ``session.transact`` for writes. Retries, revert decoding and
signer resolution live there; this module only builds the calls, names them (``context``) and
converts raw ABI values into SDK types.

Reads use :class:`View`, a precomputed ``eth_call`` (calldata + output ABI, cached per function),
instead of web3 ``ContractFunction`` objects: building and decoding those costs ~1.5 ms a call in
Python, which would dominate a batched snapshot against a local node. Error paths still hand a
real ``ContractFunction`` to the session so reverts decode exactly as everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_hash.auto import keccak
from eth_utils.address import is_address, to_checksum_address

from ogpu.chain.signers import SignerInput
from ogpu.types import Role

if TYPE_CHECKING:
    from web3.contract.contract import ContractFunction

    from ogpu.chain import Session
    from ogpu.types import Receipt

__all__ = [
    "CHUNK_SIZE",
    "ZERO_ADDRESS",
    "BlockId",
    "Signer",
    "View",
    "address_or_none",
    "batch",
    "batch_pinned",
    "call",
    "checksum",
    "context_of",
    "decode_events",
    "drop_zero",
    "fn",
    "paginate",
    "paginate_pinned",
    "resolve_session",
    "send",
    "view",
]

#: The zero address; protocol lists use it for holes (unregistered slots, missing responses).
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"

#: Elements fetched per paginated contract call.
CHUNK_SIZE = 100

#: Bounded ranges up to this many chunks are read in one round trip (length + pages together).
_ONE_TRIP_CHUNKS = 10

#: A signer: a hex private key, an eth-account ``LocalAccount`` or any ``SignerLike``.
Signer = SignerInput

#: A block selector accepted by reads: a block number or a tag such as ``"latest"``.
BlockId = int | str


def resolve_session(session: Session | None) -> Session:
    """``session`` itself, or the process default session."""
    if session is not None:
        return session
    from ogpu.chain import get_session

    return get_session()


def checksum(address: object, *, what: str = "address") -> str:
    """EIP-55 checksum form of ``address``; ``ValueError`` if it is not a 20-byte address.

    Accepts protocol objects (anything with an ``address`` attribute) as well as strings.
    """
    value = getattr(address, "address", address)
    if isinstance(value, (bytes, bytearray)) and len(value) == 20:
        return to_checksum_address(bytes(value))
    if not isinstance(value, str) or not is_address(value):
        raise ValueError(f"invalid {what}: {value!r}")
    return to_checksum_address(value)


def address_or_none(value: str) -> str | None:
    """Checksummed ``value``, or ``None`` for the zero address."""
    out = checksum(value)
    return None if out == ZERO_ADDRESS else out


def drop_zero(values: Iterable[str]) -> list[str]:
    """ABI-decoded addresses with zero-address holes removed.

    The session's decoder already returns checksummed addresses, so they are not re-hashed here
    (EIP-55 checksumming costs ~0.15 ms an address in Python: 75 ms on a 500-element list).
    """
    return [str(v) for v in values if int(v, 16) != 0]


def _short(arg: Any) -> str:
    if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
        return arg[:6] + "…" + arg[-4:]
    if isinstance(arg, str):
        return repr(arg if len(arg) <= 24 else arg[:21] + "...")
    if isinstance(arg, (bytes, bytearray)):
        return "0x" + bytes(arg).hex()[:8] + "…"
    if isinstance(arg, tuple):
        return "(…)"
    return repr(arg)


def context_of(contract: str, function: str, args: Sequence[Any]) -> str:
    """Human-readable call description used in errors, e.g. ``Nexus.register(0x12…ab, …)``."""
    return f"{contract}.{function}({', '.join(_short(a) for a in args)})"


def fn(
    session: Session,
    contract: str,
    function: str,
    *args: Any,
    address: str | None = None,
) -> ContractFunction:
    """The bound web3 ``ContractFunction`` ``contract.function(*args)``.

    Singletons (Nexus, Controller, Terminal, Vault, Manager) resolve their address from the
    session's network; instance contracts (Source, Task, Response) need ``address``.
    """
    c = session.contract(contract, address)
    bound: ContractFunction = getattr(c.functions, function)(*args)
    return bound


# ------------------------------------------------------------------------------------------------
# Reads


@dataclass(frozen=True)
class _Spec:
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[dict[str, Any], ...]
    output_types: tuple[str, ...]


def _abi_type(entry: dict[str, Any]) -> str:
    t = str(entry["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(_abi_type(c) for c in entry["components"]) + ")" + t[len("tuple") :]
    return t


@cache
def _spec(contract: str, function: str) -> _Spec:
    from ogpu.chain.artifacts import load_abi  # type: ignore[attr-defined,unused-ignore]

    for entry in load_abi(contract):
        if entry.get("type") == "function" and entry.get("name") == function:
            inputs = tuple(_abi_type(i) for i in entry["inputs"])
            selector = keccak(f"{function}({','.join(inputs)})".encode())[:4]
            outputs = tuple(entry.get("outputs", []))
            return _Spec(selector, inputs, outputs, tuple(_abi_type(o) for o in outputs))
    raise ValueError(f"{contract} has no function {function!r}")


@cache
def _checksum_lower(address: str) -> str:
    """EIP-55 form of an ABI-decoded (lower-case ``0x``) address, without eth-utils' validation."""
    body = address[2:].lower()
    digest = keccak(body.encode()).hex()
    return "0x" + "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(body, digest[:40], strict=True)
    )


def _normalize(entry: dict[str, Any], value: Any) -> Any:
    t = str(entry["type"])
    if t.endswith("]"):
        inner = dict(entry, type=t[: t.rindex("[")])
        return [_normalize(inner, v) for v in value]
    if t == "tuple":
        return tuple(_normalize(c, v) for c, v in zip(entry["components"], value, strict=True))
    if t == "address":
        return _checksum_lower(value)
    return value


@dataclass(frozen=True)
class View:
    """One ``eth_call`` ready to send: the target, the calldata, and how to decode the reply."""

    contract: str
    function: str
    address: str
    args: tuple[Any, ...]
    data: str

    def request(self, block: BlockId) -> tuple[str, list[Any]]:
        """The JSON-RPC request (method, params) reading this view at ``block``."""
        return "eth_call", [
            {"to": self.address, "data": self.data},
            hex(block) if isinstance(block, int) else block,
        ]

    def decode(self, session: Session, result: Any) -> Any:
        """Decoded output (one value, or a tuple for several outputs); reverts become typed errors."""
        from ogpu.chain.retry import RpcError

        if isinstance(result, RpcError):
            raise session._call_error(self.function_object(session), result)
        spec = _spec(self.contract, self.function)
        raw = bytes.fromhex(str(result)[2:]) if result else b""
        if spec.outputs and not raw:
            session._decode_output(
                self.function_object(session), result
            )  # raises the session's error
        values = [
            _normalize(o, v)
            for o, v in zip(spec.outputs, abi_decode(spec.output_types, raw), strict=True)
        ]
        return values[0] if len(values) == 1 else tuple(values)

    def function_object(self, session: Session) -> ContractFunction:
        """The equivalent web3 ``ContractFunction`` (error paths and callers that need one)."""
        return fn(session, self.contract, self.function, *self.args, address=self.address)


def view(
    session: Session,
    contract: str,
    function: str,
    *args: Any,
    address: str | None = None,
) -> View:
    """A :class:`View` of ``contract.function(*args)`` (singletons resolve their own address)."""
    spec = _spec(contract, function)
    target = address if address is not None else session.address_of(contract)
    data = spec.selector + (abi_encode(spec.inputs, args) if spec.inputs else b"")
    return View(contract, function, target, tuple(args), "0x" + data.hex())


def call(
    session: Session | None,
    contract: str,
    function: str,
    *args: Any,
    address: str | None = None,
    block: BlockId = "latest",
) -> Any:
    """Read ``contract.function(*args)`` (one ``eth_call``) and return the decoded output."""
    from ogpu.chain.retry import RpcError

    s = resolve_session(session)
    v = view(s, contract, function, *args, address=address)
    method, params = v.request(block)
    try:
        result = s.rpc(method, params)
    except RpcError as exc:
        result = exc
    return v.decode(s, result)


def batch(session: Session, views: Sequence[View], block: BlockId = "latest") -> list[Any]:
    """Decoded outputs of ``views``: one JSON-RPC batch, all read at the same block."""
    return batch_pinned(session, views, block)[0]


def batch_pinned(
    session: Session, views: Sequence[View], block: BlockId = "latest"
) -> tuple[list[Any], int | None]:
    """Like :func:`batch`, plus the block number the batch was read at.

    For ``"latest"`` this stays ONE round trip: the batch is bracketed by two ``eth_blockNumber``
    requests and the calls read ``latest``; when both brackets agree every call saw that block.
    If a block was mined in between (rare), the calls are re-read pinned to the later block.
    Other tags (``"safe"``, ``"finalized"``…) are resolved to a number first.
    """
    from ogpu.chain.retry import RpcError

    if not views:
        return [], block if isinstance(block, int) else None
    if not isinstance(block, int) and block != "latest":
        block = session.resolve_block(block)
    if isinstance(block, int):
        raw = session.rpc_batch([v.request(block) for v in views])
        return [v.decode(session, r) for v, r in zip(views, raw, strict=True)], block
    bracket: tuple[str, list[Any]] = ("eth_blockNumber", [])
    raw = session.rpc_batch([bracket, *(v.request("latest") for v in views), bracket])
    first, last = raw[0], raw[-1]
    if isinstance(first, RpcError) or isinstance(last, RpcError) or first != last:
        retry_at: BlockId = "latest" if isinstance(last, RpcError) else int(last, 16)
        return batch_pinned(session, views, retry_at)
    return [v.decode(session, r) for v, r in zip(views, raw[1:-1], strict=True)], int(first, 16)


def send(
    session: Session | None,
    contract: str,
    function: str,
    *args: Any,
    signer: Signer | None,
    role: Role | None,
    address: str | None = None,
    value: int = 0,
    **kwargs: Any,
) -> Any:
    """Send ``contract.function(*args)`` through ``session.transact``.

    ``role`` is the environment fallback used when ``signer`` is ``None`` (``None`` = the signer is
    mandatory). ``kwargs`` (``wait``, ``dry_run``, …) go to ``session.transact`` unchanged.
    """
    s = resolve_session(session)
    bound = fn(s, contract, function, *args, address=address)
    label = contract if address is None else f"{contract}({_short(address)})"
    kwargs.setdefault("context", context_of(label, function, args))
    return s.transact(bound, signer, role=role, value=value, **kwargs)


def _chunks(lower: int, upper: int, size: int) -> list[tuple[int, int]]:
    """Inclusive ``(lo, hi)`` windows covering the half-open range ``[lower, upper)``."""
    return [(lo, min(lo + size, upper) - 1) for lo in range(lower, upper, size)]


def paginate(
    session: Session,
    count: Callable[[], View],
    page: Callable[[int, int], View],
    lower: int = 0,
    upper: int | None = None,
    *,
    block: BlockId = "latest",
    chunk_size: int | None = None,
) -> list[Any]:
    """All elements ``[lower, upper)`` of a paginated contract list, in at most two round trips.

    ``count()`` builds the length getter and ``page(lo, hi)`` the inclusive-bounds page getter
    (the devnet getters clamp ``hi`` to the length and never panic). With ``upper=None`` (or a
    large range) the first batch reads the length and pins the block, the second batch holds every
    page. A small bounded range reads the length in the same batch as the pages: one round trip.
    Elements are returned raw (holes included), in order.
    """
    return paginate_pinned(session, count, page, lower, upper, block=block, chunk_size=chunk_size)[
        0
    ]


def paginate_pinned(
    session: Session,
    count: Callable[[], View],
    page: Callable[[int, int], View],
    lower: int = 0,
    upper: int | None = None,
    *,
    block: BlockId = "latest",
    chunk_size: int | None = None,
) -> tuple[list[Any], BlockId]:
    """:func:`paginate` plus the block the elements were read at (a number when known)."""
    if chunk_size is None:
        chunk_size = CHUNK_SIZE
    if chunk_size < 1:
        raise ValueError("chunk_size must be >= 1")
    if lower < 0 or (upper is not None and upper < lower):
        raise ValueError(f"invalid range [{lower}, {upper})")
    if upper is not None and upper - lower <= chunk_size * _ONE_TRIP_CHUNKS:
        if upper == lower:
            return [], block
        calls = [count(), *(page(lo, hi) for lo, hi in _chunks(lower, upper, chunk_size))]
        outs, pinned = batch_pinned(session, calls, block)
        total = int(outs[0])
        items = [x for out in outs[1:] for x in out]
        return items[: max(0, min(upper, total) - lower)], _pin(pinned, block)
    first, pinned = batch_pinned(session, [count()], block)
    at = _pin(pinned, block)
    total = int(first[0])
    end = total if upper is None else min(upper, total)
    if end <= lower:
        return [], at
    pages = batch(session, [page(lo, hi) for lo, hi in _chunks(lower, end, chunk_size)], at)
    return [x for out in pages for x in out][: end - lower], at


def _pin(number: int | None, block: BlockId) -> BlockId:
    return number if number is not None else block


def decode_events(
    session: Session, contract: str, event: str, receipt: Receipt
) -> list[dict[str, Any]]:
    """Arguments of every ``contract.event`` log in ``receipt`` (emitted by that contract)."""
    from web3.exceptions import LogTopicError, MismatchedABI

    c = session.contract(contract)
    emitter = checksum(c.address)
    out: list[dict[str, Any]] = []
    for log in receipt.logs:
        if checksum(log["address"]) != emitter:
            continue
        try:
            decoded = getattr(c.events, event)().process_log(log)
        except (MismatchedABI, LogTopicError):
            continue
        out.append(dict(decoded["args"]))
    return out
