"""Manager: the protocol's role registry (OpenZeppelin ``AccessControl``; docs/protocol.md,
"Contracts and roles").

Roles may be given as bytes32 ids or by name (``"CONTROLLER"``, ``"PROVIDER"``, ``"JUDGE"``,
``"DEFAULT_ADMIN_ROLE"``): ids are ``keccak256(name)`` and the default admin role is zero.
Role changes need the role's admin, so writes have no environment fallback.

Example::

    from ogpu.protocol import manager
    manager.has_role("PROVIDER", provider_address)
    # True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from eth_utils.crypto import keccak

from ogpu.protocol._base import BlockId, Signer, call, check_args, send
from ogpu.protocol._wrappers import Wrappers

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.types import Receipt

__all__ = [
    "get_controller_role",
    "get_default_admin_role",
    "get_judge_role",
    "get_provider_role",
    "get_role_admin",
    "grant_role",
    "has_role",
    "renounce_role",
    "revoke_role",
    "role_id",
    "supports_interface",
]

_M = "Manager"

# Wrappers every singleton shares, built by protocol._wrappers: wiring, owner, roles, views.
_wrap = Wrappers(_M, __name__)
get_controller_role = _wrap.role("CONTROLLER")
get_provider_role = _wrap.role("PROVIDER")
get_judge_role = _wrap.role("JUDGE")
get_default_admin_role = _wrap.role("DEFAULT_ADMIN_ROLE")

RoleLike = bytes | str


def role_id(role: RoleLike) -> bytes:
    """The bytes32 id of ``role``: a role name is hashed, 32 bytes or their ``0x`` hex pass
    through (:class:`~ogpu.types.InvalidArgumentError` for other bytes).

    >>> role_id("DEFAULT_ADMIN_ROLE") == bytes(32)
    True
    >>> role_id("PROVIDER").hex()[:8]
    '4a3debff'
    """
    if not isinstance(role, str):
        return check_args(_M, "getRoleAdmin", (role,))[0]  # type: ignore[no-any-return]
    if role.startswith("0x") and len(role) == 66:
        return bytes.fromhex(role[2:])
    if role == "DEFAULT_ADMIN_ROLE":
        return bytes(32)
    return keccak(text=role)


def has_role(
    role: RoleLike, account: str, *, session: Session | None = None, block: BlockId = "latest"
) -> bool:
    """Whether ``account`` holds ``role`` (``hasRole``)."""
    return bool(call(session, _M, "hasRole", role_id(role), account, block=block))


def get_role_admin(
    role: RoleLike, *, session: Session | None = None, block: BlockId = "latest"
) -> bytes:
    """The role id that administers ``role`` (``getRoleAdmin``)."""
    return bytes(call(session, _M, "getRoleAdmin", role_id(role), block=block))


def supports_interface(interface_id: bytes | str, *, session: Session | None = None) -> bool:
    """ERC-165 ``supportsInterface`` (4-byte id as bytes or ``0x…`` hex)."""
    return bool(call(session, _M, "supportsInterface", interface_id))


def grant_role(
    role: RoleLike,
    account: str,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Manager.grantRole(role, account)`` (admin of ``role``)."""
    return send(session, _M, "grantRole", role_id(role), account, signer=signer, role=None, **tx)


def revoke_role(
    role: RoleLike,
    account: str,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Manager.revokeRole(role, account)`` (admin of ``role``)."""
    return send(session, _M, "revokeRole", role_id(role), account, signer=signer, role=None, **tx)


def renounce_role(
    role: RoleLike,
    caller_confirmation: str,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Manager.renounceRole(role, caller_confirmation)``: the signer gives up ``role``
    (``caller_confirmation`` must be the signer's own address)."""
    return send(
        session,
        _M,
        "renounceRole",
        role_id(role),
        caller_confirmation,
        signer=signer,
        role=None,
        **tx,
    )
