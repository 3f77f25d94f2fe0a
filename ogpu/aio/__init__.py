"""``ogpu.aio``: the client surface for ``asyncio``, on the same core as the synchronous one.

* :class:`AsyncSession` (its own default: :func:`get_session` / :func:`set_session` /
  :func:`use_session`) with ``rpc``, ``call``, ``batch_call``, ``transact``;
* the eight client workflows as coroutines with the synchronous names, arguments, returns and
  typed errors (:func:`publish_task` …), sharing their steps with :mod:`ogpu.client`;
* live objects (:class:`AsyncTask`: ``await task.snapshot()``, ``await task.get_responses()``,
  ``await task.wait_for_response()``), Vault and agent operations (:mod:`ogpu.aio.vault`), and
  the event watchers as ``async for`` (:mod:`ogpu.aio.events`).

See the Async section of docs/client-guide.md.

>>> from ogpu.aio import AsyncSession, publish_task
"""

from ogpu.aio.client import (
    AsyncObject,
    AsyncPendingPublish,
    AsyncResponse,
    AsyncSource,
    AsyncTask,
    cancel_task,
    confirm_response,
    get_task_responses,
    inactivate_source,
    publish_source,
    publish_task,
    set_agent,
    update_source,
    wait_all,
)
from ogpu.aio.session import AsyncPendingTx, AsyncSession, get_session, set_session, use_session

__all__ = [
    "AsyncObject",
    "AsyncPendingPublish",
    "AsyncPendingTx",
    "AsyncResponse",
    "AsyncSession",
    "AsyncSource",
    "AsyncTask",
    "cancel_task",
    "confirm_response",
    "get_session",
    "get_task_responses",
    "inactivate_source",
    "publish_source",
    "publish_task",
    "set_agent",
    "set_session",
    "update_source",
    "use_session",
    "wait_all",
]
