"""Controller: the client-side task lifecycle and escrow orchestration (protocol §4.3).

Writes return a :class:`~ogpu.types.Receipt` (``wait=False`` → ``PendingTx``, ``dry_run=True`` →
``DryRunResult``; extra keyword arguments go to :meth:`ogpu.chain.Session.transact`).

>>> from ogpu.protocol import controller
>>> receipt = controller.publish_task(params, signer=client_key)  # doctest: +SKIP
>>> task = controller.extract_task_address(receipt)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ogpu.protocol._base import (
    Signer,
    call,
    checksum,
    decode_events,
    resolve_session,
    send,
    struct,
)
from ogpu.types import Role, TaskParams

if TYPE_CHECKING:
    from ogpu.chain import Session
    from ogpu.types import Receipt

__all__ = [
    "cancel_task",
    "confirm_response",
    "extract_task_address",
    "get_nexus",
    "get_owner",
    "get_task_implementation",
    "get_terminal",
    "get_vault",
    "publish_task",
    "renounce_ownership",
    "set_nexus",
    "set_terminal",
    "set_vault",
    "transfer_ownership",
]

_C = "Controller"


def publish_task(
    params: TaskParams,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **kwargs: Any,
) -> Receipt:
    """``Controller.publishTask(params)`` (role fallback CLIENT): escrows ``params.payment`` from the
    client's Vault balance. See :func:`extract_task_address`."""
    result: Receipt = send(
        session, _C, "publishTask", struct(params), signer=signer, role=Role.CLIENT, **kwargs
    )
    return result


def extract_task_address(receipt: Receipt, *, session: Session | None = None) -> str:
    """Address of the task created by a ``publishTask`` receipt (Nexus ``TaskPublished`` log)."""
    events = decode_events(resolve_session(session), "Nexus", "TaskPublished", receipt)
    if not events:
        raise ValueError(f"no TaskPublished event in transaction {receipt.tx_hash}")
    return checksum(events[0]["task"])


def confirm_response(
    response_address: str,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **kwargs: Any,
) -> Receipt:
    """``Controller.confirmResponse(response)`` (role fallback CLIENT): finalizes a MANUAL task and pays."""
    result: Receipt = send(
        session,
        _C,
        "confirmResponse",
        checksum(response_address),
        signer=signer,
        role=Role.CLIENT,
        **kwargs,
    )
    return result


def cancel_task(
    task_address: str,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **kwargs: Any,
) -> Receipt:
    """``Controller.cancelTask(task)`` (role fallback CLIENT): NEW → CANCELED, or expires an overdue task."""
    result: Receipt = send(
        session, _C, "cancelTask", checksum(task_address), signer=signer, role=Role.CLIENT, **kwargs
    )
    return result


def set_nexus(
    address: str, *, signer: Signer, session: Session | None = None, **kwargs: Any
) -> Receipt:
    """``Controller.setNexus`` (owner only)."""
    result: Receipt = send(
        session, _C, "setNexus", checksum(address), signer=signer, role=None, **kwargs
    )
    return result


def set_terminal(
    address: str, *, signer: Signer, session: Session | None = None, **kwargs: Any
) -> Receipt:
    """``Controller.setTerminal`` (owner only)."""
    result: Receipt = send(
        session, _C, "setTerminal", checksum(address), signer=signer, role=None, **kwargs
    )
    return result


def set_vault(
    address: str, *, signer: Signer, session: Session | None = None, **kwargs: Any
) -> Receipt:
    """``Controller.setVault`` (owner only)."""
    result: Receipt = send(
        session, _C, "setVault", checksum(address), signer=signer, role=None, **kwargs
    )
    return result


def transfer_ownership(
    new_owner: str, *, signer: Signer, session: Session | None = None, **kwargs: Any
) -> Receipt:
    """``Controller.transferOwnership`` (owner only)."""
    result: Receipt = send(
        session, _C, "transferOwnership", checksum(new_owner), signer=signer, role=None, **kwargs
    )
    return result


def renounce_ownership(*, signer: Signer, session: Session | None = None, **kwargs: Any) -> Receipt:
    """``Controller.renounceOwnership`` (owner only; irreversible)."""
    result: Receipt = send(session, _C, "renounceOwnership", signer=signer, role=None, **kwargs)
    return result


def get_nexus(*, session: Session | None = None) -> str:
    """The Nexus the Controller uses."""
    return checksum(call(session, _C, "nexus"))


def get_terminal(*, session: Session | None = None) -> str:
    """The Terminal the Controller uses."""
    return checksum(call(session, _C, "terminal"))


def get_vault(*, session: Session | None = None) -> str:
    """The Vault the Controller uses."""
    return checksum(call(session, _C, "vault"))


def get_owner(*, session: Session | None = None) -> str:
    """The owner (admin) of the Controller."""
    return checksum(call(session, _C, "owner"))


def get_task_implementation(*, session: Session | None = None) -> str:
    """Implementation every Task is cloned from (devnet extension)."""
    return checksum(call(session, _C, "taskImplementation"))
