"""Nexus: the source registry, provider-side coordinator and event hub (docs/protocol.md,
"Contracts and roles").

Example::

    from ogpu.protocol import nexus
    receipt = nexus.register(source, provider, 1, signer=master_key)
    nexus.get_source_count()
    # 3
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ogpu.protocol._base import (
    BlockId,
    Signer,
    View,
    batch,
    batch_pinned,
    call,
    checksum,
    decode_events,
    drop_zero,
    paginate_pinned,
    resolve_session,
    send,
    uint,
    view,
)
from ogpu.protocol._wrappers import Wrappers
from ogpu.types import (
    Environment,
    InvalidArgumentError,
    ResponseParams,
    ResponseStatus,
    Role,
    SourceParams,
    SourceStatus,
    TaskStatus,
)

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.types import Receipt

__all__ = [
    "attempt",
    "emit_task_published",
    "extract_response_address",
    "extract_source_address",
    "get_active_source_count",
    "get_client_at",
    "get_client_count",
    "get_clients",
    "get_controller_role",
    "get_manager",
    "get_owner",
    "get_provider_role",
    "get_required_stake_of",
    "get_response_implementation",
    "get_source_at",
    "get_source_count",
    "get_source_id",
    "get_source_implementation",
    "get_source_of",
    "get_sources",
    "get_sources_of",
    "get_sources_of_count",
    "get_suggested_payment_of",
    "get_terminal",
    "get_vault",
    "inactivate_source",
    "is_controller",
    "is_response",
    "is_task",
    "publish_source",
    "register",
    "renounce_ownership",
    "set_manager",
    "set_response_status",
    "set_source_status",
    "set_task_status",
    "set_terminal",
    "set_vault",
    "submit_response",
    "transfer_ownership",
    "unregister",
    "update_source",
]

_N = "Nexus"

# Wrappers every singleton shares, built by protocol._wrappers: wiring, owner, roles, views.
_wrap = Wrappers(_N, __name__)
set_manager = _wrap.setter("setManager")
set_terminal = _wrap.setter("setTerminal")
set_vault = _wrap.setter("setVault")
transfer_ownership, renounce_ownership = _wrap.ownership()
get_controller_role = _wrap.role("CONTROLLER")
get_provider_role = _wrap.role("PROVIDER")
get_manager = _wrap.address("manager", "The Manager (role registry) Nexus uses.")
get_terminal = _wrap.address("terminal")
get_vault = _wrap.address("vault")
get_owner = _wrap.address("owner", "The owner (admin) of Nexus.")
is_task = _wrap.account(
    "isTask",
    bool,
    "Whether ``address`` is a task of this deployment (``isTask``, devnet extension).",
)
is_response = _wrap.account(
    "isResponse",
    bool,
    "Whether ``address`` is a response of this deployment (``isResponse``, devnet extension).",
)
get_source_implementation = _wrap.address(
    "sourceImplementation", "Implementation every Source is cloned from (devnet extension)."
)
get_response_implementation = _wrap.address(
    "responseImplementation", "Implementation every Response is cloned from (devnet extension)."
)

#: The single environment flags a provider may register with.
_FLAGS = frozenset(int(e) for e in Environment)


# ----------------------------------------------------------------------------------------------
# Client side


def publish_source(
    params: SourceParams,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.publishSource(params)`` (role fallback CLIENT). See :func:`extract_source_address`."""
    return send(session, _N, "publishSource", params, signer=signer, role=Role.CLIENT, **tx)


def extract_source_address(receipt: Receipt, *, session: Session | None = None) -> str:
    """Address of the source created by a ``publishSource`` receipt (``ValueError`` if absent)."""
    events = decode_events(resolve_session(session), _N, "SourcePublished", receipt)
    if not events:
        raise ValueError(f"no SourcePublished event in transaction {receipt.tx_hash}")
    return checksum(events[0]["source"])


