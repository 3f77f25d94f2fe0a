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

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict, cast

from ogpu.chain.calls import BlockId, ContractCall, checksum_lower, function_spec
from ogpu.chain.signers import SignerInput
from ogpu.types import InvalidArgumentError, Role
from ogpu.types.checks import integer, show, uint

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.chain.tx import FeeQuote
    from ogpu.types import Receipt

__all__ = [
    "CHUNK_SIZE",
    "ZERO_ADDRESS",
    "BlockId",
    "Signer",
    "TxOptions",
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

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")

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
        raise InvalidArgumentError(
            "chain", f"must be a Session, ChainId, Network or name, got {show(chain)}"
        )
    key = (network.name, network.rpc_url)
    found = _chain_sessions.get(key)
    if found is None:
        found = _chain_sessions.setdefault(key, Session(network))
    return found


def checksum(address: object, *, what: str = "address") -> str:
    """EIP-55 checksum form of ``address``; :class:`InvalidArgumentError` if it is not one.

    Accepts protocol objects (anything with an ``address`` attribute) and 20 raw bytes as well as
    hex strings; a mixed-case string must carry a valid checksum.

    >>> checksum("0x70997970c51812dc3a010c7d01b50e0d17dc79c8")
    '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    >>> checksum("0x1234", what="task address")
    Traceback (most recent call last):
    ...
    ogpu.types.errors.InvalidArgumentError: task address must be a 20-byte hex address, got '0x1234'
    """
    value = getattr(address, "address", address)
    if isinstance(value, (bytes, bytearray)) and len(value) == 20:
        return checksum_lower("0x" + bytes(value).hex())
    if isinstance(value, str) and _HEX_ADDRESS.fullmatch(value):
        out = checksum_lower(value.lower())
        body = value[2:]
        if body == body.lower() or body == body.upper() or value == out:
            return out
    raise InvalidArgumentError(what, f"must be a 20-byte hex address, got {show(value)}")


def struct(params: Any, name: str = "params") -> tuple[Any, ...]:
    """The ABI tuple of a params object (``SourceParams``, ``TaskParams``, ``ResponseParams``).

    Field values are taken as they are, not coerced: :func:`check_args` validates them against
    the ABI when the call is prepared, so ``expiryTime=1.5`` is refused rather than truncated.

    >>> from ogpu.types import TaskParams
    >>> struct(TaskParams(source="0x" + "11" * 20, config="ipfs://x", expiryTime=1.5, payment=1))[2:]
    (1.5, 1)
    """
    to_tuple = getattr(params, "to_tuple", None)
    if not callable(to_tuple):
        raise InvalidArgumentError(name, f"must be a params object, got {type(params).__name__}")
    return tuple(to_tuple())


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


def view(
    session: Session, contract: str, function: str, *args: Any, address: str | None = None
) -> View:
    """The call ``contract.function(*args)``, its arguments validated by :func:`check_args`.

    Singletons (Nexus, Controller, Terminal, Vault, Manager) resolve their address from the
    session's network; instance contracts (Source, Task, Response) need ``address``.
    """
    checked = check_args(contract, function, args)
    return session.function(contract, function, *checked, address=address)


#: A write is built like a read: :func:`view` (validated arguments), sent by :func:`send`.
prepare = view


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
def _inputs(contract: str, function: str) -> tuple[dict[str, Any], ...]:
    return tuple(function_spec(contract, function).abi["inputs"])


def _check_value(entry: Mapping[str, Any], value: Any, name: str) -> Any:
    """``value`` validated and normalised as the ABI parameter ``entry`` named ``name``."""
    t = str(entry["type"])
    if t.endswith("]"):
        size = t[t.rindex("[") + 1 : -1]
        if not isinstance(value, (list, tuple)) or (size and len(value) != int(size)):
            raise InvalidArgumentError(name, f"must be a list ({t}), got {show(value)}")
        inner = dict(entry, type=t[: t.rindex("[")])
        return [_check_value(inner, v, f"{name}[{i}]") for i, v in enumerate(value)]
    if t == "tuple":
        components = entry["components"]
        if hasattr(value, "to_tuple"):
            value = struct(value, name)
        if not isinstance(value, (list, tuple)) or len(value) != len(components):
            raise InvalidArgumentError(
                name, f"must be a params object or a {len(components)}-tuple, got {show(value)}"
            )
        return tuple(
            _check_value(c, v, f"{name}.{_name(c, i)}")
            for i, (c, v) in enumerate(zip(components, value, strict=True))
        )
    if t == "address":
        return checksum(value, what=name)
    if t.startswith("uint"):
        return uint(value, name, int(t[4:] or 256))
    if t.startswith("int"):
        bits = int(t[3:] or 256)
        half = 1 << (bits - 1)
        return integer(value, name, -half, half, f"int{bits}")
    if t == "bool":
        if not isinstance(value, bool):
            raise InvalidArgumentError(name, f"must be a bool, got {show(value)}")
        return value
    if t == "string":
        if not isinstance(value, str):
            raise InvalidArgumentError(name, f"must be a str, got {type(value).__name__}")
        return value
    if t.startswith("bytes"):
        return _bytes(value, name, int(t[5:]) if t[5:] else None)
    return value


def _bytes(value: Any, name: str, size: int | None) -> bytes:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            value = bytes.fromhex(value[2:])
        except ValueError:
            raise InvalidArgumentError(name, f"must be 0x-hex bytes, got {show(value)}") from None
    if not isinstance(value, (bytes, bytearray)) or (size is not None and len(value) != size):
        kind = "bytes" if size is None else f"{size} bytes"
        raise InvalidArgumentError(name, f"must be {kind}, got {show(value)}")
    return bytes(value)


def _name(entry: Mapping[str, Any], index: int, function: str = "") -> str:
    """The ABI name of a parameter (``_amount`` → ``amount``); unnamed ones (public getters) by
    position, ``balanceOf#0``."""
    return str(entry.get("name") or f"{function}#{index}").strip("_")


def check_args(contract: str, function: str, args: Sequence[Any]) -> tuple[Any, ...]:
    """``args`` of ``contract.function`` validated against its ABI and normalised for encoding.

    The one check every write (and every protocol read) goes through, before anything is
    simulated, signed or sent: integers must be plain ints in range (``bool``/``float``/``str``
    are refused, never truncated), addresses become EIP-55, ``bool`` must be a bool, ``bytesN``
    exactly ``N`` bytes, structs come from params objects or tuples. Every failure is an
    :class:`InvalidArgumentError` naming the ABI parameter (struct fields as ``params.field``).

    >>> check_args("Nexus", "register", ("0x" + "11" * 20, "0x" + "22" * 20, 256))
    Traceback (most recent call last):
    ...
    ogpu.types.errors.InvalidArgumentError: preferredEnvironment must be in [0, 2**8), got 256
    """
    try:
        inputs = _inputs(contract, function)
    except AttributeError as exc:
        raise InvalidArgumentError(f"{contract}.{function}", "is not in the ABI") from exc
    if len(inputs) != len(args):
        raise InvalidArgumentError(
            f"{contract}.{function}", f"takes {len(inputs)} arguments, got {len(args)}"
        )
    return tuple(
        _check_value(entry, value, _name(entry, i, function))
        for i, (entry, value) in enumerate(zip(inputs, args, strict=True))
    )


class TxOptions(TypedDict, total=False):
    """How a protocol write is sent (the keywords of :meth:`ogpu.chain.Session.transact`).

    ``wait=False`` returns a :class:`~ogpu.types.PendingTx` once broadcast; ``dry_run=True``
    simulates and returns a :class:`~ogpu.types.DryRunResult` without sending; ``timeout`` bounds
    the receipt wait (seconds); ``gas`` with ``fee`` (both from one preflight) skip another;
    ``context`` names the call in errors.
    """

    wait: bool
    dry_run: bool
    gas: int | None
    timeout: float
    context: str | None
    fee: FeeQuote | None


_TX_OPTIONS = frozenset(TxOptions.__annotations__)


def send(
    session: Session | None,
    contract: str,
    function: str,
    *args: Any,
    signer: Signer | None,
    role: Role | None,
    address: str | None = None,
    value: int = 0,
    **tx: Unpack[TxOptions],
) -> Receipt:
    """Validate ``contract.function(*args)`` (:func:`check_args`) and send it through
    ``session.transact`` with the :class:`TxOptions` ``tx``.

    ``role`` is the environment fallback used when ``signer`` is ``None`` (``None`` = the signer is
    mandatory). Typed, as the protocol functions are, by the :class:`~ogpu.types.Receipt` of the
    default ``wait=True``; ``wait=False`` returns the ``PendingTx``, ``dry_run=True`` the
    ``DryRunResult``.
    """
    if unknown := tx.keys() - _TX_OPTIONS:
        raise TypeError(f"{function}() got an unexpected keyword argument {min(unknown)!r}")
    s = resolve_session(session)
    bound = prepare(s, contract, function, *args, address=address)
    label = contract if address is None else f"{contract}({_short(address)})"
    ctx = tx.get("context") or context_of(label, function, bound.args)
    gas = tx.get("gas")
    if tx.get("dry_run", False):
        dry = s.transact(bound, signer, role=role, value=value, gas=gas, context=ctx, dry_run=True)
        return cast("Receipt", dry)
    pending = s.transact(
        bound, signer, role=role, value=value, gas=gas, context=ctx, fee=tx.get("fee"), wait=False
    )
    return (
        pending.wait(tx.get("timeout", 120.0)) if tx.get("wait", True) else cast("Receipt", pending)
    )


def _chunks(lower: int, upper: int, size: int) -> list[tuple[int, int]]:
    """Inclusive ``(lo, hi)`` windows covering the half-open range ``[lower, upper)``."""
    return [(lo, min(lo + size, upper) - 1) for lo in range(lower, upper, size)]


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
    """All elements ``[lower, upper)`` of a paginated contract list, in at most two round trips,
    and the block they were read at (a number when known).

    ``count()`` builds the length getter and ``page(lo, hi)`` the inclusive-bounds page getter
    (the devnet getters clamp ``hi`` to the length and never panic). With ``upper=None`` (or a
    large range) the first batch reads the length and pins the block, the second batch holds every
    page. A small bounded range reads the length in the same batch as the pages: one round trip.
    Elements are returned raw (holes included), in order.
    """
    if chunk_size is None:
        chunk_size = CHUNK_SIZE
    uint(chunk_size, "chunk_size", 32, minimum=1)
    uint(lower, "lower")
    if upper is not None:
        integer(upper, "upper", lower, 1 << 256, f"[lower={lower}, 2**256)")
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
