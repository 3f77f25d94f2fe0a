"""Shared plumbing of the protocol layer: build a contract call, route it through the session.

Everything that talks to the chain goes through :class:`ogpu.chain.Session`: ``session.rpc`` /
``session.rpc_batch`` for reads and ``session.transact`` for writes. Retries, revert decoding and
signer resolution live there; this module only builds the calls, names them (``context``) and
converts raw ABI values into SDK types.

Reads and writes use :class:`View` (:class:`ogpu.chain.calls.ContractCall`): calldata encoded with
eth-abi against cached selectors and the output ABI to decode the reply, a few microseconds to
build where a web3 ``ContractFunction`` costs about a millisecond.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, is_dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from eth_utils.address import is_address, to_checksum_address

from ogpu.chain.calls import BlockId, ContractCall, function_spec
from ogpu.chain.signers import SignerInput
from ogpu.types import Role

if TYPE_CHECKING:
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
    "prepare",
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

#: One contract call (read or write): target, calldata and how to decode the reply.
View = ContractCall


def resolve_session(session: Session | None) -> Session:
    """``session`` itself, or the process default session."""
    if session is not None:
        return session
    from ogpu.chain import get_session

    return get_session()


_chain_sessions: dict[tuple[str, str], Session] = {}


def session_for(chain: object) -> Session:
    """The session for an official-SDK ``chain`` argument.

    ``None``: the current session; a ``Session``: itself; a ``ChainId`` or chain id: the current
    session when it is on that chain, else one session per chain (kept); a ``Network`` or network
    name/URL: one session per network (kept).
    """
    from ogpu.chain import Session, get_session
    from ogpu.chain.config import ChainId, _network_for
    from ogpu.chain.networks import Network, resolve_network

    if chain is None:
        return get_session()
    if isinstance(chain, Session):
        return chain
    if isinstance(chain, ChainId | int) and not isinstance(chain, bool):
        chain_id = chain.value if isinstance(chain, ChainId) else chain
        current = get_session()
        if current.network.chain_id == chain_id:
            return current
        network = _network_for(ChainId(chain_id))
    elif isinstance(chain, Network | str):
        network = resolve_network(chain)
    else:
        raise TypeError(f"chain must be a Session, ChainId, Network or name, not {chain!r}")
    key = (network.name, network.rpc_url)
    found = _chain_sessions.get(key)
    if found is None:
        found = _chain_sessions.setdefault(key, Session(network))
    return found


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
) -> ContractCall:
    """The call ``contract.function(*args)`` (see :meth:`ogpu.chain.Session.function`).

    Singletons (Nexus, Controller, Terminal, Vault, Manager) resolve their address from the
    session's network; instance contracts (Source, Task, Response) need ``address``.
    """
    return session.function(contract, function, *args, address=address)


def view(
    session: Session,
    contract: str,
    function: str,
    *args: Any,
    address: str | None = None,
) -> View:
    """A :class:`View` of ``contract.function(*args)`` (singletons resolve their own address)."""
    return session.function(contract, function, *args, address=address)


def call(
    session: Session | None,
    contract: str,
    function: str,
    *args: Any,
    address: str | None = None,
    block: BlockId = "latest",
) -> Any:
    """Read ``contract.function(*args)`` (one ``eth_call``) and return the decoded output."""
    s = resolve_session(session)
    return s.call(view(s, contract, function, *args, address=address), block=block)


def batch(session: Session, views: Sequence[View], block: BlockId = "latest") -> list[Any]:
    """Decoded outputs of ``views``: one JSON-RPC batch, all read at the same block."""
    return batch_pinned(session, views, block)[0]


def batch_pinned(
    session: Session, views: Sequence[View], block: BlockId = "latest"
) -> tuple[list[Any], int | None]:
    """Like :func:`batch`, plus the block number the batch was read at.

    The session's :meth:`~ogpu.chain.Session.batch_call_at`: for ``"latest"`` ONE round trip
    bracketed by ``eth_blockNumber``; re-read pinned to the later block if one was mined between.
    """
    if not views:
        return [], block if isinstance(block, int) else None
    number, values = session.batch_call_at(views, block=block)
    return values, number


@cache
def _inputs(contract: str, function: str) -> tuple[dict[str, Any], ...] | None:
    try:
        return tuple(function_spec(contract, function).abi["inputs"])
    except AttributeError:
        return None


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
        return  # unknown function or wrong arity: the encoder reports
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
    value = uint(value, "value")
    s = resolve_session(session)
    bound = prepare(s, contract, function, *args, address=address)
    label = contract if address is None else f"{contract}({_short(address)})"
    kwargs.setdefault("context", context_of(label, function, args))
    return s.transact(bound, signer, role=role, value=value, **kwargs)


def prepare(
    session: Session, contract: str, function: str, *args: Any, address: str | None = None
) -> ContractCall:
    """The write ``contract.function(*args)``, its integer arguments checked (:func:`check_args`)."""
    check_args(contract, function, args)
    return fn(session, contract, function, *args, address=address)


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
    from ogpu.chain.receipts import decode_logs

    return decode_logs(contract, event, receipt.logs, emitter=session.address_of(contract))
