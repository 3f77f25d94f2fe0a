"""Signers: hex keys, eth-account accounts, or any object that can sign a transaction.

The SDK only ever uses a signer's ``address`` and ``sign_transaction``; it never reads a key
attribute, so hardware/remote signers work. Keys never appear in reprs, logs or errors.

>>> s = resolve_signer("0x" + "11" * 32)
>>> repr(s).startswith("KeySigner(0x")
True
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, Union, runtime_checkable

from ogpu.types.enums import Role
from ogpu.types.errors import InvalidSignerError, MissingSignerError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from hexbytes import HexBytes

    from ogpu.chain.networks import Network

__all__ = ["KeySigner", "SignedTransaction", "SignerInput", "SignerLike", "resolve_signer"]

_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


class SignedTransaction(NamedTuple):
    """A signed transaction, in the shape of eth-account's ``SignedTransaction``."""

    raw_transaction: HexBytes
    hash: HexBytes
    r: int
    s: int
    v: int


@runtime_checkable
class SignerLike(Protocol):
    """Anything with an ``address`` and ``sign_transaction(tx_dict)``.

    ``sign_transaction`` returns an object with ``raw_transaction`` (bytes), like eth-account's
    ``SignedTransaction``.
    """

    @property
    def address(self) -> str: ...

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any: ...


SignerInput = Union[str, "LocalAccount", SignerLike]


class KeySigner:
    """A local key wrapped so that only its address is ever shown.

    The address is derived with coincurve (secp256k1) and keccak; eth-account, slow to import, is loaded on
    the first signature, so reads that only need the address never import it.

    >>> KeySigner.from_key("0x" + "22" * 32).address[:2]
    '0x'
    """

    __slots__ = ("__account", "__address", "__curve_key", "__key")

    def __init__(self, account: LocalAccount) -> None:
        self.__account: LocalAccount | None = account
        self.__key = bytes(account.key)
        self.__curve_key: Any = None
        self.__address = str(account.address)

    @classmethod
    def from_key(cls, key: str | bytes) -> KeySigner:
        """Wrap a private key (32 bytes, or hex with optional ``0x``)."""
        from coincurve import PublicKey

        from ogpu.chain.calls import checksum_lower, keccak

        raw = bytes.fromhex(key.removeprefix("0x")) if isinstance(key, str) else bytes(key)
        if len(raw) != 32:
            raise ValueError("a private key is 32 bytes")
        public = PublicKey.from_secret(raw).format(compressed=False)[1:]  # ValueError off-curve
        signer = cls.__new__(cls)
        signer.__account = None
        signer.__key = raw
        signer.__curve_key = None
        signer.__address = checksum_lower("0x" + keccak(public)[-20:].hex())
        return signer

    @property
    def address(self) -> str:
        """Checksummed address."""
        return self.__address

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        """Sign a transaction dict with the wrapped key.

        The EIP-1559 dicts the SDK builds (integers, ``0x`` hex ``to``/``data``, no access list)
        are encoded and signed directly with coincurve (the same RFC 6979 signature eth-account
        makes, at a fraction of its validation cost); anything else goes to eth-account, loaded
        on first use.
        """
        fields = _eip1559_fields(transaction_dict)
        if fields is None:
            account = self.__account
            if account is None:
                from eth_account import Account

                account = self.__account = Account.from_key(self.__key)
            return account.sign_transaction(transaction_dict)  # type: ignore[arg-type]
        import rlp
        from eth_utils.crypto import keccak
        from hexbytes import HexBytes

        if self.__curve_key is None:
            from coincurve import PrivateKey

            self.__curve_key = PrivateKey(self.__key)
        digest = keccak(b"\x02" + rlp.encode(fields))
        sig = self.__curve_key.sign_recoverable(digest, hasher=None)
        r, s, v = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]
        raw = b"\x02" + rlp.encode([*fields, v, r, s])
        return SignedTransaction(HexBytes(raw), HexBytes(keccak(raw)), r, s, v)

    def __repr__(self) -> str:
        return f"KeySigner({self.address})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeySigner) and other.address == self.address

    def __hash__(self) -> int:
        return hash(self.address)

    def __reduce__(self) -> Any:
        raise TypeError("KeySigner cannot be pickled (it holds a private key)")


