"""Blocking waits on tasks and responses (the logic behind ``task.wait_for_status`` & co.).

They depend only on :mod:`ogpu.types` and duck-typed objects (``get_status()``,
``get_responses()``, ``get_confirmed_response()``, ``get_task()``), so the protocol layer can call
them without importing the async machinery. They poll one cheap view call per interval
(``getStatus``), report every change of state to ``on_progress``, stop early with a typed error
when the awaited state can no longer happen (a task that is CANCELED/EXPIRED never gets a
response), and raise
:class:`~ogpu.types.WaitTimeoutError` (an :class:`OGPUError` and a builtin ``TimeoutError``)
carrying the last state seen when the time is up. RPC failures are retried by the session's
retry policy; what still fails is raised, never swallowed.

Example::

    status = wait_for_task_status(task, TaskStatus.FINALIZED, timeout=60,
                                  on_progress=lambda s: print("task is", s.name))
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from urllib.parse import urlparse

from ogpu.types.enums import ResponseStatus, TaskStatus
from ogpu.types.errors import (
    InvalidArgumentError,
    ResponseAlreadyConfirmedError,
    TaskAlreadyFinalizedError,
    WaitTimeoutError,
)

__all__ = ["wait_for_confirmation", "wait_for_response", "wait_for_task_status"]

#: States a task never leaves.
TERMINAL_TASK_STATES = frozenset({TaskStatus.CANCELED, TaskStatus.EXPIRED, TaskStatus.FINALIZED})
#: The states a task passes through on its way to FINALIZED (their values grow in this order).
_PROGRESS = frozenset(
    {TaskStatus.NEW, TaskStatus.ATTEMPTED, TaskStatus.RESPONDED, TaskStatus.FINALIZED}
)

R = TypeVar("R")


class _TaskLike(Protocol):
    address: str

    def get_status(self) -> TaskStatus: ...

    def get_responses(self) -> list[Any]: ...

    def get_confirmed_response(self) -> Any: ...


class _ResponseLike(Protocol):
    address: str

    def get_status(self) -> ResponseStatus: ...

    def get_task(self) -> Any: ...


def _interval(obj: Any, poll_interval: float | None) -> float:
    """The given interval, else 0.05 s for a node on this machine and 0.25 s otherwise."""
    if poll_interval is not None:
        if not poll_interval > 0:
            raise InvalidArgumentError("poll_interval", f"must be > 0, got {poll_interval!r:.40}")
        return float(poll_interval)
    url = getattr(getattr(getattr(obj, "session", None), "network", None), "rpc_url", None)
    host = urlparse(url).hostname if isinstance(url, str) else None
    return 0.05 if host in ("localhost", "127.0.0.1", "::1") else 0.25


def _poll(
    obj: Any,
    what: str,
    read: Callable[[], tuple[Any, R | None]],
    timeout: float | None,
    poll_interval: float | None,
    on_progress: Callable[[Any], None] | None,
) -> R:
    """Call ``read()`` -> (state, result-or-None) until a result, reporting state changes."""
    interval = _interval(obj, poll_interval)
    deadline = None if timeout is None else time.monotonic() + timeout
    last: Any = None
    first = True
    while True:
        state, result = read()
        if first or state != last:
            first = False
            last = state
            if on_progress is not None:
                on_progress(state)
        if result is not None:
            return result
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeoutError(what, float(timeout or 0), last_state=last)
            time.sleep(min(interval, remaining))
        else:
            time.sleep(interval)


def wait_for_task_status(
    task: _TaskLike,
    *statuses: TaskStatus,
    timeout: float | None = 120.0,
    poll_interval: float | None = None,
    on_progress: Callable[[TaskStatus], None] | None = None,
) -> TaskStatus:
    """Block until ``task`` is in one of ``statuses`` (default: any terminal state); return it.

    Raises :class:`TaskAlreadyFinalizedError` when the task reached a terminal state that is not
    awaited (or went past every awaited state), :class:`WaitTimeoutError` (``last_state`` = the
    last :class:`TaskStatus` seen) after ``timeout`` seconds (None: no limit).
    """
    wanted = frozenset(TaskStatus(s) for s in statuses) or TERMINAL_TASK_STATES
    names = "/".join(sorted(s.name for s in wanted))

    def read() -> tuple[TaskStatus, TaskStatus | None]:
        status = TaskStatus(task.get_status())
        if status in wanted:
            return status, status
        if status in TERMINAL_TASK_STATES or all(s in _PROGRESS and s < status for s in wanted):
            # Terminal, or already past every awaited state: it can never happen.
            raise TaskAlreadyFinalizedError(task.address, int(status))
        return status, None

    return _poll(
        task, f"task {task.address} to be {names}", read, timeout, poll_interval, on_progress
    )


def wait_for_response(
    task: _TaskLike,
    *,
    confirmed: bool = False,
    timeout: float | None = 120.0,
    poll_interval: float | None = None,
    on_progress: Callable[[TaskStatus], None] | None = None,
) -> Any:
    """Block until ``task`` has a response and return it (the first one submitted; with
    ``confirmed=True`` the confirmed one). Polls the task status; reads responses only once the
    status says there is one.

    Raises :class:`TaskAlreadyFinalizedError` when the task is CANCELED/EXPIRED (or finalized
    without a matching response), :class:`WaitTimeoutError` with the last task status.
    """

    def read() -> tuple[TaskStatus, Any]:
        status = TaskStatus(task.get_status())
        if status in (TaskStatus.CANCELED, TaskStatus.EXPIRED):
            raise TaskAlreadyFinalizedError(task.address, int(status))
        if status in (TaskStatus.RESPONDED, TaskStatus.FINALIZED):
            found = (
                task.get_confirmed_response()
                if confirmed
                else next(iter(task.get_responses()), None)
            )
            if found is not None:
                return status, found
            if status is TaskStatus.FINALIZED:
                raise TaskAlreadyFinalizedError(task.address, int(status))
        return status, None

    kind = "a confirmed response" if confirmed else "a response"
    return _poll(task, f"{kind} to task {task.address}", read, timeout, poll_interval, on_progress)


def wait_for_confirmation(
    response: _ResponseLike,
    *,
    timeout: float | None = 120.0,
    poll_interval: float | None = None,
    on_progress: Callable[[ResponseStatus], None] | None = None,
) -> Any:
    """Block until ``response`` is CONFIRMED; return it.

    Raises :class:`ResponseAlreadyConfirmedError` when its task was finalized with another
    response, :class:`TaskAlreadyFinalizedError` when the task was canceled or expired, and
    :class:`WaitTimeoutError` with the last :class:`ResponseStatus` seen.
    """
    task: Any = None

    def read() -> tuple[ResponseStatus, Any]:
        nonlocal task
        status = ResponseStatus(response.get_status())
        if status is ResponseStatus.CONFIRMED:
            return status, response
        if task is None:
            task = response.get_task()
        task_status = TaskStatus(task.get_status())
        if task_status is TaskStatus.FINALIZED:
            # Confirmation and finalisation happen in one transaction: re-read to be sure.
            if ResponseStatus(response.get_status()) is ResponseStatus.CONFIRMED:
                return ResponseStatus.CONFIRMED, response
            raise ResponseAlreadyConfirmedError(response.address)
        if task_status in TERMINAL_TASK_STATES:
            raise TaskAlreadyFinalizedError(task.address, int(task_status))
        return status, None

    return _poll(
        response,
        f"response {response.address} to be confirmed",
        read,
        timeout,
        poll_interval,
        on_progress,
    )
