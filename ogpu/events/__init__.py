"""Protocol events: live watchers, historical queries, resumable cursors, and blocking waits.

Async watchers (``watch_<event>``) and queries (``get_past_<event>``) exist for every Nexus,
Terminal and Vault event, under the official SDK's names; they resume from an
:class:`EventCursor` and handle chain reorganisations (semantics: :mod:`ogpu.events.watcher`).

Example::

    import asyncio
    from ogpu.events import watch_task_published

    async def main(source: str) -> None:
        async with watch_task_published(source) as watcher:
            async for ev in watcher:
                print(ev.task, ev.block_number, watcher.cursor.to_json())

The blocking helpers (:func:`wait_for_task_status`, :func:`wait_for_response`,
:func:`wait_for_confirmation`) back ``task.wait_for_status()`` and friends.
"""

from ogpu.events import models as _models
from ogpu.events import streams as _streams
from ogpu.events import watcher as _watcher
from ogpu.events.errors import EventsError, EventsRpcError, ReorgTooDeepError
from ogpu.events.models import *  # noqa: F403
from ogpu.events.streams import *  # noqa: F403
from ogpu.events.watcher import *  # noqa: F403
from ogpu.protocol._wait import wait_for_confirmation, wait_for_response, wait_for_task_status

__all__ = [
    "EventsError",
    "EventsRpcError",
    "ReorgTooDeepError",
    "wait_for_confirmation",
    "wait_for_response",
    "wait_for_task_status",
]
__all__ += _models.__all__
__all__ += _streams.__all__
__all__ += _watcher.__all__
