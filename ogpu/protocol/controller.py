"""Controller: the client-side task lifecycle and escrow orchestration (docs/protocol.md,
"Contracts and roles").

Example::

    from ogpu.protocol import controller
    receipt = controller.publish_task(params, signer=client_key)
    task = controller.extract_task_address(receipt)
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from ogpu.protocol._base import Signer, checksum, decode_events, resolve_session, send
from ogpu.protocol._wrappers import Wrappers
from ogpu.types import PublishTimeoutError, Role, TaskParams

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.protocol._base import TxOptions as Tx
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

# Wrappers every singleton shares, built by protocol._wrappers: wiring, owner, roles, views.
_wrap = Wrappers(_C, __name__)
set_nexus = _wrap.setter("setNexus")
set_terminal = _wrap.setter("setTerminal")
set_vault = _wrap.setter("setVault")
transfer_ownership, renounce_ownership = _wrap.ownership()
get_nexus = _wrap.address("nexus")
get_terminal = _wrap.address("terminal")
get_vault = _wrap.address("vault")
get_owner = _wrap.address("owner", "The owner (admin) of the Controller.")
get_task_implementation = _wrap.address(
    "taskImplementation", "Implementation every Task is cloned from (devnet extension)."
)


def publish_task(
    params: TaskParams,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    receipt_timeout: float | None = None,
    deadline: float | None = None,
    budget: float | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Controller.publishTask(params)`` (role fallback CLIENT): escrows ``params.payment`` from the
    client's Vault balance. See :func:`extract_task_address`.

    The official SDK's keywords still work: ``receipt_timeout`` is ``timeout``; ``deadline`` (a
    ``time.monotonic()`` instant) shortens the receipt wait, and raises
    :class:`~ogpu.types.PublishTimeoutError` before sending once it has passed (``budget``, in
    seconds, is only reported in that error).
    """
    if receipt_timeout is not None:
        tx["timeout"] = receipt_timeout
    if deadline is not None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise PublishTimeoutError(float(budget or 0.0), "publishTask")
        tx["timeout"] = min(tx.get("timeout", 120.0), left)
    return send(session, _C, "publishTask", params, signer=signer, role=Role.CLIENT, **tx)


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
    **tx: Unpack[Tx],
) -> Receipt:
    """``Controller.confirmResponse(response)`` (role fallback CLIENT): finalizes a MANUAL task and pays."""
    return send(
        session, _C, "confirmResponse", response_address, signer=signer, role=Role.CLIENT, **tx
    )


def cancel_task(
    task_address: str,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Controller.cancelTask(task)`` (role fallback CLIENT): NEW → CANCELED, or expires an overdue task."""
    return send(session, _C, "cancelTask", task_address, signer=signer, role=Role.CLIENT, **tx)
