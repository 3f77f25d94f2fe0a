"""The SDK's ABI codec (:func:`encode`, :func:`decode`) and typed access to the packaged ABIs.

Static types (``uintN``, ``intN``, ``address``, ``bool``, ``bytesN``, and fixed-size arrays and
tuples of those) are coded here, byte for byte as eth-abi and refusing what it refuses
(out-of-range or mistyped values, short replies, non-zero padding, a bool other than 0 or 1).
Every other type goes to eth-abi, imported on first use: it loads about a hundred modules, which
a read of a few numbers should not pay for. Failures are :class:`AbiEncodeError` /
:class:`AbiDecodeError` on both paths.

>>> data = encode(("uint8", "bool"), (5, True))
>>> len(data), data[31], data[63], decode(("uint8", "bool"), data)
(64, 5, 1, (5, True))
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any, cast

from ogpu.types.checks import show

__all__ = ["AbiDecodeError", "AbiEncodeError", "AbiError", "decode", "encode", "load_abi"]


def load_abi(name: str) -> list[dict[str, Any]]:
    """The ABI of the packaged artifact ``name`` (``"Vault"``, ``"Nexus"``, ...)."""
    # imported by name: mypy resolves ``ogpu.chain.artifacts`` to the data folder beside it
    module = importlib.import_module("ogpu.chain.artifacts")
    return cast(list[dict[str, Any]], module.load_abi(name))


class AbiError(ValueError):
    """A value the codec cannot encode, or bytes it cannot decode."""


class AbiEncodeError(AbiError):
    """A value that does not fit its ABI type (wrong Python type, out of range, wrong length)."""


class AbiDecodeError(AbiError):
    """Bytes that are not a valid encoding of the ABI types (too short, bad padding or value)."""


# ---------------------------------------------------------------------------------------- static

_WORD = 32
_ZERO_WORD = bytes(_WORD)
_ONES = b"\xff" * _WORD
_ADDRESS = re.compile(r"(?:0[xX])?[0-9a-fA-F]{40}")
_SIZED = re.compile(r"(uint|int|bytes)([1-9][0-9]{0,2})")
_DIM = re.compile(r"[1-9][0-9]{0,4}")


def _refuse(value: Any, type_str: str, why: str = "") -> AbiEncodeError:
    return AbiEncodeError(
        f"value {show(value)} of type {type(value).__name__} cannot be encoded as {type_str}"
        + (f": {why}" if why else "")
    )


def _is_list_like(value: Any) -> bool:
    """eth-abi's notion of a list: a sequence that is not text or bytes."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray)


class _Static:
    """A static ABI type: its size in bytes, an encoder, and a decoder reading at an offset."""

    __slots__ = ("decode", "encode", "size")

    def __init__(
        self, size: int, encode: Callable[[Any], bytes], decode: Callable[[bytes, int], Any]
    ) -> None:
        self.size = size
        self.encode = encode
        self.decode = decode


def _word(data: bytes, at: int) -> bytes:
    word = data[at : at + _WORD]
    if len(word) != _WORD:
        raise AbiDecodeError(f"tried to read {_WORD} bytes, only got {len(word)} bytes")
    return word


def _padding_error(padding: bytes) -> AbiDecodeError:
    return AbiDecodeError(f"padding bytes were not empty: {show(padding)}")


def _integer(bits: int, type_str: str, signed: bool) -> _Static:
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
    pad = _WORD - bits // 8

    def enc(value: Any) -> bytes:
        if not isinstance(value, int) or isinstance(value, bool):
            raise _refuse(value, type_str)
        if not low <= value < high:
            raise _refuse(value, type_str, f"must be between {low} and {high - 1}")
        return value.to_bytes(_WORD, "big", signed=signed)

    def dec(data: bytes, at: int) -> int:
        word = _word(data, at)
        value = int.from_bytes(word[pad:], "big", signed=signed)
        if word[:pad] != (_ONES if value < 0 else _ZERO_WORD)[:pad]:
            raise _padding_error(word[:pad])
        return value

    return _Static(_WORD, enc, dec)


def _bytes_n(n: int, type_str: str) -> _Static:
    def enc(value: Any) -> bytes:
        if not isinstance(value, bytes | bytearray):
            raise _refuse(value, type_str)
        if len(value) > n:
            raise _refuse(value, type_str, f"longer than {n} bytes")
        return bytes(value).ljust(_WORD, b"\x00")

    def dec(data: bytes, at: int) -> bytes:
        word = _word(data, at)
        if word[n:] != _ZERO_WORD[n:]:
            raise _padding_error(word[n:])
        return word[:n]

    return _Static(_WORD, enc, dec)


def _address_enc(value: Any) -> bytes:
    if isinstance(value, str) and _ADDRESS.fullmatch(value):
        return bytes(12) + bytes.fromhex(value[-40:])
    if isinstance(value, bytes | bytearray) and len(value) == 20:
        return bytes(12) + bytes(value)
    raise _refuse(value, "address")


