"""The thin wrappers the singletons share, written once.

Nexus, Controller, Terminal, Vault and Manager each read the contracts they point at, their
owner and role ids (``manager()``, ``owner()``, ``PROVIDER()`` ...), rewire them owner only
(``setVault(address)``, ``transferOwnership``, ``renounceOwnership``) and answer per-account
views (``balanceOf(address)``, ``isProvider(address)`` ...) the same way. :class:`Wrappers`
builds those wrappers for one contract; each module binds them under the official names
(``get_vault``, ``set_vault``, ``get_balance_of`` ...), typed for callers by the protocols below
(``AddressRead``: ``get_vault(*, session=None) -> str``, ...).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ogpu.protocol._base import BlockId, Signer, call, checksum, send

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.types import Receipt

__all__ = [
    "AccountRead",
    "AddressRead",
    "AddressWrite",
    "OwnerRenounce",
    "OwnerTransfer",
    "RoleRead",
    "Wrappers",
]

_F = TypeVar("_F", bound=Callable[..., Any])
_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)


class AccountRead(Protocol[_T_co]):
    def __call__(
        self, address: str, *, session: Session | None = None, block: BlockId = "latest"
    ) -> _T_co: ...


class AddressRead(Protocol):
    def __call__(self, *, session: Session | None = None) -> str: ...


class RoleRead(Protocol):
    def __call__(self, *, session: Session | None = None) -> bytes: ...


class AddressWrite(Protocol):
    def __call__(
        self, address: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
    ) -> Receipt: ...


class OwnerTransfer(Protocol):
    def __call__(
        self, new_owner: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
    ) -> Receipt: ...


class OwnerRenounce(Protocol):
    def __call__(
        self, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
    ) -> Receipt: ...


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Wrappers:
    """Builders of ``contract``'s thin wrappers, named as functions of ``module``."""

    def __init__(self, contract: str, module: str) -> None:
        self.contract = contract
        self.module = module

    def _public(self, fn: _F, name: str, doc: str) -> _F:
        fn.__name__ = fn.__qualname__ = name
        fn.__module__ = self.module
        fn.__doc__ = doc
        return fn

    def address(self, function: str, doc: str = "") -> AddressRead:
        """``get_<function>``: the address ``function()`` returns (``taskImplementation`` →
        ``get_task_implementation``)."""
        contract = self.contract

        def read(*, session: Session | None = None) -> str:
            return checksum(call(session, contract, function))

        text = doc or f"The ``{function}()`` address of the {contract}."
        return self._public(read, f"get_{_snake(function)}", text)

    def account(
        self, function: str, convert: Callable[[Any], _T], doc: str, name: str = ""
    ) -> AccountRead[_T]:
        """The view ``function(address)`` converted by ``convert``, named ``name`` or after the
        view (``balanceOf`` → ``get_balance_of``, ``isProvider`` → ``is_provider``)."""
        contract = self.contract

        def read(address: str, *, session: Session | None = None, block: BlockId = "latest") -> _T:
            return convert(call(session, contract, function, address, block=block))

        snake = _snake(function)
        name = name or (snake if snake.startswith("is_") else f"get_{snake}")
        return self._public(read, name, doc)

    def role(self, function: str) -> RoleRead:
        """``get_<function>_role``: the bytes32 id ``function()`` returns (``PROVIDER``)."""
        contract = self.contract

        def read(*, session: Session | None = None) -> bytes:
            return bytes(call(session, contract, function))

        name = function.lower().removesuffix("_role")
        return self._public(read, f"get_{name}_role", f"The ``{function}`` role id (bytes32).")

    def setter(self, function: str, who: str = "owner only") -> AddressWrite:
        """``set_<contract>``: the owner-only ``function(address)`` (``setVault`` → ``set_vault``)."""
        contract = self.contract

        def write(
            address: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
        ) -> Receipt:
            return send(session, contract, function, address, signer=signer, role=None, **tx)

        return self._public(write, _snake(function), f"``{contract}.{function}`` ({who}).")

    def ownership(self) -> tuple[OwnerTransfer, OwnerRenounce]:
        """``transfer_ownership`` and ``renounce_ownership`` (owner only)."""
        contract = self.contract

        def transfer(
            new_owner: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
        ) -> Receipt:
            return send(
                session, contract, "transferOwnership", new_owner, signer=signer, role=None, **tx
            )

        def renounce(
            *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
        ) -> Receipt:
            return send(session, contract, "renounceOwnership", signer=signer, role=None, **tx)

        return (
            self._public(
                transfer, "transfer_ownership", f"``{contract}.transferOwnership`` (owner only)."
            ),
            self._public(
                renounce,
                "renounce_ownership",
                f"``{contract}.renounceOwnership`` (owner only; irreversible).",
            ),
        )
