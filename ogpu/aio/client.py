"""Async twins of the client workflows and of the live protocol objects.

Each workflow runs the SAME steps as its synchronous twin in :mod:`ogpu.client.workflows`
(``publish_task_steps`` …: the order of checks, the exactly-once executor, the typed errors),
driven on the event loop by :func:`ogpu.chain.steps.arun`: JSON-RPC through the session's
``httpx.AsyncClient``, IPFS uploads and schema checks in worker threads.

Live objects (:class:`AsyncTask`, :class:`AsyncSource`, :class:`AsyncResponse`) run the
synchronous object's own methods in a worker thread: one implementation of every read and wait.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ogpu.aio.session import AsyncPendingTx, AsyncSession, get_session
from ogpu.chain.steps import Steps
from ogpu.chain.tx import Sent
from ogpu.client import workflows as wf
from ogpu.client._options import Options, parse_options
from ogpu.client._pending import PendingBase, budget_error, budget_limit
from ogpu.client.models import SourceInfo, TaskInfo
from ogpu.protocol import controller, nexus
from ogpu.protocol._object import ProtocolObject
from ogpu.protocol.response import Response
from ogpu.protocol.source import Source
from ogpu.protocol.task import Task
from ogpu.types import DryRunResult, Receipt, TxReceiptTimeoutError
from ogpu.types.params import TaskSnapshot

__all__ = ["AsyncPendingPublish", "AsyncResponse", "AsyncSource", "AsyncTask", "wait_all"]
__all__ += wf.__all__  # the async twin of every workflow

T = TypeVar("T")
P = TypeVar("P", bound=ProtocolObject)
A = TypeVar("A", bound="AsyncObject[Any]")


# ----------------------------------------------------------------------------------------------
# Live objects


class AsyncObject(Generic[P]):
    """A live protocol object for async code: every method of the synchronous object (``get_*``,
    ``snapshot``, ``wait_for_*`` …) awaited, run in a worker thread; protocol objects in the
    results come back as their async twins."""

    _sync_class: type[ProtocolObject] = ProtocolObject

    def __init__(self, address: str, session: AsyncSession | None = None) -> None:
        self.session = session if session is not None else get_session()
        self.sync: P = self._sync_class(address, session=self.session.core)  # type: ignore[assignment]

    @property
    def address(self) -> str:
        return self.sync.address

    def __repr__(self) -> str:
        return f"Async{self.sync!r}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AsyncObject) and other.sync == self.sync

    def __hash__(self) -> int:
        return hash(self.sync)

    def _wrap(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self._wrap(v) for v in value]
        twin = _TWINS.get(type(value))
        if twin is not None:
            return twin(value.address, self.session)
        return value

    async def _run(self, name: str, *args: Any, **kwargs: Any) -> Any:
        method = getattr(self.sync, name)
        return self._wrap(await asyncio.to_thread(method, *args, **kwargs))

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or not callable(getattr(self._sync_class, name, None)):
            raise AttributeError(name)
        return functools.partial(self._run, name)


class AsyncResponse(AsyncObject[Response]):
    """The async twin of :class:`~ogpu.protocol.Response` (``await r.get_data()`` …)."""

    _sync_class = Response


class AsyncSource(AsyncObject[Source]):
    """The async twin of :class:`~ogpu.protocol.Source` (``await s.get_status()`` …)."""

    _sync_class = Source


class AsyncTask(AsyncObject[Task]):
    """The async twin of :class:`~ogpu.protocol.Task`.

    >>> import asyncio
    >>> from ogpu.aio import AsyncSession, publish_source, publish_task
    >>> from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput
    >>> async def publish() -> tuple[object, int]:
    ...     async with AsyncSession("devnet") as s:
    ...         source = await publish_source(SourceInfo(name="demo", description="demo",
    ...             logoUrl="", imageEnvs=ImageEnvironments(cpu="https://example.com/c.yml"),
    ...             minPayment=10**16, minAvailableLockup=0, maxExpiryDuration=3600), session=s)
    ...         task = await publish_task(TaskInfo(source=source.address,
    ...             config=TaskInput("sentiment", {"text": "great"}),
    ...             expiryTime=await s.timestamp() + 600, payment=10**16), session=s)
    ...         snap = await task.snapshot()
    ...         return snap.status, snap.attempt_count
    >>> asyncio.run(publish())
    (<TaskStatus.NEW: 0>, 0)

    Once a provider answers, ``await task.wait_for_response(timeout=60)`` returns its response.
    """

    _sync_class = Task

    async def snapshot(self, **kwargs: Any) -> TaskSnapshot:
        """Every non-paginated field at one block (:meth:`Task.snapshot`)."""
        result: TaskSnapshot = await self._run("snapshot", **kwargs)
        return result

    async def get_responses(
        self, lower: int = 0, upper: int | None = None, **kwargs: Any
    ) -> list[AsyncResponse]:
        """Responses of attempts ``[lower, upper)`` (:meth:`Task.get_responses`)."""
        result: list[AsyncResponse] = await self._run("get_responses", lower, upper, **kwargs)
        return result

    async def wait_for_response(self, **kwargs: Any) -> AsyncResponse:
        """Until the task has a response (:meth:`Task.wait_for_response`)."""
        result: AsyncResponse = await self._run("wait_for_response", **kwargs)
        return result

    async def wait_for_status(self, *statuses: Any, **kwargs: Any) -> Any:
        """Until the task is in one of ``statuses`` (:meth:`Task.wait_for_status`)."""
        return await self._run("wait_for_status", *statuses, **kwargs)

    async def cancel(self, **kwargs: Any) -> Receipt:
        """``Controller.cancelTask(self)``, as :func:`cancel_task`."""
        return await cancel_task(self.address, session=self.session, **kwargs)


_TWINS: dict[type[Any], type[AsyncObject[Any]]] = {
    c._sync_class: c for c in (AsyncTask, AsyncSource, AsyncResponse)
}


# ----------------------------------------------------------------------------------------------
# Pending publishes


class AsyncPendingPublish(PendingBase[AsyncPendingTx, T]):
    """Returned by ``await publish_task(..., wait=False)``: the content is uploaded and the
    transaction broadcast; ``await pending.wait()`` returns the live object once mined."""

    async def wait(self, timeout: float | None = 120.0) -> T:
        """Until mined: the created object, or the typed revert / timeout error."""
        if self._result is None:
            self._result = self._build(await self.receipt(timeout))
        return self._result

    async def receipt(self, timeout: float | None = 120.0) -> Receipt:
        """The mined receipt (see :meth:`wait`)."""
        limit = budget_limit(self._budget, timeout)
        try:
            return await self.pending.wait(limit)
        except TxReceiptTimeoutError as exc:
            raise budget_error(self._budget, timeout, limit, self.tx_hash) or exc from None


async def wait_all(
    pending: Sequence[AsyncPendingPublish[T]], timeout: float | None = 120.0
) -> list[T]:
    """Wait for several :class:`AsyncPendingPublish` at once; results in order. The first
    failure is raised after every transaction has been waited for."""
    outcomes = await asyncio.gather(*(p.wait(timeout) for p in pending), return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return list(outcomes)  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------
# Workflows


async def _options(
    func: str, private_key: Any, kwargs: dict[str, Any]
) -> tuple[AsyncSession, Options]:
    """The async session (``session=`` or the current one, its chain id learnt) and the parsed
    options of the workflow ``func``."""
    session = kwargs.get("session")
    if session is None:
        session = get_session()
    if not isinstance(session, AsyncSession):
        raise TypeError(f"{func}() needs an ogpu.aio.AsyncSession, got {type(session).__name__}")
    opts = parse_options(func, private_key, {**kwargs, "session": session.core})
    return session, opts


async def _published(
    session: AsyncSession,
    opts: Options,
    out: DryRunResult | tuple[Sent, str],
    twin: Callable[[str, AsyncSession], A],
    extract: Callable[..., str],
) -> A | AsyncPendingPublish[A] | DryRunResult:
    """The created object (``twin`` at the address ``extract`` finds in the receipt), its
    pending publish (``wait=False``) or the dry run's result."""
    if isinstance(out, DryRunResult):
        return out
    sent, url = out

    def build(receipt: Receipt) -> A:
        return twin(extract(receipt, session=session.core), session)

    result = AsyncPendingPublish(
        await session.pending(sent), build, url=url, budget=wf._budget(opts)
    )
    if not opts.wait:
        return result
    return await result.wait(opts.wait_timeout())


