"""Async twins of the Vault account operations and the agent operations.

The checks are the synchronous ones' (``checksum``, ``uint`` of :mod:`ogpu.protocol._base`, the
environment flag of :mod:`ogpu.agent`), the write goes through the shared executor steps via
:meth:`AsyncSession.transact`.

>>> import asyncio
>>> from ogpu.devnet.accounts import dev_account
>>> async def deposit_one() -> int:
...     async with AsyncSession("devnet") as s:
...         client = dev_account("client")
...         before = await get_balance_of(client.address, session=s)
...         await deposit(client.address, 10**18, signer=client.account, session=s)
...         return await get_balance_of(client.address, session=s) - before
>>> asyncio.run(deposit_one())
1000000000000000000
"""

from __future__ import annotations

from typing import Any

from ogpu.aio.client import _options
from ogpu.aio.session import AsyncSession, get_session
from ogpu.chain.calls import BlockId
from ogpu.protocol._base import checksum, prepare, uint
from ogpu.protocol.nexus import environment_flag
from ogpu.types import Receipt, Role

__all__ = [
    "attempt",
    "cancel_unbonding",
    "claim",
    "deposit",
    "get_balance_of",
    "get_lockup_of",
    "get_unbonding_of",
    "lock",
    "register_to",
    "unbond",
    "unregister_from",
    "withdraw",
]


async def _s(session: AsyncSession | None) -> AsyncSession:
    """``session`` or the current one, its chain id learnt."""
    s = session if session is not None else get_session()
    await s.resolve()
    return s


async def _vault(
    function: str, *args: Any, signer: Any, session: AsyncSession | None, value: int = 0, **kw: Any
) -> Any:
    s = await _s(session)
    fn = prepare(s.core, "Vault", function, *args)
    return await s.transact(fn, signer, value=value, **kw)


async def deposit(
    account: str, amount: int, *, signer: Any, session: AsyncSession | None = None, **kw: Any
) -> Any:
    """``Vault.deposit(account)`` with ``value=amount`` (twin of :func:`ogpu.protocol.vault.deposit`)."""
    value = uint(amount, "amount")
    return await _vault(
        "deposit", checksum(account), signer=signer, session=session, value=value, **kw
    )


async def withdraw(
    amount: int, *, signer: Any, session: AsyncSession | None = None, **kw: Any
) -> Any:
    """``Vault.withdraw(amount)``."""
    return await _vault("withdraw", uint(amount, "amount"), signer=signer, session=session, **kw)


async def lock(amount: int, *, signer: Any, session: AsyncSession | None = None, **kw: Any) -> Any:
    """``Vault.lock(amount)``: balance → lockup."""
    return await _vault("lock", uint(amount, "amount"), signer=signer, session=session, **kw)


async def unbond(
    amount: int, *, signer: Any, session: AsyncSession | None = None, **kw: Any
) -> Any:
    """``Vault.unbond(amount)``: lockup → unbonding."""
    return await _vault("unbond", uint(amount, "amount"), signer=signer, session=session, **kw)


async def cancel_unbonding(*, signer: Any, session: AsyncSession | None = None, **kw: Any) -> Any:
    """``Vault.cancelUnbonding()``."""
    return await _vault("cancelUnbonding", signer=signer, session=session, **kw)


async def claim(*, signer: Any, session: AsyncSession | None = None, **kw: Any) -> Any:
    """``Vault.claim()``: matured unbonding → balance."""
    return await _vault("claim", signer=signer, session=session, **kw)


async def _int(function: str, address: str, session: AsyncSession | None, block: BlockId) -> int:
    s = await _s(session)
    return int(await s.call(s.function("Vault", function, checksum(address)), block=block))


async def get_balance_of(
    address: str, *, session: AsyncSession | None = None, block: BlockId = "latest"
) -> int:
    """Liquid (withdrawable) balance in wei."""
    return await _int("balanceOf", address, session, block)


async def get_lockup_of(
    address: str, *, session: AsyncSession | None = None, block: BlockId = "latest"
) -> int:
    """Staked amount."""
    return await _int("lockupOf", address, session, block)


async def get_unbonding_of(
    address: str, *, session: AsyncSession | None = None, block: BlockId = "latest"
) -> int:
    """Amount unbonding."""
    return await _int("unbondingOf", address, session, block)


# ----------------------------------------------------------------------------------------------
# Agent operations (twins of ogpu.agent)


async def _agent(
    func: str, function: str, args: tuple[Any, ...], private_key: Any, kw: dict[str, Any]
) -> Receipt:
    session, opts = await _options(func, private_key, kw)
    fn = prepare(session.core, "Nexus", function, *args)
    signer = session.resolve_signer(opts.signer, Role.AGENT)
    receipt = await session.transact(fn, signer, gas=opts.gas, timeout=opts.timeout)
    assert isinstance(receipt, Receipt)
    return receipt


async def register_to(
    source: str, provider: str, env: int, private_key: Any = None, **kw: Any
) -> Receipt:
    """``Nexus.register(source, provider, env)`` signed by the agent (twin of
    :func:`ogpu.agent.register_to`)."""
    args = (
        checksum(source, what="source address"),
        checksum(provider, what="provider address"),
        environment_flag(env),
    )
    return await _agent("register_to", "register", args, private_key, kw)


async def unregister_from(
    source: str, provider: str, private_key: Any = None, **kw: Any
) -> Receipt:
    """``Nexus.unregister(source, provider)`` signed by the agent."""
    args = (checksum(source, what="source address"), checksum(provider, what="provider address"))
    return await _agent("unregister_from", "unregister", args, private_key, kw)


async def attempt(
    task: str, provider: str, suggested_payment: int, private_key: Any = None, **kw: Any
) -> Receipt:
    """``Nexus.attempt(task, provider, suggested_payment)`` signed by the agent."""
    args = (
        checksum(task, what="task address"),
        checksum(provider, what="provider address"),
        uint(suggested_payment, "suggested_payment"),
    )
    return await _agent("attempt", "attempt", args, private_key, kw)
