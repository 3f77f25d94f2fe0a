"""``AsyncSession``: the asyncio twin of :class:`ogpu.chain.Session`, on the same core.

An ``AsyncSession`` owns an :class:`~ogpu.rpc.AsyncRpcClient` (one ``httpx.AsyncClient``) and a
:class:`~ogpu.chain.Session` as its *core*: network, contracts, the nonce manager, the
transaction executor's state (fee cache, last receipt, sync-send support) and the IPFS client
all live there, so the same write logic (:mod:`ogpu.chain.steps`) runs on either. The core
does no I/O for an async caller; every request goes through the async client.

An ``AsyncSession`` belongs to the event loop it is first used on.

>>> import asyncio
>>> from ogpu.devnet.accounts import dev_account
>>> async def deposit() -> int:
...     async with AsyncSession("devnet") as s:
...         client = dev_account("client")
...         fn = s.contract("Vault").functions.deposit(client.address)
...         receipt = await s.transact(fn, client.account, value=10**18)
...         return receipt.status
>>> asyncio.run(deposit())
1
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

import httpx

from ogpu.chain.calls import BlockId, BoundContract, ContractCall
from ogpu.chain.networks import Network
from ogpu.chain.session import _TRANSPORT_ERRORS, Session, SessionDefault
from ogpu.chain.signers import SignerInput, SignerLike
from ogpu.chain.steps import Steps, arun
from ogpu.chain.tx import FeeQuote, Sent, TxExecutor, _is_ambiguous
from ogpu.rpc import AsyncRpcClient, RetryPolicy, RpcError, await_reply
from ogpu.types.enums import Role
from ogpu.types.errors import TxReceiptTimeoutError
from ogpu.types.receipt import DryRunResult, Receipt

__all__ = ["AsyncPendingTx", "AsyncSession", "get_session", "set_session", "use_session"]

T = TypeVar("T")


class AsyncPendingTx:
    """A broadcast transaction (``await session.transact(..., wait=False)``); ``await
    pending.wait()`` returns its :class:`Receipt` or raises its typed revert."""

    __slots__ = ("_receipt", "_sent", "_session", "nonce", "sender", "tx_hash")

    def __init__(self, session: AsyncSession, sent: Sent) -> None:
        self._session = session
        self._sent = sent
        self._receipt: Receipt | None = None
        #: hash of the transaction (``0x…``)
        self.tx_hash = sent.tx_hash
        self.sender = sent.sender
        self.nonce = sent.nonce

    @property
    def done(self) -> bool:
        """True once :meth:`wait` has returned a receipt."""
        return self._receipt is not None

    async def wait(self, timeout: float | None = 120.0) -> Receipt:
        """Wait until mined; raise the decoded revert error if it reverted, or
        :class:`~ogpu.types.TxReceiptTimeoutError` after ``timeout`` seconds. A transaction the
        node dropped is sent again (:meth:`~ogpu.chain.tx.TxExecutor.wait_steps`)."""
        if self._receipt is None:
            steps = self._session.executor.wait_steps(self._sent, timeout)
            self._receipt = await arun(steps, self._session)
        return self._receipt

    def __repr__(self) -> str:
        return f"AsyncPendingTx({self.tx_hash}, sender={self.sender}, nonce={self.nonce})"


class _AsyncReceipts:
    """Receipts of every pending transaction of a session, fetched in ONE batch per poll by one
    task on the loop (started while someone waits), with an adaptive interval."""

    #: receipts asked for in one poll at most
    BATCH = 256

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._waiters: dict[str, list[asyncio.Future[dict[str, Any]]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._fresh = False

    async def wait(self, tx_hash: str, timeout: float | None) -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._waiters.setdefault(tx_hash, []).append(fut)
        self._fresh = True  # a new transaction: poll soon again
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._run())
        try:
            return await await_reply(fut, timeout, lambda t: TxReceiptTimeoutError(tx_hash, t))
        finally:
            waiting = self._waiters.get(tx_hash)
            if waiting is not None:
                with contextlib.suppress(ValueError):
                    waiting.remove(fut)
                if not waiting:
                    del self._waiters[tx_hash]

    async def _run(self) -> None:
        ex = self._session.executor
        interval = ex.poll_min
        while self._waiters:
            await asyncio.sleep(interval)
            hashes = list(self._waiters)[: self.BATCH]
            try:
                out = await self._session.rpc_batch(
                    [("eth_getTransactionReceipt", [h]) for h in hashes]
                )
            except Exception as exc:
                if not _is_ambiguous(exc):
                    for h in hashes:
                        for fut in self._waiters.get(h, []):
                            if not fut.done():
                                fut.set_exception(exc)
                    continue
                out = [None] * len(hashes)
            found = False
            for h, r in zip(hashes, out, strict=True):
                if isinstance(r, dict):
                    found = True
                    for fut in self._waiters.get(h, []):
                        if not fut.done():
                            fut.set_result(dict(r))
            fast = found or self._fresh
            interval = ex.poll_min if fast else min(interval * 1.5, ex.poll_max)
            self._fresh = False


class AsyncSession:
    """A connection to one OpenGPU network for ``asyncio`` code.

    Takes :class:`~ogpu.chain.Session`'s arguments; ``transport`` is an
    ``httpx.AsyncBaseTransport`` (tests inject faults with it).

    Example:
        >>> import asyncio
        >>> async def chain() -> tuple[int, bool]:
        ...     async with AsyncSession("devnet") as s:
        ...         return s.network.chain_id, await s.block_number() > 0
        >>> asyncio.run(chain())
        (31337, True)
    """

    def __init__(
        self,
        network: Network | str | None = None,
        *,
        rpc_url: str | None = None,
        ipfs: Any = None,
        request_timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        send_sync: bool | None = None,
    ) -> None:
        #: the state shared with the synchronous twin (network, contracts, nonces, executor)
        self.core = Session(
            network,
            rpc_url=rpc_url,
            ipfs=ipfs,
            request_timeout=request_timeout,
            retry=retry,
            send_sync=send_sync,
        )
        #: the JSON-RPC client (one keep-alive ``httpx.AsyncClient``)
        self.rpc_client = AsyncRpcClient(
            self.core._network.rpc_url,
            timeout=request_timeout,
            retry=self.core.retry_policy,
            transport=transport,
        )
        self._receipts_by_loop: tuple[asyncio.AbstractEventLoop, _AsyncReceipts] | None = None

    def __repr__(self) -> str:
        net = self.core._network
        return f"AsyncSession(network={net.name!r}, rpc_url={net.rpc_url!r})"

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------------ shared state

    @property
    def executor(self) -> TxExecutor:
        """The transaction executor's state, shared with :attr:`core`."""
        return self.core.executor

    @property
    def nonces(self) -> Any:
        """The local nonce manager (shared by every coroutine and thread using this session)."""
        return self.core.nonces

    @property
    def network(self) -> Network:
        """The network (resolved; call :meth:`resolve` first for a bare RPC URL)."""
        return self.core.network

    @property
    def ipfs(self) -> Any:
        """The IPFS client (blocking; the async workflows run its calls in worker threads)."""
        return self.core.ipfs

    @property
    def unconfirmed(self) -> dict[str, tuple[str, int, str]]:
        """Transactions whose send was cancelled before the node answered: hash → (sender,
        nonce, context). They may be mined; look them up by hash (see docs/client-guide.md)."""
        return dict(self.core.executor.unconfirmed)

    async def resolve(self) -> None:
        """Learn the chain id (once) so that :attr:`network` needs no blocking request."""
        if self.core._chain_id is None:
            self.core._chain_id = int(await self.rpc("eth_chainId", []), 16)

    def address_of(self, name: str) -> str:
        """Address of a singleton contract (see :meth:`Session.address_of`)."""
        return self.core.address_of(name)

    def contract(self, name: str, address: str | None = None) -> BoundContract:
        """The packaged ABI ``name`` at an address (see :meth:`Session.contract`)."""
        return self.core.contract(name, address)

    def function(
        self, contract: str, function: str, *args: Any, address: str | None = None
    ) -> ContractCall:
        """The call ``contract.function(*args)`` (see :meth:`Session.function`)."""
        return self.core.function(contract, function, *args, address=address)

    def resolve_signer(self, signer: SignerInput | None, role: Role | None = None) -> SignerLike:
        """Resolve a signer (see :meth:`Session.resolve_signer`)."""
        return self.core.resolve_signer(signer, role)

    # ------------------------------------------------------------------ raw JSON-RPC

    async def rpc(self, method: str, params: Sequence[Any] = (), *, retry: bool = True) -> Any:
        """One JSON-RPC request; the errors of :meth:`Session.rpc`."""
        return await self._send(method, self.rpc_client.request(method, params, retry=retry), retry)

    async def rpc_batch(
        self, requests_: Sequence[tuple[str, Sequence[Any]]], *, retry: bool = True
    ) -> list[Any]:
        """One JSON-RPC batch; the results and errors of :meth:`Session.rpc_batch`."""
        return await self._send(requests_, self.rpc_client.batch(requests_, retry=retry), retry)

    async def _send(
        self, what: str | Sequence[tuple[str, Sequence[Any]]], request: Awaitable[T], retry: bool
    ) -> T:
        """``request`` awaited; with ``retry`` a transport failure becomes ``TxRpcError``."""
        try:
            return await request
        except _TRANSPORT_ERRORS as exc:
            if not retry:
                raise
            raise self.core._transport_error(what, exc) from exc

    async def run(self, steps: Steps[Any]) -> Any:
        """Drive shared write/read steps (:mod:`ogpu.chain.steps`) on this session."""
        return await arun(steps, self)

    # ------------------------------------------------------------------ reads

    async def block_number(self) -> int:
        """The latest block number."""
        return int(await self.rpc("eth_blockNumber", []), 16)

    async def timestamp(self, block: BlockId = "latest") -> int:
        """Timestamp of ``block`` (cached for numbered blocks)."""
        return int(await arun(self.core.timestamp_steps(block), self))

    async def call(self, fn: ContractCall, *, block: BlockId = "latest") -> Any:
        """Run a view function and decode its output; reverts become typed errors."""
        method, params = fn.request(block)
        try:
            result = await self.rpc(method, params)
        except RpcError as exc:
            raise self.core.call_error(fn, exc) from None
        return fn.decode(result)

    async def batch_call(
        self, calls: Sequence[ContractCall], *, block: BlockId = "latest"
    ) -> list[Any]:
        """Many view calls in one batch, all at ``block`` (``"latest"`` is pinned first)."""
        if not calls:
            return []
        if block == "latest":
            block = await self.block_number()
        elif not isinstance(block, int):
            block = int((await self.rpc("eth_getBlockByNumber", [block, False]))["number"], 16)
        raw = await self.rpc_batch([fn.request(block) for fn in calls])
        return self.core._decode_all(calls, raw, allow_failure=False)

    # ------------------------------------------------------------------ writes

    def _receipts(self) -> _AsyncReceipts:
        loop = asyncio.get_running_loop()
        current = self._receipts_by_loop
        if current is None or current[0] is not loop:
            current = self._receipts_by_loop = (loop, _AsyncReceipts(self))
        return current[1]

    async def pending(self, sent: Sent) -> AsyncPendingTx:
        """The handle of a sent transaction (resolved now when the node returned its receipt:
        a revert is raised like on a later wait)."""
        pending = AsyncPendingTx(self, sent)
        if sent.mined is not None:
            await pending.wait(None)
        return pending

    async def transact(
        self,
        fn: ContractCall,
        signer: SignerInput | None = None,
        *,
        role: Role | None = None,
        value: int = 0,
        wait: bool = True,
        gas: int | None = None,
        context: str | None = None,
        dry_run: bool = False,
        timeout: float = 120.0,
        fee: FeeQuote | None = None,
    ) -> Receipt | AsyncPendingTx | DryRunResult:
        """The twin of :meth:`Session.transact`: simulate, sign, send and (by default) wait;
        ``wait=False`` returns an :class:`AsyncPendingTx`, ``dry_run=True`` a
        :class:`DryRunResult`."""
        self.core._check_value(value)
        resolved = self.resolve_signer(signer, role)
        ctx = context or fn.context
        ex = self.executor
        if dry_run:
            return await arun(
                ex.dry_run_steps(fn, resolved, value=value, gas=gas, context=ctx), self
            )
        sent = await arun(
            ex.send_steps(fn, resolved, value=value, gas=gas, context=ctx, fee=fee, wait=wait),
            self,
        )
        pending = await self.pending(sent)
        if not wait:
            return pending
        return await pending.wait(timeout)

    async def aclose(self) -> None:
        """Release the HTTP connections."""
        with contextlib.suppress(Exception):
            await self.rpc_client.aclose()
        self.core.close()


# ---------------------------------------------------------------------------------------------
# Default session (its own context variable: the sync and async defaults never mix)

_defaults: SessionDefault[AsyncSession] = SessionDefault("ogpu_async_session", AsyncSession)


def get_session() -> AsyncSession:
    """The async session in effect: the innermost :func:`use_session`, else the process default
    (built on first use from ``OGPU_NETWORK`` / ``OGPU_RPC_URL``; mainnet if unset)."""
    return _defaults.get()


def set_session(session: AsyncSession | None) -> None:
    """Replace the process default async session (``None``: rebuild from the environment)."""
    _defaults.set(session)


def use_session(session: AsyncSession) -> contextlib.AbstractContextManager[AsyncSession]:
    """Make ``session`` the current async session inside a ``with`` block (per asyncio task).

    >>> import asyncio
    >>> from ogpu.aio import vault
    >>> async def balance() -> int:
    ...     async with AsyncSession("devnet") as s:
    ...         with use_session(s):  # the session of calls given none
    ...             return await vault.get_balance_of("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    >>> asyncio.run(balance())
    100000000000000000000
    """
    return _defaults.use(session)
