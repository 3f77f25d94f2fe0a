"""One watcher and one historical query per protocol event, under the official SDK's names.

``watch_<event>(*filters, **options)`` returns an :class:`~ogpu.events.watcher.EventWatcher` (an
async iterator); ``get_past_<event>(*filters, **options)`` is a coroutine returning a list. The
filters select on event fields (``source_address`` on the ``source`` field, ``provider`` on
``provider``, ...), positionally or by name; None means "all"; addresses are compared
case-insensitively. The options are :class:`~ogpu.events.watcher.WatchOptions` /
:class:`~ogpu.events.watcher.PastOptions`; the package docs show an example.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from typing_extensions import Unpack

from ogpu.events import models as m
from ogpu.events.models import ChainEvent, _snake
from ogpu.events.watcher import (
    EventWatcher,
    PastOptions,
    WatchOptions,
    get_past_events,
    watch_events,
)

E = TypeVar("E", bound=ChainEvent)


class _ByEvent(Generic[E]):
    """What a ``watch_*`` / ``get_past_*`` function shares: the event and its filter parameters
    (``<field>_address`` or ``<field>``, each filtering on ``<field>``)."""

    prefix = ""
    what = ""

    def __init__(self, event: type[E], *params: str) -> None:
        self.event = event
        self.params = params
        self.__name__ = self.__qualname__ = f"{self.prefix}{_snake(event.event_name)}"
        self.__module__ = __name__
        on = " and ".join(f"``{p.removesuffix('_address')}``" for p in params)
        self.__doc__ = f"{self.what} ``{event.event_name}`` events, filtered on {on} when given."
        filters = [
            inspect.Parameter(p, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None)
            for p in params
        ]
        options = inspect.Parameter("options", inspect.Parameter.VAR_KEYWORD)
        self.__signature__ = inspect.Signature([*filters, options])

    def _split(
        self, filters: tuple[str | None, ...], options: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if len(filters) > len(self.params):
            raise TypeError(f"{self.__name__}() takes at most {len(self.params)} filter(s)")
        rest = dict(options)
        where: dict[str, Any] = {}
        for i, param in enumerate(self.params):
            value = filters[i] if i < len(filters) else rest.pop(param, None)
            if value is not None:
                where[param.removesuffix("_address")] = value
        return where, rest

    def __repr__(self) -> str:
        return f"<function {self.__name__}{self.__signature__}>"


class EventWatch(_ByEvent[E]):
    """``watch_<event>(*filters, **options)``: a live :class:`EventWatcher` of one event."""

    prefix = "watch_"
    what = "Watch"

    def __call__(self, *filters: str | None, **options: Unpack[WatchOptions]) -> EventWatcher[E]:
        where, rest = self._split(filters, options)
        return watch_events(self.event, where=where, **rest)


class PastEvents(_ByEvent[E]):
    """``get_past_<event>(*filters, **options)``: the past events of one event, in chain order."""

    prefix = "get_past_"
    what = "Past"

    async def __call__(self, *filters: str | None, **options: Unpack[PastOptions]) -> list[E]:
        where, rest = self._split(filters, options)
        return await get_past_events(self.event, where=where, **rest)


def _both(event: type[E], *params: str) -> tuple[EventWatch[E], PastEvents[E]]:
    return EventWatch(event, *params), PastEvents(event, *params)


# Nexus (the first six are the official SDK's watchers)
watch_task_published, get_past_task_published = _both(m.TaskPublishedEvent, "source_address")
watch_attempted, get_past_attempted = _both(m.AttemptedEvent, "task_address")
watch_response_submitted, get_past_response_submitted = _both(
    m.ResponseSubmittedEvent, "task_address"
)
watch_response_status_changed, get_past_response_status_changed = _both(
    m.ResponseStatusChangedEvent, "response_address"
)
watch_task_status_changed, get_past_task_status_changed = _both(
    m.TaskStatusChangedEvent, "task_address"
)
watch_registered, get_past_registered = _both(m.RegisteredEvent, "source_address")
watch_source_published, get_past_source_published = _both(m.SourcePublishedEvent, "source_address")
watch_source_updated, get_past_source_updated = _both(m.SourceUpdatedEvent, "source_address")
watch_source_status_changed, get_past_source_status_changed = _both(
    m.SourceStatusChangedEvent, "source_address"
)

# Terminal
watch_master_announced, get_past_master_announced = _both(
    m.MasterAnnouncedEvent, "provider", "master"
)
watch_provider_announced, get_past_provider_announced = _both(
    m.ProviderAnnouncedEvent, "provider", "master"
)
watch_provider_removed, get_past_provider_removed = _both(m.ProviderRemovedEvent, "provider")
watch_remove_container, get_past_remove_container = _both(
    m.RemoveContainerEvent, "provider", "source"
)
watch_agent_set, get_past_agent_set = _both(m.AgentSetEvent, "account", "agent")
watch_default_agent_disabled, get_past_default_agent_disabled = _both(
    m.DefaultAgentDisabledEvent, "master"
)
watch_base_data_updated, get_past_base_data_updated = _both(m.BaseDataUpdatedEvent, "provider")
watch_live_data_updated, get_past_live_data_updated = _both(m.LiveDataUpdatedEvent, "provider")

# Vault (every event filters on ``account``)
watch_deposited, get_past_deposited = _both(m.DepositedEvent, "account")
watch_withdrawn, get_past_withdrawn = _both(m.WithdrawnEvent, "account")
watch_locked, get_past_locked = _both(m.LockedEvent, "account")
watch_unbonded, get_past_unbonded = _both(m.UnbondedEvent, "account")
watch_unbonding_canceled, get_past_unbonding_canceled = _both(m.UnbondingCanceledEvent, "account")
watch_claimed, get_past_claimed = _both(m.ClaimedEvent, "account")
watch_sanctioned, get_past_sanctioned = _both(m.SanctionedEvent, "account")
watch_waived, get_past_waived = _both(m.WaivedEvent, "account")

__all__ = [
    "EventWatch",
    "PastEvents",
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
