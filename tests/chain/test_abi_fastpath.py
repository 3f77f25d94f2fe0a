"""The SDK's own encoder/decoder of static ABI types agrees with eth-abi byte for byte.

:mod:`ogpu.chain._abi` encodes and decodes ``uintN``/``intN``/``address``/``bool``/``bytesN``
and fixed-size arrays and tuples of those without importing eth-abi. Hypothesis draws types and
values (valid ones, and values eth-abi refuses: out of range, wrong Python type, wrong length)
and replies (valid encodings, then truncated, extended, or with a byte changed, which hits the
padding and the bool checks): the result must be eth-abi's, and every input eth-abi refuses must
be refused. The checksum of addresses is compared with eth-utils' the same way.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import decode as eth_abi_decode
from eth_abi.abi import encode as eth_abi_encode
from eth_utils.address import to_checksum_address
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogpu.chain import _abi
from ogpu.chain.calls import ContractCall, checksum_address, checksum_lower
from ogpu.types import OGPUError

BITS = st.integers(1, 32).map(lambda n: n * 8)
BASIC = st.one_of(
    BITS.map(lambda b: f"uint{b}"),
    BITS.map(lambda b: f"int{b}"),
    st.integers(1, 32).map(lambda n: f"bytes{n}"),
    st.sampled_from(["address", "bool"]),
)
STATIC_TYPES = st.recursive(
    BASIC,
    lambda inner: st.one_of(
        st.tuples(inner, st.integers(1, 3)).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.lists(inner, min_size=1, max_size=3).map(lambda ts: "(" + ",".join(ts) + ")"),
    ),
    max_leaves=6,
)
SIGNATURES = st.lists(STATIC_TYPES, min_size=0, max_size=4)

NOT_A_VALUE = st.sampled_from([None, 1.5, "1", b"", [], (), {}, object(), True, 0])


def _hex_address(raw: bytes, style: str) -> str:
    body = raw.hex()
    if style == "upper":
        body = body.upper()
    elif style == "checksum":
        body = to_checksum_address(raw)[2:]
    prefix = {"0x": "0x", "0X": "0X", "none": ""}
    return prefix[style if style in prefix else "0x"] + body


def _components(type_str: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(type_str):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(type_str[start:i])
            start = i + 1
    return [*parts, type_str[start:]]


@st.composite
def value_of(draw: st.DrawFn, type_str: str, spoil: bool = False) -> Any:
    """A valid value for ``type_str``; with ``spoil``, some parts of it may be invalid (a wrong
    type, size or range)."""

    def bad() -> bool:
        return spoil and draw(st.integers(0, 3)) == 0

    if bad():
        return draw(NOT_A_VALUE)
    if type_str.endswith("]"):
        item, size = type_str[: type_str.rindex("[")], int(type_str[type_str.rindex("[") + 1 : -1])
        count = draw(st.integers(0, size + 2)) if bad() else size
        items = [draw(value_of(item, spoil)) for _ in range(count)]
        return draw(st.sampled_from([list, tuple]))(items)
    if type_str.startswith("("):
        parts = _components(type_str[1:-1])
        if bad():
            parts = parts[: draw(st.integers(0, len(parts)))]
        return tuple(draw(value_of(p, spoil)) for p in parts)
    if type_str == "bool":
        return draw(st.sampled_from([True, False, 0, 1] if bad() else [True, False]))
    if type_str == "address":
        raw = draw(st.binary(min_size=20, max_size=20))
        form = draw(st.sampled_from(["0x", "0X", "none", "upper", "checksum", "bytes"]))
        if bad():
            form = "bad"
        if form == "bytes":
            return draw(st.sampled_from([bytes, bytearray]))(raw)
        if form == "bad":
            return draw(
                st.one_of(
                    st.binary(min_size=19, max_size=21).filter(lambda b: len(b) != 20),
                    st.text("0123456789abcdefABCDEFxg", min_size=38, max_size=43),
                    st.just("0x" + raw.hex() + "\n"),
                )
            )
        return _hex_address(raw, form)
    if type_str.startswith("bytes"):
        n = int(type_str[5:])
        size = draw(st.integers(n, 33)) if bad() else draw(st.integers(0, n))
        raw = draw(st.binary(min_size=size, max_size=size))
        return draw(st.sampled_from([bytes, bytes, bytearray]))(raw)
    bits = int(type_str.lstrip("uint"))
    low, high = (
        (0, 2**bits - 1) if type_str.startswith("u") else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)
    )
    if bad():
        return draw(st.sampled_from([low - 1, high + 1, -(2**300), 2**300, True, False]))
    return draw(st.integers(low, high) | st.sampled_from([low, high]))


def _outcome(fn: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", fn(*args)
    except Exception as exc:
        return "error", type(exc)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data(), types=SIGNATURES)
def test_encode_matches_eth_abi(data: st.DataObject, types: list[str]) -> None:
    assert _abi._static_tuple(tuple(types)) is not None  # the fast path handles them all
    spoil = data.draw(st.booleans())
    values = data.draw(st.tuples(*(value_of(t, spoil) for t in types)))
    expected = _outcome(eth_abi_encode, types, values)
    got = _outcome(_abi.encode, types, values)
    if expected[0] == "ok":
        assert got == expected
    else:
        assert got == ("error", _abi.AbiEncodeError)


@st.composite
def replies(draw: st.DrawFn, types: list[str]) -> bytes:
    """A valid encoding of ``types``, then maybe truncated, extended or with one byte changed."""
    data = eth_abi_encode(types, draw(st.tuples(*(value_of(t) for t in types))))
    how = draw(st.sampled_from(["as is", "truncate", "extend", "poke", "poke", "random"]))
    if how == "truncate" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "extend":
        data += draw(st.binary(min_size=1, max_size=64))
    elif how == "poke" and data:
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    elif how == "random":
        data = draw(st.binary(min_size=len(data), max_size=len(data)))
    return data


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(data=st.data(), types=SIGNATURES)
def test_decode_matches_eth_abi(data: st.DataObject, types: list[str]) -> None:
    reply = data.draw(replies(types))
    expected = _outcome(eth_abi_decode, types, reply)
    got = _outcome(_abi.decode, types, reply)
    if expected[0] == "ok":
        # repr tells True from 1 and a tuple from a list, which == does not
        assert got[0] == "ok" and repr(got[1]) == repr(expected[1])
    else:
        assert got == ("error", _abi.AbiDecodeError)


def test_bad_padding_and_bools_are_refused() -> None:
    word = bytes(31) + b"\x01"
    assert _abi.decode(["bool", "uint8", "address"], word * 3) == (True, 1, "0x" + "00" * 19 + "01")
    for types, reply in [
        (["bool"], bytes(31) + b"\x02"),
        (["bool"], b"\x01" + bytes(31)),
        (["uint8"], bytes(30) + b"\x01\x01"),
        (["int8"], bytes(31) + b"\x80"),  # -128 must be sign-extended with 0xff
        (["address"], b"\x01" + bytes(31)),
        (["bytes1"], b"\x01\x01" + bytes(30)),
        (["uint256"], bytes(31)),
        (["uint256[2]"], bytes(63)),
    ]:
        with pytest.raises(_abi.AbiDecodeError):
            _abi.decode(types, reply)
        with pytest.raises(Exception):  # noqa: B017 - eth-abi refuses it too
            eth_abi_decode(types, reply)


def test_other_types_go_to_eth_abi() -> None:
    types = ["string", "uint256[]", "(address,bytes)"]
    values = ("hé", [1, 2], ("0x" + "11" * 20, b"\x01\x02"))
    assert all(_abi._static(t) is None for t in types)
    encoded = _abi.encode(types, values)
    assert encoded == eth_abi_encode(types, values)
    assert _abi.decode(types, encoded) == eth_abi_decode(types, encoded)
    with pytest.raises(_abi.AbiEncodeError):
        _abi.encode(["string"], [1])
    with pytest.raises(_abi.AbiDecodeError):
        _abi.decode(["string"], encoded[:40])


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.builds(
            _hex_address,
            st.binary(min_size=20, max_size=20),
            st.sampled_from(["0x", "0X", "none", "upper", "checksum"]),
        ),
        st.text("0123456789abcdefABCDEFxX", max_size=44),
        st.text(max_size=44),
    )
)
def test_checksum_matches_eth_utils(text: str) -> None:
    expected = _outcome(to_checksum_address, text)
    got = _outcome(checksum_address.__wrapped__, text)
    assert got == expected if expected[0] == "ok" else got == ("error", ValueError)
    if expected[0] == "ok":
        assert checksum_lower(expected[1].lower()) == expected[1]


def test_raw_address_bytes_still_checksum() -> None:
    raw = bytes(range(20))
    assert checksum_address(raw) == to_checksum_address(raw)  # type: ignore[arg-type]


HOSTILE_REPLIES = [
    None,
    "",
    "0x",
    "0x00",
    "0x" + "00" * 31,
    "0x" + "01" * 32,  # bool padding / value
    "0x" + "00" * 31 + "02",
    "0x" + "ff" * 32,
    "0x" + "00" * 64,  # longer than needed: accepted, as eth-abi does
    "0xzz",
    "0x0",
]


@pytest.mark.parametrize("fn", ["balanceOf", "isEligible"])
@pytest.mark.parametrize("reply", HOSTILE_REPLIES)
def test_hostile_replies_fail_as_with_eth_abi(
    monkeypatch: pytest.MonkeyPatch, fn: str, reply: Any
) -> None:
    """A reply to a real contract call decodes, or fails with the same error type, on both paths."""
    call = ContractCall.build("Vault", fn, "0x" + "11" * 20, address="0x" + "22" * 20)
    fast = _outcome(call.decode, reply)
    monkeypatch.setattr(_abi, "_static_tuple", lambda types: None)  # everything to eth-abi
    slow = _outcome(call.decode, reply)
    assert fast == slow
    if reply in (None, "", "0x", "0x00", "0x" + "00" * 31):
        assert fast == ("error", OGPUError)


def test_bad_arguments_raise_type_error_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    for args in [("0x1234",), (12,), (None,)]:
        with pytest.raises(TypeError, match="cannot encode"):
            ContractCall.build("Vault", "balanceOf", *args, address="0x" + "22" * 20)
    monkeypatch.setattr(_abi, "_static_tuple", lambda types: None)
    for args in [("0x1234",), (12,), (None,)]:
        with pytest.raises(TypeError, match="cannot encode"):
            ContractCall.build("Vault", "balanceOf", *args, address="0x" + "22" * 20)
