"""Watchers as ``async for`` and historical queries, on the async default session.

The functions are those of :mod:`ogpu.events` (already asyncio-native); here a missing
``session=`` means the current :class:`~ogpu.aio.AsyncSession` rather than the synchronous one.

>>> import asyncio
>>> from ogpu.aio import AsyncSession, publish_source, publish_task, use_session
>>> from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput
>>> async def first_task() -> bool:
...     async with AsyncSession("devnet") as s:
...         with use_session(s):
...             source = await publish_source(SourceInfo(name="demo", description="demo",
...                 logoUrl="", imageEnvs=ImageEnvironments(cpu="https://example.com/c.yml"),
...                 minPayment=10**16, minAvailableLockup=0, maxExpiryDuration=3600))
...             task = await publish_task(TaskInfo(source=source.address,
...                 config=TaskInput("sentiment", {"text": "great"}),
...                 expiryTime=await s.timestamp() + 600, payment=10**16))
...             async with watch_task_published(source.address, from_block=0) as watcher:
...                 async for ev in watcher:
...                     return ev.task == task.address
...     return False
>>> asyncio.run(first_task())
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ogpu import events as _events
from ogpu.aio.session import get_session

__all__ = [name for name in _events.__all__ if name.startswith(("watch_", "get_past_"))]


def _on_async_session(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **options: Any) -> Any:
        if options.get("session") is None and (
            options.get("rpc_url") is None or options.get("addresses") is None
        ):
            options["session"] = get_session()
        return fn(*args, **options)

    return wrapper


for _name in __all__:
    globals()[_name] = _on_async_session(getattr(_events, _name))


def __getattr__(name: str) -> Any:  # for type checkers: the names are set above
    raise AttributeError(name)
