"""The sans-I/O form of the SDK's write logic, and its two drivers.

The transaction executor and the client workflows are written ONCE, as generators that *yield*
the I/O they need (an :data:`Op`) and receive its result, or have its exception thrown in at the
``yield``. Every decision (the order of checks, what is retried, which typed error is raised,
when a nonce is released) lives in the generator; the drivers only perform the I/O: :func:`run`
synchronously on a ``Session`` (and a small thread pool), :func:`arun` on an ``asyncio`` loop for
an ``ogpu.aio.AsyncSession``.

>>> def steps():
...     got = yield Sleep(0)
...     return "done"
>>> run(steps(), None)
'done'
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Generator, Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, Union

if TYPE_CHECKING:
    import asyncio

    from ogpu.chain.session import Session

__all__ = [
    "AwaitReceipt",
    "Batch",
    "Join",
    "Offload",
    "Op",
    "Rpc",
    "Sleep",
    "Spawn",
    "Steps",
    "arun",
    "run",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Rpc:
    """One JSON-RPC request (``Session.rpc`` semantics, ``retry=False``: raw transport errors)."""

    method: str
    params: Sequence[Any] = ()
    retry: bool = True


@dataclass(frozen=True)
class Batch:
    """One JSON-RPC batch (``Session.rpc_batch`` semantics: per-call result or ``RpcError``)."""

    calls: Sequence[tuple[str, Sequence[Any]]]
    retry: bool = True


@dataclass(frozen=True)
class Sleep:
    """Wait ``seconds`` (a retry back-off)."""

    seconds: float


@dataclass(frozen=True)
class AwaitReceipt:
    """The raw receipt of ``tx_hash`` from the session's batched receipt poller, waited for at
    most ``timeout`` seconds (``None``: no limit); ``TxReceiptTimeoutError`` thrown in when none
    comes."""

    tx_hash: str
    timeout: float | None


@dataclass(frozen=True)
class Offload:
    """Blocking work (an IPFS fetch, a schema check) run where it does not stall the caller:
    inline by the synchronous driver, in a worker thread by the asynchronous one."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Spawn:
    """Start ``fn(*args)`` (blocking work) concurrently; the driver answers with a handle for
    :class:`Join`. A handle that is never joined keeps running to its end, its outcome ignored."""

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Join:
    """Wait for a :class:`Spawn` handle; its result, or its exception thrown in. ``quiet``: wait
    for it to end and answer ``None`` whatever happened (its outcome no longer matters)."""

    handle: Any
    quiet: bool = False


# a runtime alias on 3.10
Op = Union[Rpc, Batch, Sleep, AwaitReceipt, Offload, Spawn, Join]  # noqa: UP007
#: A generator that yields :data:`Op` and returns ``T``.
Steps = Generator[Op, Any, T]


@functools.cache
def _pool() -> futures.ThreadPoolExecutor:
    """The threads that run blocking work for both drivers (made on first use)."""
    return futures.ThreadPoolExecutor(16, thread_name_prefix="ogpu-io")


def _resume(steps: Steps[Any], value: Any, error: Exception | None) -> tuple[bool, Any]:
    """Resume ``steps`` with a result or an exception: ``(True, its return value)`` once it
    has ended, else ``(False, the next op)``."""
    try:
        return False, (steps.send(value) if error is None else steps.throw(error))
    except StopIteration as stop:
        return True, stop.value


def _perform(op: Op, session: Session) -> Any:
    if isinstance(op, Batch):
        return session.rpc_batch(op.calls, retry=op.retry)
    if isinstance(op, Rpc):
        return session.rpc(op.method, op.params, retry=op.retry)
    if isinstance(op, Sleep):
        return time.sleep(op.seconds)
    if isinstance(op, AwaitReceipt):
        return session.executor.wait_receipt(op.tx_hash, op.timeout)
    if isinstance(op, Offload):
        return op.fn(*op.args)
    if isinstance(op, Spawn):
        return _pool().submit(op.fn, *op.args)
    if isinstance(op, Join):
        if op.quiet:
            futures.wait([op.handle])
            return None
        return op.handle.result()
    raise TypeError(f"unknown step {op!r}")


def run(steps: Steps[T], session: Any) -> T:
    """Drive ``steps`` synchronously against ``session`` (a :class:`~ogpu.chain.Session`)."""
    value: Any = None
    error: Exception | None = None
    while True:
        done, op = _resume(steps, value, error)
        if done:
            return op  # type: ignore[no-any-return]
        try:
            value, error = _perform(op, session), None
        except Exception as exc:
            value, error = None, exc


async def _aperform(op: Op, session: Any, loop: asyncio.AbstractEventLoop) -> Any:
    import asyncio

    if isinstance(op, Batch):
        return await session.rpc_batch(op.calls, retry=op.retry)
    if isinstance(op, Rpc):
        return await session.rpc(op.method, op.params, retry=op.retry)
    if isinstance(op, Sleep):
        return await asyncio.sleep(op.seconds)
    if isinstance(op, AwaitReceipt):
        return await session._receipts().wait(op.tx_hash, op.timeout)
    if isinstance(op, Offload):
        return await loop.run_in_executor(_pool(), op.fn, *op.args)
    if isinstance(op, Spawn):
        return loop.run_in_executor(_pool(), op.fn, *op.args)
    if isinstance(op, Join):
        if op.quiet:
            await asyncio.wait([op.handle])
            return None
        return await op.handle
    raise TypeError(f"unknown step {op!r}")


async def arun(steps: Steps[T], session: Any) -> T:
    """Drive ``steps`` on the running event loop against ``session`` (an
    :class:`ogpu.aio.AsyncSession`); blocking work runs on a shared pool of 16 threads.
    Cancellation closes the generator at its current ``yield`` (its ``finally`` and
    ``GeneratorExit`` handlers run; see the Async section of docs/client-guide.md)."""
    import asyncio

    loop = asyncio.get_running_loop()
    value: Any = None
    error: Exception | None = None
    try:
        while True:
            done, op = _resume(steps, value, error)
            if done:
                return op  # type: ignore[no-any-return]
            try:
                value, error = await _aperform(op, session, loop), None
            except Exception as exc:
                value, error = None, exc
    finally:
        steps.close()
