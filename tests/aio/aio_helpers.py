"""Helpers of the ``ogpu.aio`` tests (plain functions and the twin driver, no fixtures)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from ogpu import aio, client
from ogpu.chain import Session
from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput

ETH = 10**18


def source_info(**changes: Any) -> SourceInfo:
    fields: dict[str, Any] = {
        "name": "aio",
        "description": "aio tests",
        "logoUrl": "",
        "imageEnvs": ImageEnvironments(cpu="https://example.com/compose.yml"),
        "minPayment": 10**15,
        "minAvailableLockup": 0,
        "maxExpiryDuration": 3600,
    }
    fields.update(changes)
    return SourceInfo(**fields)


def task_info(source: Any, cs: Session, **changes: Any) -> TaskInfo:
    fields: dict[str, Any] = {
        "source": getattr(source, "address", source),
        "config": TaskInput("analyze", {"text": "great"}),
        "expiryTime": cs.timestamp("latest") + 600,
        "payment": 10**16,
    }
    fields.update(changes)
    return TaskInfo(**fields)


class Twin:
    """One client surface: ``call(name, ...)`` runs ``ogpu.client.name`` (sync) or awaits
    ``ogpu.aio.name`` on the test's loop; live objects come back as the synchronous object."""

    def __init__(
        self, kind: str, cs: Session, acs: aio.AsyncSession, loop: asyncio.AbstractEventLoop
    ) -> None:
        self.kind, self.cs, self.acs, self.loop = kind, cs, acs, loop

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.loop.run_until_complete(coro)

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "sync":
            fn: Callable[..., Any] = getattr(client, name)
            return self.plain(fn(*args, session=self.cs, **kwargs))
        return self.plain(self.run(getattr(aio, name)(*args, session=self.acs, **kwargs)))

    def wait(self, pending: Any, timeout: float = 30) -> Any:
        if self.kind == "sync":
            return self.plain(pending.wait(timeout))
        return self.plain(self.run(pending.wait(timeout)))

    @staticmethod
    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return [Twin.plain(v) for v in value]
        return value.sync if isinstance(value, aio.AsyncObject) else value
