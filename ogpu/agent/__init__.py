"""Scheduler-role wrappers (role fallback AGENT): act for a provider as an agent of its master.

Each takes ``private_key`` (or ``signer=``); when omitted, ``AGENT_PRIVATE_KEY`` (devnet: the agent
dev key). Reverts are raised typed from simulation, before sending. Keywords: ``session``,
``timeout``, ``gas``; unknown keywords raise ``TypeError``.

>>> from ogpu.agent import register_to, attempt
>>> register_to(source, provider, 1)  # doctest: +SKIP
>>> attempt(task, provider, suggested_payment=10**16)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ogpu.client._options import parse_options
from ogpu.protocol import nexus
from ogpu.protocol._base import checksum
from ogpu.types import Environment, Receipt, Role

if TYPE_CHECKING:
    from ogpu.chain.signers import SignerInput

__all__ = ["attempt", "register_to", "unregister_from"]


def register_to(
    source: str, provider: str, env: int, private_key: SignerInput | None = None, **kwargs: Any
) -> Receipt:
    """``Nexus.register(source, provider, env)`` signed by the agent.

    ``env`` is one environment flag (1 CPU, 2 NVIDIA, 4 AMD) present in the source's mask.

    >>> register_to(source, provider, Environment.CPU)  # doctest: +SKIP
    """
    opts = parse_options("register_to", private_key, kwargs)
    if (
        isinstance(env, bool)
        or not isinstance(env, int)
        or int(env) not in (e.value for e in Environment)
    ):
        raise ValueError(f"env must be one of 1 (CPU), 2 (NVIDIA), 4 (AMD), got {env!r}")
    receipt: Receipt = nexus.register(
        checksum(source, what="source address"),
        checksum(provider, what="provider address"),
        int(env),
        signer=opts.session.resolve_signer(opts.signer, Role.AGENT),
        session=opts.session,
        gas=opts.gas,
        timeout=opts.timeout,
    )
    return receipt


def unregister_from(
    source: str, provider: str, private_key: SignerInput | None = None, **kwargs: Any
) -> Receipt:
    """``Nexus.unregister(source, provider)`` signed by the agent.

    >>> unregister_from(source, provider)  # doctest: +SKIP
    """
    opts = parse_options("unregister_from", private_key, kwargs)
    receipt: Receipt = nexus.unregister(
        checksum(source, what="source address"),
        checksum(provider, what="provider address"),
        signer=opts.session.resolve_signer(opts.signer, Role.AGENT),
        session=opts.session,
        gas=opts.gas,
        timeout=opts.timeout,
    )
    return receipt


def attempt(
    task: str,
    provider: str,
    suggested_payment: int,
    private_key: SignerInput | None = None,
    **kwargs: Any,
) -> Receipt:
    """``Nexus.attempt(task, provider, suggested_payment)`` attributed to ``provider``, signed by the agent.

    On an overdue task the call settles the expiry instead of recording an attempt.

    >>> attempt(task, provider, 10**16)  # doctest: +SKIP
    """
    opts = parse_options("attempt", private_key, kwargs)
    receipt: Receipt = nexus.attempt(
        checksum(task, what="task address"),
        checksum(provider, what="provider address"),
        suggested_payment,
        signer=opts.session.resolve_signer(opts.signer, Role.AGENT),
        session=opts.session,
        gas=opts.gas,
        timeout=opts.timeout,
    )
    return receipt
