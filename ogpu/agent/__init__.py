"""Scheduler-role wrappers (role fallback AGENT): act for a provider as an agent of its master.

Each takes ``private_key`` (or ``signer=``); when omitted, ``AGENT_PRIVATE_KEY`` (devnet: the agent
dev key). Arguments are validated by the protocol layer (one :class:`~ogpu.types.InvalidArgumentError`
before anything is sent) and reverts are raised typed from simulation, before sending. Keywords:
``session``, ``timeout``, ``gas``, and the official SDK's ``receipt_timeout``; any other keyword is a
``TypeError``.

Example (``source``, ``provider`` and ``task`` are addresses; the provider's master has the agent)::

    from ogpu.agent import attempt, register_to

    register_to(source, provider, 1)
    attempt(task, provider, suggested_payment=10**16)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ogpu.protocol import nexus
from ogpu.protocol._base import resolve_session
from ogpu.types import Receipt, Role

if TYPE_CHECKING:
    from ogpu.chain import Session
    from ogpu.chain.signers import SignerInput, SignerLike

__all__ = ["attempt", "register_to", "unregister_from"]


def _agent(
    func: str, private_key: SignerInput | None, signer: SignerInput | None, session: Session
) -> SignerLike:
    if signer is not None and private_key is not None and signer is not private_key:
        raise TypeError(f"{func}() got both private_key and signer; pass only one")
    return session.resolve_signer(private_key if private_key is not None else signer, Role.AGENT)


def register_to(
    source: str,
    provider: str,
    env: int,
    private_key: SignerInput | None = None,
    *,
    signer: SignerInput | None = None,
    session: Session | None = None,
    timeout: float = 120.0,
    gas: int | None = None,
    receipt_timeout: float | None = None,
) -> Receipt:
    """``Nexus.register(source, provider, env)`` signed by the agent.

    ``env`` is one environment flag (1 CPU, 2 NVIDIA, 4 AMD) present in the source's mask.
    """
    s = resolve_session(session)
    return nexus.register(
        source,
        provider,
        env,
        signer=_agent("register_to", private_key, signer, s),
        session=s,
        gas=gas,
        timeout=receipt_timeout or timeout,
    )


def unregister_from(
    source: str,
    provider: str,
    private_key: SignerInput | None = None,
    *,
    signer: SignerInput | None = None,
    session: Session | None = None,
    timeout: float = 120.0,
    gas: int | None = None,
    receipt_timeout: float | None = None,
) -> Receipt:
    """``Nexus.unregister(source, provider)`` signed by the agent."""
    s = resolve_session(session)
    return nexus.unregister(
        source,
        provider,
        signer=_agent("unregister_from", private_key, signer, s),
        session=s,
        gas=gas,
        timeout=receipt_timeout or timeout,
    )


def attempt(
    task: str,
    provider: str,
    suggested_payment: int,
    private_key: SignerInput | None = None,
    *,
    signer: SignerInput | None = None,
    session: Session | None = None,
    timeout: float = 120.0,
    gas: int | None = None,
    receipt_timeout: float | None = None,
) -> Receipt:
    """``Nexus.attempt(task, provider, suggested_payment)`` attributed to ``provider``, signed by
    the agent. On an overdue task the call settles the expiry instead of recording an attempt."""
    s = resolve_session(session)
    return nexus.attempt(
        task,
        provider,
        suggested_payment,
        signer=_agent("attempt", private_key, signer, s),
        session=s,
        gas=gas,
        timeout=receipt_timeout or timeout,
    )
