"""The twin driver of the ``ogpu.aio`` tests: one client surface, sync or async."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from ogpu import aio, client
from ogpu.chain import Session


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