def update_source(
    source_address: str,
    params: SourceParams,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.updateSource(source, params)`` (role fallback CLIENT); emits ``SourceUpdated``."""
    return send(
        session, _N, "updateSource", source_address, params, signer=signer, role=Role.CLIENT, **tx
    )


def inactivate_source(
    source_address: str,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.inactivateSource(source)`` (role fallback CLIENT); one-way for clients."""
    return send(
        session, _N, "inactivateSource", source_address, signer=signer, role=Role.CLIENT, **tx
    )


# ----------------------------------------------------------------------------------------------
# Provider side


def environment_flag(env: object) -> int:
    """``env`` if it is one environment flag, 1 (CPU), 2 (NVIDIA) or 4 (AMD); else
    :class:`~ogpu.types.errors.InvalidArgumentError`.

    >>> environment_flag(2)
    2
    """
    flag = uint(env, "env", 8)
    if flag not in _FLAGS:
        raise InvalidArgumentError(
            "env", f"must be one environment flag: 1 (CPU), 2 (NVIDIA) or 4 (AMD), got {env}"
        )
    return flag


def register(
    source: str,
    provider: str,
    env: int,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.register(source, provider, env)`` by the provider, its master or an agent
    (role fallback PROVIDER). ``env`` is one environment flag present in the source's mask;
    anything but 1 (CPU), 2 (NVIDIA) or 4 (AMD) is refused before sending."""
    env = environment_flag(env)
    return send(
        session, _N, "register", source, provider, env, signer=signer, role=Role.PROVIDER, **tx
    )


def unregister(
    source: str,
    provider: str,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.unregister(source, provider)`` (role fallback PROVIDER)."""
    return send(
        session, _N, "unregister", source, provider, signer=signer, role=Role.PROVIDER, **tx
    )


def attempt(
    task: str,
    provider: str,
    suggested_payment: int,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.attempt(task, provider, suggested_payment)`` (role fallback PROVIDER).

    On an overdue task this settles the expiry instead of recording an attempt (docs/protocol.md, "The
    task state machine").
    """
    return send(
        session,
        _N,
        "attempt",
        task,
        provider,
        suggested_payment,
        signer=signer,
        role=Role.PROVIDER,
        **tx,
    )


def submit_response(
    params: ResponseParams,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.submitResponse(params)`` (role fallback PROVIDER). See :func:`extract_response_address`.

    Not wrapped by the official SDK (it lives in its provider runtime); exposed here 1:1.
    """
    return send(session, _N, "submitResponse", params, signer=signer, role=Role.PROVIDER, **tx)


def extract_response_address(receipt: Receipt, *, session: Session | None = None) -> str:
    """Address of the response created by a ``submitResponse`` receipt (``ValueError`` if absent)."""
    events = decode_events(resolve_session(session), _N, "ResponseSubmitted", receipt)
    if not events:
        raise ValueError(f"no ResponseSubmitted event in transaction {receipt.tx_hash}")
    return checksum(events[0]["response"])


# ----------------------------------------------------------------------------------------------
# Controller hooks and admin (no environment fallback: the signer must be given)


def set_source_status(
    source: str,
    status: SourceStatus,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.setSourceStatus`` — admin route (CONTROLLER role or owner); the only way to reactivate."""
    return send(session, _N, "setSourceStatus", source, status, signer=signer, role=None, **tx)


def set_task_status(
    task: str,
    status: TaskStatus,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.setTaskStatus`` — CONTROLLER-role escape hatch (no transition checks)."""
    return send(session, _N, "setTaskStatus", task, status, signer=signer, role=None, **tx)


def set_response_status(
    response: str,
    status: ResponseStatus,
    *,
    signer: Signer,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Nexus.setResponseStatus`` — CONTROLLER role."""
    return send(session, _N, "setResponseStatus", response, status, signer=signer, role=None, **tx)


def emit_task_published(
    task: str, source: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Nexus.emitTaskPublished`` — CONTROLLER role (called by the Controller inside ``publishTask``)."""
    return send(session, _N, "emitTaskPublished", task, source, signer=signer, role=None, **tx)


# ----------------------------------------------------------------------------------------------
# Views


def get_source_count(*, session: Session | None = None, block: BlockId = "latest") -> int:
    """Number of sources ever published (``getSourceCount``)."""
    return int(call(session, _N, "getSourceCount", block=block))


def get_sources(
    lower: int = 0,
    upper: int | None = None,
    *,
    session: Session | None = None,
    block: BlockId = "latest",
) -> list[str]:
    """Source addresses ``[lower, upper)`` (``upper=None``: all), in two round trips at most."""
    s = resolve_session(session)
    raw, _ = paginate_pinned(
        s,
        lambda: view(s, _N, "getSourceCount"),
        lambda lo, hi: view(s, _N, "getSources", lo, hi),
        lower,
        upper,
        block=block,
    )
    return drop_zero(raw)


def get_source_id(source: str, *, session: Session | None = None, block: BlockId = "latest") -> int:
    """1-based id of ``source`` in the registry; 0 = not a source of this deployment (``getSourceId``)."""
    return int(call(session, _N, "getSourceId", source, block=block))


def get_active_source_count(
    client: str, *, session: Session | None = None, block: BlockId = "latest"
) -> int:
    """Number of ACTIVE sources published by ``client`` (``getActiveSourceCount``)."""
    return int(call(session, _N, "getActiveSourceCount", client, block=block))


def get_required_stake_of(
    provider: str, *, session: Session | None = None, block: BlockId = "latest"
) -> int:
    """Stake ``provider``'s registrations keep back from unbonding (``requiredStakeOf``)."""
    return int(call(session, _N, "requiredStakeOf", provider, block=block))


def get_source_at(index: int, *, session: Session | None = None, block: BlockId = "latest") -> str:
    """``sources(index)``: the source at 0-based ``index`` of the registry."""
    return checksum(call(session, _N, "sources", index, block=block))


def get_client_at(index: int, *, session: Session | None = None, block: BlockId = "latest") -> str:
    """``clients(index)``: the ``index``-th distinct client that published a source."""
    return checksum(call(session, _N, "clients", index, block=block))


def get_source_of(
    client: str, index: int, *, session: Session | None = None, block: BlockId = "latest"
) -> str:
    """``sourcesOf(client, index)``: the ``index``-th source published by ``client``."""
    return checksum(call(session, _N, "sourcesOf", client, index, block=block))


def is_controller(
    account: str, *, session: Session | None = None, block: BlockId = "latest"
) -> bool:
    """Whether ``account`` holds the CONTROLLER role (``checkController``)."""
    return bool(call(session, _N, "checkController", account, block=block))


# ----------------------------------------------------------------------------------------------
# Devnet extension views (not on the official deployments; docs/protocol.md, "ABI compatibility")


def get_suggested_payment_of(
    task: str, provider: str, *, session: Session | None = None, block: BlockId = "latest"
) -> int:
    """The bid ``provider`` made when attempting ``task`` (``suggestedPaymentOf``, devnet extension)."""
    return int(call(session, _N, "suggestedPaymentOf", task, provider, block=block))


def get_client_count(*, session: Session | None = None, block: BlockId = "latest") -> int:
    """Number of distinct clients that published a source (``getClientCount``, devnet extension)."""
    return int(call(session, _N, "getClientCount", block=block))


def get_sources_of_count(
    client: str, *, session: Session | None = None, block: BlockId = "latest"
) -> int:
    """Number of sources ``client`` published (``getSourcesOfCount``, devnet extension)."""
    return int(call(session, _N, "getSourcesOfCount", client, block=block))


def _indexed(s: Session, count: View, item: Callable[[int], View], block: BlockId) -> list[str]:
    """A public array without a page getter: its length, then every element in one batch."""
    (total,), at = batch_pinned(s, [count], block)
    return drop_zero(
        batch(s, [item(i) for i in range(int(total))], at if at is not None else block)
    )


def get_clients(*, session: Session | None = None, block: BlockId = "latest") -> list[str]:
    """Every client that published a source, in two round trips (devnet ``getClientCount``)."""
    s = resolve_session(session)
    return _indexed(s, view(s, _N, "getClientCount"), lambda i: view(s, _N, "clients", i), block)


def get_sources_of(
    client: str, *, session: Session | None = None, block: BlockId = "latest"
) -> list[str]:
    """Every source ``client`` published, in two round trips (devnet ``getSourcesOfCount``)."""
    s = resolve_session(session)
    who = client
    return _indexed(
        s, view(s, _N, "getSourcesOfCount", who), lambda i: view(s, _N, "sourcesOf", who, i), block
    )
