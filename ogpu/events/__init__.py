"""Protocol events: live watchers, historical queries, resumable cursors, and blocking waits.

Async watchers (``watch_<event>``) and queries (``get_past_<event>``) exist for every Nexus,
Terminal and Vault event, under the official SDK's names; they read bounded ``eth_getLogs``
ranges (no server-side filters), poll fast (0.05 s on a local node) or follow ``newHeads`` over a
WebSocket, survive restarts through :class:`EventCursor`, detect chain reorganisations, retry
transient RPC failures and raise persistent ones. See :mod:`ogpu.events.watcher` for the exact
semantics.

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

from ogpu.events.errors import EventsError, EventsRpcError, ReorgTooDeepError
from ogpu.events.models import (
    EVENT_TYPES,
    AgentSetEvent,
    AttemptedEvent,
    BaseDataUpdatedEvent,
    ChainEvent,
    ClaimedEvent,
    DefaultAgentDisabledEvent,
    DepositedEvent,
    EventCursor,
    LiveDataUpdatedEvent,
    LockedEvent,
    MasterAnnouncedEvent,
    ProviderAnnouncedEvent,
    ProviderRemovedEvent,
    RegisteredEvent,
    RemoveContainerEvent,
    ResponseStatusChangedEvent,
    ResponseSubmittedEvent,
    SanctionedEvent,
    SourcePublishedEvent,
    SourceStatusChangedEvent,
    SourceUpdatedEvent,
    TaskPublishedEvent,
    TaskStatusChangedEvent,
    UnbondedEvent,
    UnbondingCanceledEvent,
    WaivedEvent,
    WithdrawnEvent,
)
from ogpu.events.streams import *  # noqa: F403
from ogpu.events.streams import __all__ as _streams_all
from ogpu.events.watcher import (
    EventWatcher,
    Reorg,
    default_poll_interval,
    get_past_events,
    watch_events,
)
from ogpu.protocol._wait import wait_for_confirmation, wait_for_response, wait_for_task_status

__all__ = [
    "EVENT_TYPES",
    "AgentSetEvent",
    "AttemptedEvent",
    "BaseDataUpdatedEvent",
    "ChainEvent",
    "ClaimedEvent",
    "DefaultAgentDisabledEvent",
    "DepositedEvent",
    "EventCursor",
    "EventWatcher",
    "EventsError",
    "EventsRpcError",
    "LiveDataUpdatedEvent",
    "LockedEvent",
    "MasterAnnouncedEvent",
    "ProviderAnnouncedEvent",
    "ProviderRemovedEvent",
    "RegisteredEvent",
    "RemoveContainerEvent",
    "Reorg",
    "ReorgTooDeepError",
    "ResponseStatusChangedEvent",
    "ResponseSubmittedEvent",
    "SanctionedEvent",
    "SourcePublishedEvent",
    "SourceStatusChangedEvent",
    "SourceUpdatedEvent",
    "TaskPublishedEvent",
    "TaskStatusChangedEvent",
    "UnbondedEvent",
    "UnbondingCanceledEvent",
    "WaivedEvent",
    "WithdrawnEvent",
    "default_poll_interval",
    "get_past_events",
    "wait_for_confirmation",
    "wait_for_response",
    "wait_for_task_status",
    "watch_events",
    *_streams_all,
]
