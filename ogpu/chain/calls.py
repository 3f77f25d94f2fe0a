"""Contract calls without web3: calldata from the packaged ABI (:mod:`ogpu.chain._abi`), cached
selectors.

A :class:`ContractCall` is one function of one contract with its arguments encoded: the target
``address``, the ``fn_name``, the ABI entry (``abi``) and the calldata (``data``). Reads send it as
``eth_call`` and :meth:`ContractCall.decode` the reply; writes hand it to
:meth:`ogpu.chain.Session.transact`. Building one costs a few microseconds (the selector and
types are computed once per function), where a web3 ``ContractFunction`` costs about a
millisecond. :class:`BoundContract` gives the familiar ``contract.functions.name(*args)`` shape.

>>> c = ContractCall.build("Vault", "balanceOf", "0x" + "11" * 20, address="0x" + "22" * 20)
>>> c.data[:10], c.fn_name
('0x70a08231', 'balanceOf')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from Crypto.Hash.keccak import new as _keccak_new

from ogpu.chain import _abi
from ogpu.types.errors import InvalidArgumentError, OGPUError

__all__ = ["BlockId", "BoundContract", "ContractCall", "FunctionSpec", "function_spec"]

#: A block selector: a block number or a tag such as ``"latest"``.
BlockId = int | str


def keccak(data: bytes) -> bytes:
    """Keccak-256 of ``data`` with pycryptodome, the backend ``eth_hash.auto`` picks (without
    eth-hash's own import, which reads its version through ``importlib.metadata``)."""
    return bytes(_keccak_new(data=data, digest_bits=256).digest())


def block_param(block: BlockId) -> str:
    """The JSON-RPC form of a block selector."""
    return hex(block) if isinstance(block, int) else block


def abi_type(entry: dict[str, Any]) -> str:
    """The canonical type string of an ABI parameter (tuples spelled out)."""
    t = str(entry["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in entry["components"]) + ")" + t[len("tuple") :]
    return t


def _has_bytes(entry: dict[str, Any]) -> bool:
    if str(entry["type"]).startswith("bytes"):
        return True
    return any(_has_bytes(c) for c in entry.get("components", ()))


@dataclass(frozen=True)
class FunctionSpec:
    """Everything needed to encode and decode one ABI function (computed once)."""

    contract: str
    name: str
    abi: dict[str, Any]
    selector: bytes
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]
    #: True when some input is ``bytes``/``bytesN`` (hex strings are then accepted and converted)
    takes_bytes: bool


@cache
def function_spec(contract: str, name: str) -> FunctionSpec:
    """The :class:`FunctionSpec` of ``contract.name`` from the packaged ABI (cached)."""
    for entry in _abi.load_abi(contract):
        if entry.get("type") == "function" and entry.get("name") == name:
            inputs = tuple(abi_type(i) for i in entry["inputs"])
            return FunctionSpec(
                contract=contract,
                name=name,
                abi=entry,
                selector=keccak(f"{name}({','.join(inputs)})".encode())[:4],
                input_types=inputs,
                output_types=tuple(abi_type(o) for o in entry.get("outputs", [])),
                takes_bytes=any(_has_bytes(i) for i in entry["inputs"]),
            )
    raise AttributeError(f"{contract} has no function {name!r}")


_HEX_ADDRESS = re.compile(r"(?:0[xX])?[0-9a-fA-F]{40}")


@lru_cache(maxsize=8192)
def checksum_address(address: str) -> str:
    """The EIP-55 form of an address (``0x`` optional, any case; as ``eth_utils.to_checksum_address``),
    remembered (the same few addresses recur in every write); raises ``ValueError`` for what is
    not an address."""
    if isinstance(address, str):
        if _HEX_ADDRESS.fullmatch(address) is None:
            raise ValueError(f"not an address: {address!r} (expected 0x and 40 hex digits)")
        return checksum_lower("0x" + address[-40:].lower())
    from eth_utils.address import to_checksum_address  # 20 raw bytes and other forms

    return str(to_checksum_address(address))


@lru_cache(maxsize=8192)
def checksum_lower(address: str) -> str:
    """EIP-55 form of an ABI-decoded (lower-case ``0x``) address."""
    body = address[2:].lower()
    digest = keccak(body.encode()).hex()
    return "0x" + "".join(
        c.upper() if int(d, 16) >= 8 else c for c, d in zip(body, digest[:40], strict=True)
    )


def _map_leaves(entry: dict[str, Any], value: Any, leaf: Callable[[str, Any], Any]) -> Any:
    """``value`` of the ABI parameter ``entry`` with ``leaf(type, item)`` applied to each item
    that is not an array or a tuple (arrays come back as lists, tuples as tuples)."""
    t = str(entry["type"])
    if t.endswith("]") and isinstance(value, list | tuple):
        inner = dict(entry, type=t[: t.rindex("[")])
        return [_map_leaves(inner, v, leaf) for v in value]
    if t == "tuple" and isinstance(value, list | tuple):
        items = zip(entry["components"], value, strict=False)
        return tuple(_map_leaves(c, v, leaf) for c, v in items)
    return leaf(t, value)


def _hex_to_bytes(t: str, value: Any) -> Any:
    if t.startswith("bytes") and isinstance(value, str) and value.startswith(("0x", "0X")):
        return bytes.fromhex(value[2:])
    return value


def _checksummed(t: str, value: Any) -> Any:
    return checksum_lower(value) if t == "address" else value


@dataclass(frozen=True)
class ContractCall:
    """One contract function with encoded arguments: ``address``, ``fn_name``, ``abi``, ``data``."""

    contract: str
    fn_name: str
    address: str
    args: tuple[Any, ...]
    data: str

    @classmethod
    def build(cls, contract: str, function: str, *args: Any, address: str) -> ContractCall:
        """Encode ``contract.function(*args)`` at ``address``.

        Bad arguments raise :class:`~ogpu.types.errors.InvalidArgumentError` (a ``TypeError``
        and a ``ValueError``), as every other surface does.
        """
        spec = function_spec(contract, function)
        if len(args) != len(spec.input_types):
            raise InvalidArgumentError(
                f"{contract}.{function}",
                f"takes {len(spec.input_types)} arguments, got {len(args)}",
            )
        values: Sequence[Any] = args
        if spec.takes_bytes:
            inputs = spec.abi["inputs"]
            values = [_map_leaves(e, v, _hex_to_bytes) for e, v in zip(inputs, args, strict=True)]
        try:
            encoded = _abi.encode(spec.input_types, values) if spec.input_types else b""
        except Exception as exc:  # AbiEncodeError, or whatever a strange value raises
            raise InvalidArgumentError(
                f"{contract}.{function}", f"cannot encode arguments: {exc}"
            ) from None
        return cls(contract, function, address, tuple(args), "0x" + (spec.selector + encoded).hex())

    @property
    def spec(self) -> FunctionSpec:
        """The function's :class:`FunctionSpec`."""
        return function_spec(self.contract, self.fn_name)

    @property
    def abi(self) -> dict[str, Any]:
        """The function's ABI entry."""
        return self.spec.abi

    @property
    def context(self) -> str:
        """``Contract.function``, naming the call in errors."""
        return f"{self.contract}.{self.fn_name}"

    def _encode_transaction_data(self) -> str:
        """The calldata (the name web3's ``ContractFunction`` uses)."""
        return self.data

    def request(
        self, block: BlockId = "latest", sender: str | None = None
    ) -> tuple[str, list[Any]]:
        """The ``eth_call`` JSON-RPC request reading this call at ``block``."""
        tx: dict[str, Any] = {"to": self.address, "data": self.data}
        if sender:
            tx["from"] = sender
        return "eth_call", [tx, block_param(block)]

    def decode(self, result: Any) -> Any:
        """The decoded output of an ``eth_call`` result (hex): one value, a tuple, or ``None``."""
        spec = self.spec
        if not spec.output_types:
            return None
        raw = bytes.fromhex(str(result)[2:]) if result else b""
        if not raw:
            raise OGPUError(
                f"{self.address} returned no data for {self.fn_name}: is there a contract at that "
                "address on this network?"
            )
        try:
            decoded = _abi.decode(spec.output_types, raw)
        except Exception as exc:  # AbiDecodeError
            raise OGPUError(f"undecodable reply to {self.context}: {exc}") from None
        outputs = spec.abi.get("outputs", [])
        values = [_map_leaves(o, v, _checksummed) for o, v in zip(outputs, decoded, strict=True)]
        return values[0] if len(values) == 1 else tuple(values)


class _Functions:
    __slots__ = ("_contract",)

    def __init__(self, contract: BoundContract) -> None:
        self._contract = contract

    def __getattr__(self, name: str) -> Callable[..., ContractCall]:
        c = self._contract
        function_spec(c.name, name)  # AttributeError for unknown functions

        def bind(*args: Any) -> ContractCall:
            return ContractCall.build(c.name, name, *args, address=c.address)

        return bind


class BoundContract:
    """A packaged ABI at an address: ``contract.functions.balanceOf(who)`` is a :class:`ContractCall`."""

    __slots__ = ("address", "functions", "name")

    def __init__(self, name: str, address: str) -> None:
        self.name = name
        self.address = address
        self.functions = _Functions(self)

    def __repr__(self) -> str:
        return f"BoundContract({self.name!r}, {self.address!r})"

    def encode_abi(self, fn_name: str, args: Sequence[Any] = ()) -> str:
        """The calldata of ``fn_name(*args)`` (web3's ``Contract.encode_abi`` shape)."""
        return ContractCall.build(self.name, fn_name, *args, address=self.address).data
