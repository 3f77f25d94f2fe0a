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
from typing import TYPE_CHECKING, Any, Protocol, Union, runtime_checkable

from ogpu.types.enums import Role
from ogpu.types.errors import InvalidSignerError, MissingSignerError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from ogpu.chain.networks import Network

__all__ = ["KeySigner", "SignerInput", "SignerLike", "resolve_signer"]

_HEX_KEY = re.compile(r"^(0x)?[0-9a-fA-F]{64}$")


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

    __slots__ = ("__account", "__address", "__key")

    def __init__(self, account: LocalAccount) -> None:
        self.__account: LocalAccount | None = account
        self.__key: bytes | None = None
        self.__address = str(account.address)

    @classmethod
    def from_key(cls, key: str | bytes) -> KeySigner:
        """Wrap a private key (32 bytes, or hex with optional ``0x``)."""
        from coincurve import PublicKey
        from eth_utils.address import to_checksum_address
        from eth_utils.crypto import keccak

        raw = bytes.fromhex(key.removeprefix("0x")) if isinstance(key, str) else bytes(key)
        if len(raw) != 32:
            raise ValueError("a private key is 32 bytes")
        public = PublicKey.from_secret(raw).format(compressed=False)[1:]  # ValueError off-curve
        signer = cls.__new__(cls)
        signer.__account = None
        signer.__key = raw
        signer.__address = str(to_checksum_address(keccak(public)[-20:]))
        return signer

    @property
    def address(self) -> str:
        """Checksummed address."""
        return self.__address

    def sign_transaction(self, transaction_dict: dict[str, Any]) -> Any:
        """Sign a transaction dict with the wrapped key."""
        account = self.__account
        if account is None:
            from eth_account import Account

            account = self.__account = Account.from_key(self.__key)
            self.__key = None
        return account.sign_transaction(transaction_dict)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"KeySigner({self.address})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, KeySigner) and other.address == self.address

    def __hash__(self) -> int:
        return hash(self.address)

    def __reduce__(self) -> Any:
        raise TypeError("KeySigner cannot be pickled (it holds a private key)")


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