async def _send(session: AsyncSession, steps: Steps[Sent]) -> AsyncPendingTx:
    return await session.pending(await session.run(steps))


async def _tx_hash(session: AsyncSession, opts: Options, steps: Steps[Sent]) -> str:
    """The hash of the transaction ``steps`` send, once mined unless ``wait=False``."""
    pending = await _send(session, steps)
    if opts.wait:
        await pending.wait(opts.timeout)
    return pending.tx_hash


async def publish_source(
    source_info: SourceInfo, private_key: Any = None, *, handlers: Any = None, **kwargs: Any
) -> AsyncSource | AsyncPendingPublish[AsyncSource] | DryRunResult:
    """The async twin of :func:`ogpu.client.publish_source` (same arguments, returns, errors);
    returns an :class:`AsyncSource`."""
    session, opts = await _options("publish_source", private_key, kwargs)
    info = wf._source_info(source_info)
    out = await session.run(wf.publish_source_steps(opts, info, handlers))
    return await _published(session, opts, out, AsyncSource, nexus.extract_source_address)


async def publish_task(
    task_info: TaskInfo, private_key: Any = None, **kwargs: Any
) -> AsyncTask | AsyncPendingPublish[AsyncTask] | DryRunResult:
    """The async twin of :func:`ogpu.client.publish_task` (same arguments, checks, returns and
    typed errors); returns an :class:`AsyncTask` (whose example publishes one)."""
    session, opts = await _options("publish_task", private_key, kwargs)
    info = wf._task_info(task_info)
    out = await session.run(wf.publish_task_steps(opts, info))
    return await _published(session, opts, out, AsyncTask, controller.extract_task_address)


