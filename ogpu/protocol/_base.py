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
from dataclasses import dataclass, fields, is_dataclass
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
    "check_args",
    "checksum",
    "context_of",
    "decode_events",
    "drop_zero",
    "fn",
    "paginate",
    "paginate_pinned",
    "resolve_session",
    "send",
    "struct",
    "uint",
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


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def uint(value: object, name: str, bits: int = 256) -> int:
    """``value`` checked as a Solidity ``uint<bits>`` argument named ``name``, before anything is sent.

    Only a plain ``int`` (not ``bool``) in ``[0, 2**bits)`` passes: ``TypeError`` for other types
    (``True``, ``1.5``, ``Decimal("2")``, ``"1"`` are refused, never truncated), ``ValueError``
    when out of range. Int subclasses such as ``IntEnum`` members come back as plain ints.

    >>> uint(10**18, "amount")
    1000000000000000000
    >>> uint(-1, "amount")
    Traceback (most recent call last):
    ...
    ValueError: amount must be in [0, 2**256), got -1
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{name} must be an int (wei / whole units), got {type(value).__name__} {_show(value)}"
        )
    if not 0 <= value < 1 << bits:
        raise ValueError(f"{name} must be in [0, 2**{bits}), got {_show(value)}")
    return int(value)


def struct(params: Any, name: str = "params") -> tuple[Any, ...]:
    """ABI tuple of a params dataclass (``SourceParams``…), its integer fields checked by :func:`uint`.

    The params' own ``to_tuple()`` coerces with ``int()``; this refuses ``True``/``1.5``/``"1"``
    first, naming the field (``params.minPayment``). Narrower ``uint8`` fields are range-checked
    against the ABI by :func:`send`.

    >>> struct(TaskParams(source=addr, config="ipfs://x", expiryTime=1.5, payment=1))  # doctest: +SKIP
    Traceback (most recent call last):
    TypeError: params.expiryTime must be an int (wei / whole units), got float 1.5
    """
    to_tuple = getattr(params, "to_tuple", None)
    if not callable(to_tuple):
        raise TypeError(f"{name} must be a params object, got {type(params).__name__}")
    if is_dataclass(params):
        for f in fields(params):
            if f.type in ("int", int):
                uint(getattr(params, f.name), f"{name}.{f.name}")
    out = to_tuple()
    return tuple(out)


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


@cache
def _inputs(contract: str, function: str) -> tuple[dict[str, Any], ...] | None:
    from ogpu.chain.artifacts import load_abi  # type: ignore[attr-defined,unused-ignore]

    found = [
        e for e in load_abi(contract) if e.get("type") == "function" and e.get("name") == function
    ]
    return tuple(found[0]["inputs"]) if len(found) == 1 else None


def _check_value(entry: dict[str, Any], value: Any, name: str) -> None:
    t = str(entry["type"])
    if t.endswith("]"):
        if isinstance(value, (list, tuple)):
            inner = dict(entry, type=t[: t.rindex("[")])
            for i, v in enumerate(value):
                _check_value(inner, v, f"{name}[{i}]")
    elif t == "tuple":
        components = entry["components"]
        if isinstance(value, (list, tuple)) and len(value) == len(components):
            for i, (c, v) in enumerate(zip(components, value, strict=True)):
                _check_value(c, v, f"{name}.{str(c.get('name') or i).strip('_')}")
    elif t.startswith("uint"):
        uint(value, name, int(t[4:] or 256))
    elif t.startswith("int"):
        bits = int(t[3:] or 256)
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__} {_show(value)}")
        if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
            raise ValueError(f"{name} must fit int{bits}, got {_show(value)}")


def check_args(contract: str, function: str, args: Sequence[Any]) -> None:
    """Type- and range-check the integer arguments of ``contract.function(*args)`` against its ABI.

    Raises ``TypeError``/``ValueError`` naming the parameter (struct fields as ``params.field``)
    instead of web3's untyped encoding errors, before anything is signed or sent.

    >>> check_args("Nexus", "register", (source, provider, 256))  # doctest: +SKIP
    Traceback (most recent call last):
    ValueError: preferredEnvironment must be in [0, 2**8), got 256
    """
    inputs = _inputs(contract, function)
    if inputs is None or len(inputs) != len(args):
        return  # unknown or overloaded: web3 resolves and reports
    for i, (entry, value) in enumerate(zip(inputs, args, strict=True)):
        _check_value(entry, value, str(entry.get("name") or f"arg{i}").strip("_"))


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
    check_args(contract, function, args)
    value = uint(value, "value")
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