def _address_dec(data: bytes, at: int) -> str:
    word = _word(data, at)
    if word[:12] != _ZERO_WORD[:12]:
        raise _padding_error(word[:12])
    return "0x" + word[12:].hex()


def _bool_enc(value: Any) -> bytes:
    if not isinstance(value, bool):
        raise _refuse(value, "bool")
    return _ZERO_WORD[:31] + (b"\x01" if value else b"\x00")


def _bool_dec(data: bytes, at: int) -> bool:
    word = _word(data, at)
    if word[31] > 1:
        raise AbiDecodeError(f"a boolean must be 0 or 1, got {word[31]}")
    if word[:31] != _ZERO_WORD[:31]:
        raise _padding_error(word[:31])
    return word[31] == 1


_ADDRESS_T = _Static(_WORD, _address_enc, _address_dec)
_BOOL_T = _Static(_WORD, _bool_enc, _bool_dec)


def _sequence(items: tuple[_Static, ...], type_str: str) -> _Static:
    """A tuple or fixed-size array: its items one after the other; decoded as a tuple."""
    count = len(items)
    size = sum(i.size for i in items)

    def enc(value: Any) -> bytes:
        if not _is_list_like(value):
            raise _refuse(value, type_str, "expected a list or tuple")
        if len(value) != count:
            raise _refuse(value, type_str, f"{len(value)} items, expected {count}")
        return b"".join(item.encode(v) for item, v in zip(items, value, strict=True))

    def dec(data: bytes, at: int) -> tuple[Any, ...]:
        out = []
        for item in items:
            out.append(item.decode(data, at))
            at += item.size
        return tuple(out)

    return _Static(size, enc, dec)


def _split_components(inner: str) -> list[str] | None:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "," and depth == 0:
            parts.append(inner[start:i])
            start = i + 1
    if depth != 0:
        return None
    parts.append(inner[start:])
    return parts


@lru_cache(maxsize=1024)
def _static(type_str: str) -> _Static | None:
    """The codec of a static type written canonically, or ``None`` (handled by eth-abi)."""
    if type_str.endswith("]"):
        open_at = type_str.rfind("[")
        dim = type_str[open_at + 1 : -1]
        item = _static(type_str[:open_at]) if open_at > 0 and _DIM.fullmatch(dim) else None
        return None if item is None else _sequence((item,) * int(dim), type_str)
    if type_str.startswith("(") and type_str.endswith(")"):
        parts = _split_components(type_str[1:-1])
        if not parts or "" in parts:
            return None
        items = tuple(_static(p) for p in parts)
        if any(i is None for i in items):
            return None
        return _sequence(cast(tuple[_Static, ...], items), type_str)
    if type_str == "address":
        return _ADDRESS_T
    if type_str == "bool":
        return _BOOL_T
    sized = _SIZED.fullmatch(type_str)
    if sized is None:
        return None
    kind, n = sized.group(1), int(sized.group(2))
    if kind == "bytes":
        return _bytes_n(n, type_str) if n <= 32 else None
    if n % 8 or n > 256:
        return None
    return _integer(n, type_str, signed=kind == "int")


@lru_cache(maxsize=1024)
def _static_tuple(types: tuple[str, ...]) -> _Static | None:
    items = tuple(_static(t) for t in types)
    if any(i is None for i in items):
        return None
    return _sequence(cast(tuple[_Static, ...], items), "(" + ",".join(types) + ")")


# ------------------------------------------------------------------------------------ entry points


def encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """The ABI encoding of ``values`` as ``types`` (a function's arguments, without selector)."""
    types = tuple(types)
    codec = _static_tuple(types)
    if codec is not None:
        return codec.encode(values)
    from eth_abi.abi import encode as eth_abi_encode

    try:
        return eth_abi_encode(types, values)
    except Exception as exc:  # eth-abi's EncodingError family, and TypeError/ValueError
        raise AbiEncodeError(str(exc)) from exc


def decode(types: Sequence[str], data: bytes) -> tuple[Any, ...]:
    """The values of ``types`` encoded in ``data`` (a call's return data); addresses come back
    lower-case, arrays as tuples, as eth-abi gives them."""
    types = tuple(types)
    if not isinstance(data, bytes | bytearray):
        raise AbiDecodeError(f"expected bytes to decode, got {type(data).__name__}")
    codec = _static_tuple(types)
    if codec is not None:
        if len(data) < codec.size:
            raise AbiDecodeError(f"tried to read {codec.size} bytes, only got {len(data)} bytes")
        return cast(tuple[Any, ...], codec.decode(bytes(data), 0))
    from eth_abi.abi import decode as eth_abi_decode

    try:
        return eth_abi_decode(types, data)
    except Exception as exc:  # eth-abi's DecodingError family
        raise AbiDecodeError(str(exc)) from exc