async def update_source(
    source: Any,
    new_info: SourceInfo,
    private_key: Any = None,
    *,
    handlers: Any = None,
    **kwargs: Any,
) -> Receipt | DryRunResult:
    """The async twin of :func:`ogpu.client.update_source`."""
    session, opts = await _options("update_source", private_key, kwargs)
    info = wf._source_info(new_info)
    out = await session.run(wf.update_source_steps(opts, _address(source), info, handlers))
    if isinstance(out, DryRunResult):
        return out
    return await (await session.pending(out)).wait(opts.wait_timeout())


async def inactivate_source(source: Any, private_key: Any = None, **kwargs: Any) -> Receipt:
    """The async twin of :func:`ogpu.client.inactivate_source`."""
    session, opts = await _options("inactivate_source", private_key, kwargs)
    steps = wf.inactivate_source_steps(opts, _address(source))
    return await (await _send(session, steps)).wait(opts.timeout)


async def cancel_task(task: Any, private_key: Any = None, **kwargs: Any) -> Receipt:
    """The async twin of :func:`ogpu.client.cancel_task`."""
    session, opts = await _options("cancel_task", private_key, kwargs)
    steps = wf.cancel_task_steps(opts, _address(task))
    return await (await _send(session, steps)).wait(opts.timeout)


async def confirm_response(response_address: Any, private_key: Any = None, **kwargs: Any) -> str:
    """The async twin of :func:`ogpu.client.confirm_response`; returns the tx hash."""
    session, opts = await _options("confirm_response", private_key, kwargs)
    steps = wf.confirm_response_steps(opts, _address(response_address))
    return await _tx_hash(session, opts, steps)


async def set_agent(agent_address: str, value: bool, private_key: Any = None, **kwargs: Any) -> str:
    """The async twin of :func:`ogpu.client.set_agent`; returns the tx hash."""
    session, opts = await _options("set_agent", private_key, kwargs)
    return await _tx_hash(session, opts, wf.set_agent_steps(opts, agent_address, value))


async def get_task_responses(
    task_address: Any,
    lower: int = 0,
    upper: int | None = None,
    *,
    session: AsyncSession | None = None,
) -> list[AsyncResponse]:
    """The async twin of :func:`ogpu.client.get_task_responses`."""
    if session is None and isinstance(getattr(task_address, "session", None), AsyncSession):
        session = task_address.session
    task = AsyncTask(_address(task_address), session)
    return await task.get_responses(lower, upper)


def _address(value: Any) -> Any:
    """An address, or the address of a (sync or async) live object."""
    return value.address if isinstance(value, AsyncObject | ProtocolObject) else value