#: The integer fields of a plain EIP-1559 dict in RLP order, with their defaults (``None``: required).
_EIP1559_INTS = {
    "chainId": 0,
    "nonce": 0,
    "maxPriorityFeePerGas": 0,
    "maxFeePerGas": None,
    "gas": None,
}
_EIP1559_KEYS = frozenset((*_EIP1559_INTS, "type", "to", "value", "data"))


def _uint(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _hex_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value.startswith("0x"):
        return None
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        return None


def _eip1559_fields(tx: dict[str, Any]) -> list[Any] | None:
    """The unsigned RLP fields of a plain EIP-1559 dict, or ``None`` for any other shape."""
    if tx.get("type") not in (2, "0x2") or not set(tx) <= _EIP1559_KEYS:
        return None
    ints = [_uint(tx.get(k, default)) for k, default in _EIP1559_INTS.items()]
    to, data, value = (
        _hex_bytes(tx.get("to")),
        _hex_bytes(tx.get("data", "0x")),
        _uint(tx.get("value", 0)),
    )
    if any(i is None for i in ints) or to is None or len(to) != 20 or data is None or value is None:
        return None
    return [*ints, to, value, data, []]


def _from_key(text: str) -> KeySigner:
    value = text.strip()
    if not _HEX_KEY.match(value):
        raise InvalidSignerError(
            "expected a 32-byte hex private key (64 hex digits, optional 0x), an eth-account "
            "LocalAccount or an object with address and sign_transaction"
        )
    try:
        return KeySigner.from_key(value if value.startswith("0x") else "0x" + value)
    except Exception:  # a key outside the curve order
        raise InvalidSignerError("the private key is not a valid secp256k1 key") from None


def resolve_signer(
    signer: SignerInput | None,
    role: Role | None = None,
    *,
    network: Network | None = None,
) -> SignerLike:
    """Turn what the caller passed into a signer.

    * hex key → :class:`KeySigner`; ``LocalAccount`` → :class:`KeySigner`;
    * any object with ``address`` and ``sign_transaction`` is used as is;
    * ``None`` with a role → env ``<ROLE>_PRIVATE_KEY``, then (devnet only) the manifest's dev key;
    * ``None`` without a role → :class:`MissingSignerError`.

    >>> resolve_signer(None, None)
    Traceback (most recent call last):
    ...
    ogpu.types.errors.MissingSignerError: this operation needs an explicit signer: pass signer=<private key or account>
    """
    if signer is None:
        if role is None:
            raise MissingSignerError(None)
        role = Role(role)
        env = os.environ.get(role.env_var, "").strip()
        if env:
            return _from_key(env)
        if network is not None and network.dev_keys:
            key = network.dev_keys.get(role.value)
            if key:
                return _from_key(key)
        raise MissingSignerError(role)
    if isinstance(signer, str):
        return _from_key(signer)
    if isinstance(signer, KeySigner):
        return signer
    local = sys.modules.get("eth_account.signers.local")  # a LocalAccount implies it is imported
    if local is not None and isinstance(signer, local.LocalAccount):
        return KeySigner(signer)
    if isinstance(signer, bytes | bytearray):
        return _from_key(bytes(signer).hex())
    address = getattr(type(signer), "address", None) or getattr(signer, "address", None)
    if address is None or not callable(getattr(signer, "sign_transaction", None)):
        raise InvalidSignerError(
            f"{type(signer).__name__} has no address/sign_transaction; pass a hex key, a "
            "LocalAccount or a signer object"
        )
    return signer
