"""Watchers as ``async for`` and historical queries, on the async default session.

The functions are those of :mod:`ogpu.events` (already asyncio-native); here a missing
``session=`` means the current :class:`~ogpu.aio.AsyncSession` rather than the synchronous one.

>>> # async with watch_task_published(source) as watcher:
>>> #     async for ev in watcher: ...
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
