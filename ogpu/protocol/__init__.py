"""The 1:1 contract layer: module functions per singleton contract and instance classes.

Modules: :mod:`~ogpu.protocol.nexus`, :mod:`~ogpu.protocol.controller`,
:mod:`~ogpu.protocol.terminal`, :mod:`~ogpu.protocol.vault`, :mod:`~ogpu.protocol.manager`.
Classes: :class:`Source`, :class:`Task`, :class:`Response`, :class:`Provider`, :class:`Master`.
Everything routes through :class:`ogpu.chain.Session` (``session=None`` → the process default).
Writes return a :class:`~ogpu.types.Receipt` (``wait=False`` → ``PendingTx``, ``dry_run=True`` →
``DryRunResult``; the other keywords are :class:`TxOptions`); when ``signer`` is ``None`` the key of
the role each write names is used (``<ROLE>_PRIVATE_KEY``).

Example::

    from ogpu.protocol import Task, vault
    Task("0xa16E02E87b7454126E5E10d957A927A7F5B5d2be").snapshot()
    vault.get_balance_of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ogpu.chain.signers import resolve_signer
from ogpu.protocol import controller, manager, nexus, terminal, vault
from ogpu.protocol._base import CHUNK_SIZE, ZERO_ADDRESS, Signer, TxOptions, resolve_session
from ogpu.protocol.master import Master
from ogpu.protocol.provider import Provider
from ogpu.protocol.response import Response
from ogpu.protocol.source import Source
from ogpu.protocol.task import Task

if TYPE_CHECKING:
    from web3.contract import Contract

    from ogpu.chain import Session


def load_contract(
    abi_name: str, address: str | None = None, *, session: Session | None = None
) -> Contract:
    """A web3 contract for ``abi_name`` (``"Nexus"``, ``"TaskAbi"``…) on the session's network.

    Official-SDK compatibility helper; singletons resolve their own address, instance contracts
    (Source, Task, Response) need ``address``.
    """
    from ogpu.chain._abi import load_abi

    s = resolve_session(session)
    bound = s.contract(abi_name, address)
    return s.w3.eth.contract(address=bound.address, abi=load_abi(bound.name))  # type: ignore[call-overload,no-any-return]


__all__ = [
    "CHUNK_SIZE",
    "ZERO_ADDRESS",
    "Master",
    "Provider",
    "Response",
    "Signer",
    "Source",
    "Task",
    "TxOptions",
    "controller",
    "load_contract",
    "manager",
    "nexus",
    "resolve_signer",
    "terminal",
    "vault",
]
