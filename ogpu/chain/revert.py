"""Decode contract reverts into typed :mod:`ogpu.types.errors` exceptions with real values.

Custom errors are matched by 4-byte selector against every ``error`` entry of the packaged ABIs and
their arguments decoded with eth-abi. ``Error(string)`` reasons (what the public chains' contracts
produce) map to the same classes when the reason is exactly an identifier; ``Panic(uint256)`` is
decoded to its meaning. Anything else becomes :class:`TxRevertError`.

>>> from eth_abi import encode
>>> data = bytes.fromhex("08c379a0") + encode(["string"], ["SourceInactive"])
>>> type(decode_revert(data, context="Controller.publishTask")).__name__
'SourceInactiveError'
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_utils.crypto import keccak

from ogpu.chain._abi import load_abi
from ogpu.chain.calls import abi_type, checksum_address
from ogpu.types import errors as E

__all__ = [
    "REVERT_PATTERN_MAP",
    "ErrorSpec",
    "decode_exception",
    "decode_revert",
    "error_registry",
]

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")
PANIC_SELECTOR = bytes.fromhex("4e487b71")

PANIC_CODES = {
    0x00: "generic compiler panic",
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x22: "invalid storage byte array",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}


@dataclass(frozen=True)
class ErrorSpec:
    """One Solidity custom error: name, argument names and ABI types."""

    name: str
    arg_names: tuple[str, ...]
    arg_types: tuple[str, ...]

    @property
    def signature(self) -> str:
        return f"{self.name}({','.join(self.arg_types)})"

    @property
    def selector(self) -> bytes:
        return keccak(text=self.signature)[:4]


@functools.lru_cache(maxsize=1)
def error_registry() -> dict[bytes, ErrorSpec]:
    """Selector → :class:`ErrorSpec` for every ``error`` entry of all packaged ABIs."""
    specs: dict[bytes, ErrorSpec] = {}
    for path in sorted(Path(__file__).with_name("artifacts").glob("*.json")):
        try:
            abi = load_abi(path.stem)
        except Exception:
            continue
        for entry in abi:
            if entry.get("type") != "error":
                continue
            inputs = entry.get("inputs", [])
            spec = ErrorSpec(
                name=str(entry["name"]),
                arg_names=tuple(str(i.get("name") or f"arg{n}") for n, i in enumerate(inputs)),
                arg_types=tuple(abi_type(i) for i in inputs),
            )
            specs.setdefault(spec.selector, spec)
    return specs


@dataclass(frozen=True)
class _Ctx:
    """What a builder makes its error from: the decoded arguments by position, or (string
    reasons carry none) the call context and the caller."""

    args: tuple[Any, ...]
    context: str | None
    caller: str | None

    def addr(self, i: int) -> str:
        return str(self.args[i]) if i < len(self.args) else self.context or "(unknown)"

    def who(self, i: int) -> str:
        return str(self.args[i]) if i < len(self.args) else self.caller or "(unknown)"

    def num(self, i: int) -> int:
        return int(self.args[i]) if i < len(self.args) else 0

    def opt(self, i: int) -> int | None:
        return int(self.args[i]) if i < len(self.args) else None


def _not_owner(ctx: _Ctx) -> E.OGPUError:
    if "source" in (ctx.context or "").lower():
        return E.NotSourceOwnerError(ctx.addr(0), ctx.who(1))
    return E.NotTaskOwnerError(ctx.addr(0), ctx.who(1))


_Builder = Callable[[_Ctx], E.OGPUError]
_A, _U = "address", "uint256"

#: Identifier → (the argument types a custom error must have, its builder). Errors with the same
#: name and other types, e.g. OpenZeppelin's ``InsufficientBalance(uint256,uint256)``, stay a
#: generic ``TxRevertError``.
_BUILDERS: dict[str, tuple[tuple[str, ...], _Builder]] = {
    "NotOwner": ((_A, _A), _not_owner),
    "NotMaster": ((_A,), lambda c: E.NotMasterError(c.who(0))),
    "NotProvider": ((_A,), lambda c: E.NotProviderError(c.who(0))),
    "Expired": ((_A, _U), lambda c: E.TaskExpiredError(c.addr(0), c.num(1))),
    "AlreadyConfirmed": ((_A,), lambda c: E.ResponseAlreadyConfirmedError(c.addr(0))),
    "AlreadyFinalized": ((_A, "uint8"), lambda c: E.TaskAlreadyFinalizedError(c.addr(0), c.opt(1))),
    "InsufficientBalance": (
        (_A, _U, _U),
        lambda c: E.InsufficientBalanceError(c.who(0), c.num(1), c.num(2)),
    ),
    "InsufficientLockup": (
        (_A, _U, _U),
        lambda c: E.InsufficientLockupError(c.who(0), c.num(1), c.num(2)),
    ),
    "UnbondingNotElapsed": (
        (_A, _U),
        lambda c: E.UnbondingPeriodNotElapsedError(c.who(0), c.num(1)),
    ),
    "NotEligible": ((_A,), lambda c: E.NotEligibleError(c.who(0))),
    "SourceInactive": ((_A,), lambda c: E.SourceInactiveError(c.addr(0))),
}


def _compat(builder: _Builder, reason: str, context: str, caller: str) -> E.OGPUError:
    return builder(_Ctx((), context, caller))


#: Compatibility with the official SDK: identifier → ``(reason, context, caller) -> OGPUError``.
REVERT_PATTERN_MAP: dict[str, Callable[[str, str, str], E.OGPUError]] = {
    name: functools.partial(_compat, builder) for name, (_, builder) in _BUILDERS.items()
}


def _norm(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        try:
            return checksum_address(value)
        except ValueError:
            return value
    if isinstance(value, tuple | list):
        return type(value)(_norm(v) for v in value)
    return value


def _to_bytes(data: bytes | str | None) -> bytes | None:
    if data is None:
        return None
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    text = data.strip()
    if text.startswith(("0x", "0X")):
        text = text[2:]
    if not text or len(text) % 2 or not re.fullmatch(r"[0-9a-fA-F]*", text):
        return None
    return bytes.fromhex(text)


_REASON_PREFIX = re.compile(r"^(?:execution reverted:?\s*|VM Exception.*?revert(?:ed)?:?\s*)", re.I)
_IDENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:$|[\s:(])")


def _from_reason(
    reason: str, context: str | None, caller: str | None, data: bytes | None
) -> E.OGPUError:
    text = _REASON_PREFIX.sub("", reason.strip()).strip()
    match = _IDENT.match(text)
    ident = match.group(1) if match else None
    if ident in _BUILDERS:
        err = _BUILDERS[ident][1](_Ctx((), context, caller))
        return err.with_revert(context=context, error_name=ident, revert_data=data)
    out = E.TxRevertError(text or "execution reverted (no reason)", data=data)
    return out.with_revert(context=context)


def decode_revert(
    data: bytes | str | None,
    reason: str | None = None,
    *,
    context: str | None = None,
    caller: str | None = None,
    tx_hash: str | None = None,
) -> E.OGPUError:
    """Map revert ``data`` (selector + ABI args) or a ``reason`` string to a typed error.

    ``context`` names the failing call (``"Nexus.updateSource"``); it decides whether ``NotOwner``
    means the source or the task, and is shown in the message. ``caller`` fills the caller of
    string reasons (which carry no arguments).

    >>> from eth_abi import encode
    >>> err = decode_revert("0x08c379a0" + encode(["string"], ["NotOwner"]).hex(),
    ...                     context="Nexus.updateSource", caller="0xAbc")
    >>> type(err).__name__, err.caller
    ('NotSourceOwnerError', '0xAbc')
    """
    raw = _to_bytes(data)
    err: E.OGPUError
    if raw and len(raw) >= 4:
        selector, body = raw[:4], raw[4:]
        if selector == ERROR_STRING_SELECTOR:
            try:
                (text,) = abi_decode(["string"], body)
            except Exception:
                text = reason or "malformed Error(string) revert"
            err = _from_reason(str(text), context, caller, raw)
        elif selector == PANIC_SELECTOR:
            try:
                (code,) = abi_decode(["uint256"], body)
            except Exception:
                code = -1
            meaning = PANIC_CODES.get(code, "unknown panic code")
            err = E.TxRevertError(
                f"Panic(0x{code:02x}): {meaning}",
                data=raw,
                error_name="Panic",
                args={"code": code},
            )
        else:
            spec = error_registry().get(selector)
            if spec is None:
                err = E.TxRevertError(
                    f"unknown custom error 0x{selector.hex()} (data 0x{raw.hex()})", data=raw
                )
            else:
                try:
                    values = tuple(_norm(v) for v in abi_decode(list(spec.arg_types), body))
                except Exception:
                    values = ()
                named = dict(zip(spec.arg_names, values, strict=False))
                types, builder = _BUILDERS.get(spec.name, ((), None))
                if builder is not None and values and types == spec.arg_types:
                    err = builder(_Ctx(values, context, caller))
                else:
                    rendered = ", ".join(f"{k}={v}" for k, v in named.items())
                    err = E.TxRevertError(f"{spec.name}({rendered})")
                err.with_revert(error_name=spec.name, error_args=named, revert_data=raw)
    elif reason:
        err = _from_reason(reason, context, caller, raw)
    else:
        err = E.TxRevertError("execution reverted without a reason", data=raw)
    return err.with_revert(context=context, tx_hash=tx_hash)


def decode_exception(
    exc: BaseException,
    *,
    context: str | None = None,
    caller: str | None = None,
    tx_hash: str | None = None,
) -> E.OGPUError | None:
    """Typed error for a web3/RPC revert exception (``ContractCustomError`` …), ``None`` when
    ``exc`` is not a revert."""
    data: Any = getattr(exc, "data", None)
    message: Any = getattr(exc, "message", None)
    rpc = getattr(exc, "rpc_response", None)
    if isinstance(rpc, Mapping) and isinstance(rpc.get("error"), Mapping):
        error = rpc["error"]
        data = data if data is not None else error.get("data")
        message = message or error.get("message")
    if isinstance(data, Mapping):  # some nodes nest {"data": "0x…"} or {"message": …}
        data = data.get("data") or data.get("result")
    # a web3 exception implies web3 is imported (it is an optional dependency: never import it here)
    web3_errors = sys.modules.get("web3.exceptions")
    logic_error = web3_errors is not None and isinstance(exc, web3_errors.ContractLogicError)
    if not logic_error and not (isinstance(message, str) and "revert" in message.lower()):
        return None
    raw = _to_bytes(data) if isinstance(data, str | bytes) else None
    reason = str(message) if message else None
    return decode_revert(raw, reason, context=context, caller=caller, tx_hash=tx_hash)
