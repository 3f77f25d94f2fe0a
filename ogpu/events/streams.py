"""One watcher and one historical query per protocol event, under the official SDK's names.

``watch_<event>(filter, *, from_block=None, poll_interval=None, cursor=None, confirmations=0, ...)``
returns an :class:`~ogpu.events.watcher.EventWatcher` (an async iterator); ``get_past_<event>(filter,
*, from_block=0, to_block=None, ...)`` returns a list. The filter arguments select on event fields
(addresses compared case-insensitively); None means "all". Options are those of
:func:`~ogpu.events.watcher.watch_events` / :func:`~ogpu.events.watcher.get_past_events`.

Keep these in step with ``ogpu.events.models.EVENT_TYPES`` (a test checks every type has both).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from typing_extensions import Unpack

from ogpu.chain.retry import RetryPolicy
from ogpu.events._rpc import AsyncRpc
from ogpu.events.models import (
    AgentSetEvent,
    AttemptedEvent,
    BaseDataUpdatedEvent,
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
from ogpu.events.watcher import EventWatcher, Reorg, get_past_events, watch_events

__all__ = [
    "PastOptions",
    "WatchOptions",
    "get_past_agent_set",
    "get_past_attempted",
    "get_past_base_data_updated",
    "get_past_claimed",
    "get_past_default_agent_disabled",
    "get_past_deposited",
    "get_past_live_data_updated",
    "get_past_locked",
    "get_past_master_announced",
    "get_past_provider_announced",
    "get_past_provider_removed",
    "get_past_registered",
    "get_past_remove_container",
    "get_past_response_status_changed",
    "get_past_response_submitted",
    "get_past_sanctioned",
    "get_past_source_published",
    "get_past_source_status_changed",
    "get_past_source_updated",
    "get_past_task_published",
    "get_past_task_status_changed",
    "get_past_unbonded",
    "get_past_unbonding_canceled",
    "get_past_waived",
    "get_past_withdrawn",
    "watch_agent_set",
    "watch_attempted",
    "watch_base_data_updated",
    "watch_claimed",
    "watch_default_agent_disabled",
    "watch_deposited",
    "watch_live_data_updated",
    "watch_locked",
    "watch_master_announced",
    "watch_provider_announced",
    "watch_provider_removed",
    "watch_registered",
    "watch_remove_container",
    "watch_response_status_changed",
    "watch_response_submitted",
    "watch_sanctioned",
    "watch_source_published",
    "watch_source_status_changed",
    "watch_source_updated",
    "watch_task_published",
    "watch_task_status_changed",
    "watch_unbonded",
    "watch_unbonding_canceled",
    "watch_waived",
    "watch_withdrawn",
]


class WatchOptions(TypedDict, total=False):
    """Keyword options of the ``watch_*`` functions (see :func:`watch_events`)."""

    from_block: int | None
    cursor: EventCursor | None
    confirmations: int
    poll_interval: float | None
    max_range: int
    reorg_window: int
    include_removed: bool
    on_reorg: Callable[[Reorg], None] | None
    session: Any
    rpc_url: str | None
    websocket: bool | None
    addresses: Mapping[str, str] | None
    rpc: AsyncRpc | None
    retry: RetryPolicy | None


class PastOptions(TypedDict, total=False):
    """Keyword options of the ``get_past_*`` functions (see :func:`get_past_events`)."""

    from_block: int
    to_block: int | None
    confirmations: int
    max_range: int
    session: Any
    rpc_url: str | None
    addresses: Mapping[str, str] | None
    rpc: AsyncRpc | None
    retry: RetryPolicy | None
    concurrency: int


def _where(**fields: str | None) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}


def watch_task_published(
    source_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[TaskPublishedEvent]:
    """Watch ``TaskPublished`` events (official name), filtered on ``source`` when given.

    Example::

        async for ev in watch_task_published(source_address, from_block=0):
            print(ev)
    """
    return watch_events(TaskPublishedEvent, where=_where(source=source_address), **options)


async def get_past_task_published(
    source_address: str | None = None, **options: Unpack[PastOptions]
) -> list[TaskPublishedEvent]:
    """Past ``TaskPublished`` events in chain order, filtered on ``source`` when given.

    Example::

        events = await get_past_task_published(source_address, from_block=0)
    """
    return await get_past_events(TaskPublishedEvent, where=_where(source=source_address), **options)


def watch_attempted(
    task_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[AttemptedEvent]:
    """Watch ``Attempted`` events (official name), filtered on ``task`` when given.

    Example::

        async for ev in watch_attempted(task_address, from_block=0):
            print(ev)
    """
    return watch_events(AttemptedEvent, where=_where(task=task_address), **options)


async def get_past_attempted(
    task_address: str | None = None, **options: Unpack[PastOptions]
) -> list[AttemptedEvent]:
    """Past ``Attempted`` events in chain order, filtered on ``task`` when given.

    Example::

        events = await get_past_attempted(task_address, from_block=0)
    """
    return await get_past_events(AttemptedEvent, where=_where(task=task_address), **options)


def watch_response_submitted(
    task_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[ResponseSubmittedEvent]:
    """Watch ``ResponseSubmitted`` events (official name), filtered on ``task`` when given.

    Example::

        async for ev in watch_response_submitted(task_address, from_block=0):
            print(ev)
    """
    return watch_events(ResponseSubmittedEvent, where=_where(task=task_address), **options)


async def get_past_response_submitted(
    task_address: str | None = None, **options: Unpack[PastOptions]
) -> list[ResponseSubmittedEvent]:
    """Past ``ResponseSubmitted`` events in chain order, filtered on ``task`` when given.

    Example::

        events = await get_past_response_submitted(task_address, from_block=0)
    """
    return await get_past_events(ResponseSubmittedEvent, where=_where(task=task_address), **options)


def watch_response_status_changed(
    response_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[ResponseStatusChangedEvent]:
    """Watch ``ResponseStatusChanged`` events (official name), filtered on ``response`` when given.

    Example::

        async for ev in watch_response_status_changed(response_address, from_block=0):
            print(ev)
    """
    return watch_events(
        ResponseStatusChangedEvent, where=_where(response=response_address), **options
    )


async def get_past_response_status_changed(
    response_address: str | None = None, **options: Unpack[PastOptions]
) -> list[ResponseStatusChangedEvent]:
    """Past ``ResponseStatusChanged`` events in chain order, filtered on ``response`` when given.

    Example::

        events = await get_past_response_status_changed(response_address, from_block=0)
    """
    return await get_past_events(
        ResponseStatusChangedEvent, where=_where(response=response_address), **options
    )


def watch_task_status_changed(
    task_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[TaskStatusChangedEvent]:
    """Watch ``TaskStatusChanged`` events (official name), filtered on ``task`` when given.

    Example::

        async for ev in watch_task_status_changed(task_address, from_block=0):
            print(ev)
    """
    return watch_events(TaskStatusChangedEvent, where=_where(task=task_address), **options)


async def get_past_task_status_changed(
    task_address: str | None = None, **options: Unpack[PastOptions]
) -> list[TaskStatusChangedEvent]:
    """Past ``TaskStatusChanged`` events in chain order, filtered on ``task`` when given.

    Example::

        events = await get_past_task_status_changed(task_address, from_block=0)
    """
    return await get_past_events(TaskStatusChangedEvent, where=_where(task=task_address), **options)


def watch_registered(
    source_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[RegisteredEvent]:
    """Watch ``Registered`` events (official name), filtered on ``source`` when given.

    Example::

        async for ev in watch_registered(source_address, from_block=0):
            print(ev)
    """
    return watch_events(RegisteredEvent, where=_where(source=source_address), **options)


async def get_past_registered(
    source_address: str | None = None, **options: Unpack[PastOptions]
) -> list[RegisteredEvent]:
    """Past ``Registered`` events in chain order, filtered on ``source`` when given.

    Example::

        events = await get_past_registered(source_address, from_block=0)
    """
    return await get_past_events(RegisteredEvent, where=_where(source=source_address), **options)


def watch_source_published(
    source_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[SourcePublishedEvent]:
    """Watch ``SourcePublished`` events, filtered on ``source`` when given.

    Example::

        async for ev in watch_source_published(source_address, from_block=0):
            print(ev)
    """
    return watch_events(SourcePublishedEvent, where=_where(source=source_address), **options)


async def get_past_source_published(
    source_address: str | None = None, **options: Unpack[PastOptions]
) -> list[SourcePublishedEvent]:
    """Past ``SourcePublished`` events in chain order, filtered on ``source`` when given.

    Example::

        events = await get_past_source_published(source_address, from_block=0)
    """
    return await get_past_events(
        SourcePublishedEvent, where=_where(source=source_address), **options
    )


def watch_source_updated(
    source_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[SourceUpdatedEvent]:
    """Watch ``SourceUpdated`` events, filtered on ``source`` when given.

    Example::

        async for ev in watch_source_updated(source_address, from_block=0):
            print(ev)
    """
    return watch_events(SourceUpdatedEvent, where=_where(source=source_address), **options)


async def get_past_source_updated(
    source_address: str | None = None, **options: Unpack[PastOptions]
) -> list[SourceUpdatedEvent]:
    """Past ``SourceUpdated`` events in chain order, filtered on ``source`` when given.

    Example::

        events = await get_past_source_updated(source_address, from_block=0)
    """
    return await get_past_events(SourceUpdatedEvent, where=_where(source=source_address), **options)


def watch_source_status_changed(
    source_address: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[SourceStatusChangedEvent]:
    """Watch ``SourceStatusChanged`` events, filtered on ``source`` when given.

    Example::

        async for ev in watch_source_status_changed(source_address, from_block=0):
            print(ev)
    """
    return watch_events(SourceStatusChangedEvent, where=_where(source=source_address), **options)


async def get_past_source_status_changed(
    source_address: str | None = None, **options: Unpack[PastOptions]
) -> list[SourceStatusChangedEvent]:
    """Past ``SourceStatusChanged`` events in chain order, filtered on ``source`` when given.

    Example::

        events = await get_past_source_status_changed(source_address, from_block=0)
    """
    return await get_past_events(
        SourceStatusChangedEvent, where=_where(source=source_address), **options
    )


def watch_master_announced(
    provider: str | None = None, master: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[MasterAnnouncedEvent]:
    """Watch ``MasterAnnounced`` events, filtered on ``provider`` and ``master`` when given.

    Example::

        async for ev in watch_master_announced(provider, from_block=0):
            print(ev)
    """
    return watch_events(
        MasterAnnouncedEvent, where=_where(provider=provider, master=master), **options
    )


async def get_past_master_announced(
    provider: str | None = None, master: str | None = None, **options: Unpack[PastOptions]
) -> list[MasterAnnouncedEvent]:
    """Past ``MasterAnnounced`` events in chain order, filtered on ``provider`` and ``master`` when given.

    Example::

        events = await get_past_master_announced(provider, from_block=0)
    """
    return await get_past_events(
        MasterAnnouncedEvent, where=_where(provider=provider, master=master), **options
    )


def watch_provider_announced(
    provider: str | None = None, master: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[ProviderAnnouncedEvent]:
    """Watch ``ProviderAnnounced`` events, filtered on ``provider`` and ``master`` when given.

    Example::

        async for ev in watch_provider_announced(provider, from_block=0):
            print(ev)
    """
    return watch_events(
        ProviderAnnouncedEvent, where=_where(provider=provider, master=master), **options
    )


async def get_past_provider_announced(
    provider: str | None = None, master: str | None = None, **options: Unpack[PastOptions]
) -> list[ProviderAnnouncedEvent]:
    """Past ``ProviderAnnounced`` events in chain order, filtered on ``provider`` and ``master`` when given.

    Example::

        events = await get_past_provider_announced(provider, from_block=0)
    """
    return await get_past_events(
        ProviderAnnouncedEvent, where=_where(provider=provider, master=master), **options
    )


def watch_provider_removed(
    provider: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[ProviderRemovedEvent]:
    """Watch ``ProviderRemoved`` events, filtered on ``provider`` when given.

    Example::

        async for ev in watch_provider_removed(provider, from_block=0):
            print(ev)
    """
    return watch_events(ProviderRemovedEvent, where=_where(provider=provider), **options)


async def get_past_provider_removed(
    provider: str | None = None, **options: Unpack[PastOptions]
) -> list[ProviderRemovedEvent]:
    """Past ``ProviderRemoved`` events in chain order, filtered on ``provider`` when given.

    Example::

        events = await get_past_provider_removed(provider, from_block=0)
    """
    return await get_past_events(ProviderRemovedEvent, where=_where(provider=provider), **options)


def watch_remove_container(
    provider: str | None = None, source: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[RemoveContainerEvent]:
    """Watch ``RemoveContainer`` events, filtered on ``provider`` and ``source`` when given.

    Example::

        async for ev in watch_remove_container(provider, from_block=0):
            print(ev)
    """
    return watch_events(
        RemoveContainerEvent, where=_where(provider=provider, source=source), **options
    )


async def get_past_remove_container(
    provider: str | None = None, source: str | None = None, **options: Unpack[PastOptions]
) -> list[RemoveContainerEvent]:
    """Past ``RemoveContainer`` events in chain order, filtered on ``provider`` and ``source`` when given.

    Example::

        events = await get_past_remove_container(provider, from_block=0)
    """
    return await get_past_events(
        RemoveContainerEvent, where=_where(provider=provider, source=source), **options
    )


def watch_agent_set(
    account: str | None = None, agent: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[AgentSetEvent]:
    """Watch ``AgentSet`` events, filtered on ``account`` and ``agent`` when given.

    Example::

        async for ev in watch_agent_set(account, from_block=0):
            print(ev)
    """
    return watch_events(AgentSetEvent, where=_where(account=account, agent=agent), **options)


async def get_past_agent_set(
    account: str | None = None, agent: str | None = None, **options: Unpack[PastOptions]
) -> list[AgentSetEvent]:
    """Past ``AgentSet`` events in chain order, filtered on ``account`` and ``agent`` when given.

    Example::

        events = await get_past_agent_set(account, from_block=0)
    """
    return await get_past_events(
        AgentSetEvent, where=_where(account=account, agent=agent), **options
    )


def watch_default_agent_disabled(
    master: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[DefaultAgentDisabledEvent]:
    """Watch ``DefaultAgentDisabled`` events, filtered on ``master`` when given.

    Example::

        async for ev in watch_default_agent_disabled(master, from_block=0):
            print(ev)
    """
    return watch_events(DefaultAgentDisabledEvent, where=_where(master=master), **options)


async def get_past_default_agent_disabled(
    master: str | None = None, **options: Unpack[PastOptions]
) -> list[DefaultAgentDisabledEvent]:
    """Past ``DefaultAgentDisabled`` events in chain order, filtered on ``master`` when given.

    Example::

        events = await get_past_default_agent_disabled(master, from_block=0)
    """
    return await get_past_events(DefaultAgentDisabledEvent, where=_where(master=master), **options)


def watch_base_data_updated(
    provider: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[BaseDataUpdatedEvent]:
    """Watch ``BaseDataUpdated`` events, filtered on ``provider`` when given.

    Example::

        async for ev in watch_base_data_updated(provider, from_block=0):
            print(ev)
    """
    return watch_events(BaseDataUpdatedEvent, where=_where(provider=provider), **options)


async def get_past_base_data_updated(
    provider: str | None = None, **options: Unpack[PastOptions]
) -> list[BaseDataUpdatedEvent]:
    """Past ``BaseDataUpdated`` events in chain order, filtered on ``provider`` when given.

    Example::

        events = await get_past_base_data_updated(provider, from_block=0)
    """
    return await get_past_events(BaseDataUpdatedEvent, where=_where(provider=provider), **options)


def watch_live_data_updated(
    provider: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[LiveDataUpdatedEvent]:
    """Watch ``LiveDataUpdated`` events, filtered on ``provider`` when given.

    Example::

        async for ev in watch_live_data_updated(provider, from_block=0):
            print(ev)
    """
    return watch_events(LiveDataUpdatedEvent, where=_where(provider=provider), **options)


async def get_past_live_data_updated(
    provider: str | None = None, **options: Unpack[PastOptions]
) -> list[LiveDataUpdatedEvent]:
    """Past ``LiveDataUpdated`` events in chain order, filtered on ``provider`` when given.

    Example::

        events = await get_past_live_data_updated(provider, from_block=0)
    """
    return await get_past_events(LiveDataUpdatedEvent, where=_where(provider=provider), **options)


def watch_deposited(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[DepositedEvent]:
    """Watch ``Deposited`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_deposited(account, from_block=0):
            print(ev)
    """
    return watch_events(DepositedEvent, where=_where(account=account), **options)


async def get_past_deposited(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[DepositedEvent]:
    """Past ``Deposited`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_deposited(account, from_block=0)
    """
    return await get_past_events(DepositedEvent, where=_where(account=account), **options)


def watch_withdrawn(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[WithdrawnEvent]:
    """Watch ``Withdrawn`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_withdrawn(account, from_block=0):
            print(ev)
    """
    return watch_events(WithdrawnEvent, where=_where(account=account), **options)


async def get_past_withdrawn(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[WithdrawnEvent]:
    """Past ``Withdrawn`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_withdrawn(account, from_block=0)
    """
    return await get_past_events(WithdrawnEvent, where=_where(account=account), **options)


def watch_locked(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[LockedEvent]:
    """Watch ``Locked`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_locked(account, from_block=0):
            print(ev)
    """
    return watch_events(LockedEvent, where=_where(account=account), **options)


async def get_past_locked(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[LockedEvent]:
    """Past ``Locked`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_locked(account, from_block=0)
    """
    return await get_past_events(LockedEvent, where=_where(account=account), **options)


def watch_unbonded(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[UnbondedEvent]:
    """Watch ``Unbonded`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_unbonded(account, from_block=0):
            print(ev)
    """
    return watch_events(UnbondedEvent, where=_where(account=account), **options)


async def get_past_unbonded(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[UnbondedEvent]:
    """Past ``Unbonded`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_unbonded(account, from_block=0)
    """
    return await get_past_events(UnbondedEvent, where=_where(account=account), **options)


def watch_unbonding_canceled(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[UnbondingCanceledEvent]:
    """Watch ``UnbondingCanceled`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_unbonding_canceled(account, from_block=0):
            print(ev)
    """
    return watch_events(UnbondingCanceledEvent, where=_where(account=account), **options)


async def get_past_unbonding_canceled(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[UnbondingCanceledEvent]:
    """Past ``UnbondingCanceled`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_unbonding_canceled(account, from_block=0)
    """
    return await get_past_events(UnbondingCanceledEvent, where=_where(account=account), **options)


def watch_claimed(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[ClaimedEvent]:
    """Watch ``Claimed`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_claimed(account, from_block=0):
            print(ev)
    """
    return watch_events(ClaimedEvent, where=_where(account=account), **options)


async def get_past_claimed(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[ClaimedEvent]:
    """Past ``Claimed`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_claimed(account, from_block=0)
    """
    return await get_past_events(ClaimedEvent, where=_where(account=account), **options)


def watch_sanctioned(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[SanctionedEvent]:
    """Watch ``Sanctioned`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_sanctioned(account, from_block=0):
            print(ev)
    """
    return watch_events(SanctionedEvent, where=_where(account=account), **options)


async def get_past_sanctioned(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[SanctionedEvent]:
    """Past ``Sanctioned`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_sanctioned(account, from_block=0)
    """
    return await get_past_events(SanctionedEvent, where=_where(account=account), **options)


def watch_waived(
    account: str | None = None, **options: Unpack[WatchOptions]
) -> EventWatcher[WaivedEvent]:
    """Watch ``Waived`` events, filtered on ``account`` when given.

    Example::

        async for ev in watch_waived(account, from_block=0):
            print(ev)
    """
    return watch_events(WaivedEvent, where=_where(account=account), **options)


async def get_past_waived(
    account: str | None = None, **options: Unpack[PastOptions]
) -> list[WaivedEvent]:
    """Past ``Waived`` events in chain order, filtered on ``account`` when given.

    Example::

        events = await get_past_waived(account, from_block=0)
    """
    return await get_past_events(WaivedEvent, where=_where(account=account), **options)
