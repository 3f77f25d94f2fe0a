"""Scheduler-role wrappers (role fallback AGENT): act for a provider as an agent of its master.

Each takes ``private_key`` (or ``signer=``); when omitted, ``AGENT_PRIVATE_KEY`` (devnet: the agent
dev key). Arguments are validated by the protocol layer (one :class:`~ogpu.types.InvalidArgumentError`
before anything is sent) and reverts are raised typed from simulation, before sending. Keywords:
``session``, ``timeout``, ``gas``, and the official SDK's ``receipt_timeout`` (:class:`AgentOptions`);
any other keyword is a ``TypeError``.

Example (``source``, ``provider`` and ``task`` are addresses; the provider's master has the agent)::

    from ogpu.agent import attempt, register_to

    register_to(source, provider, 1)
    attempt(task, provider, suggested_payment=10**16)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypedDict

from ogpu.protocol import nexus
from ogpu.protocol._base import resolve_session
from ogpu.types import Receipt, Role

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.chain.signers import SignerInput

__all__ = ["AgentOptions", "attempt", "register_to", "unregister_from"]


class AgentOptions(TypedDict, total=False):
    """The keywords of every agent write: ``signer`` (instead of ``private_key``), ``session``,
    ``timeout`` (receipt wait, default 120 s; ``receipt_timeout`` is the official SDK's name) and
    ``gas``."""

    signer: SignerInput | None
    session: Session | None
    timeout: float
    gas: int | None
    receipt_timeout: float | None


def _as_agent(
    write: Callable[..., Receipt],
    args: tuple[Any, ...],
    private_key: SignerInput | None,
    options: AgentOptions,
) -> Receipt:
    """``write(*args)`` signed by the agent key (``AGENT_PRIVATE_KEY`` when none is given)."""
    if unknown := options.keys() - AgentOptions.__annotations__.keys():
        raise TypeError(f"{write.__name__}() got an unexpected keyword argument {min(unknown)!r}")
    signer = options.get("signer")
    if signer is not None and private_key is not None and signer is not private_key:
        raise TypeError(f"{write.__name__}() got both private_key and signer; pass only one")
    s = resolve_session(options.get("session"))
    key = s.resolve_signer(private_key if private_key is not None else signer, Role.AGENT)
    timeout = options.get("receipt_timeout") or options.get("timeout", 120.0)
    return write(*args, signer=key, session=s, gas=options.get("gas"), timeout=timeout)


def register_to(
    source: str,
    provider: str,
    env: int,
    private_key: SignerInput | None = None,
    **options: Unpack[AgentOptions],
) -> Receipt:
    """``Nexus.register(source, provider, env)`` signed by the agent.

    ``env`` is one environment flag (1 CPU, 2 NVIDIA, 4 AMD) present in the source's mask.
    """
    return _as_agent(nexus.register, (source, provider, env), private_key, options)


def unregister_from(
    source: str,
    provider: str,
    private_key: SignerInput | None = None,
    **options: Unpack[AgentOptions],
) -> Receipt:
    """``Nexus.unregister(source, provider)`` signed by the agent."""
    return _as_agent(nexus.unregister, (source, provider), private_key, options)


def attempt(
    task: str,
    provider: str,
    suggested_payment: int,
    private_key: SignerInput | None = None,
    **options: Unpack[AgentOptions],
) -> Receipt:
    """``Nexus.attempt(task, provider, suggested_payment)`` attributed to ``provider``, signed by
    the agent. On an overdue task the call settles the expiry instead of recording an attempt."""
    return _as_agent(nexus.attempt, (task, provider, suggested_payment), private_key, options)
