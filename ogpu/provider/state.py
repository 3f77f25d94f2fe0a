"""The provider runtime's state file: event cursor, tasks in progress, tasks already handled.

One JSON file per provider address (``<state_dir>/<address>.json``), rewritten atomically and
synced to disk on every change.
It is what makes restarts safe: the watcher resumes after ``cursor``; tasks left in ``pending``
are looked at again; tasks in ``handled`` are never processed again.

Example::

    st = ProviderState.load(Path("~/.ogpu/provider"), provider, chain_id=31337, nexus=nexus)
    st.pending, st.outcome(task_address)
    # ([], 'responded')
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from ogpu.events.models import EventCursor
from ogpu.files import atomic_write

__all__ = ["MAX_HANDLED", "ProviderState", "default_state_dir"]

log = logging.getLogger("ogpu.provider")

STATE_VERSION = 1
#: How many handled tasks the state file remembers (oldest forgotten first).
MAX_HANDLED = 50_000


def default_state_dir() -> Path:
    """``$OGPU_PROVIDER_STATE_DIR`` or ``~/.ogpu/provider``."""
    env = os.environ.get("OGPU_PROVIDER_STATE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".ogpu" / "provider"


class ProviderState:
    """Thread-safe in-memory state mirrored to a JSON file."""

    def __init__(self, path: Path, provider: str, chain_id: int, nexus: str) -> None:
        self.path = path
        self.provider = provider
        self.chain_id = chain_id
        self.nexus = nexus
        self.cursor: EventCursor | None = None
        self.from_block: int | None = None
        self._pending: dict[str, None] = {}
        self._handled: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.RLock()

    @classmethod
    def load(cls, state_dir: Path, provider: str, *, chain_id: int, nexus: str) -> ProviderState:
        """Read ``<state_dir>/<provider>.json`` (a fresh state when absent, unreadable or written
        for another chain/deployment)."""
        st = cls(Path(state_dir) / f"{provider}.json", provider, chain_id, nexus)
        try:
            data = json.loads(st.path.read_text())
        except FileNotFoundError:
            return st
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable provider state %s: %s", st.path, exc)
            return st
        if not isinstance(data, dict):
            return st
        if data.get("chain_id") != chain_id or str(data.get("nexus", "")).lower() != nexus.lower():
            log.warning(
                "provider state %s belongs to another deployment (chain %s, nexus %s); starting fresh",
                st.path,
                data.get("chain_id"),
                data.get("nexus"),
            )
            return st
        cur = data.get("cursor")
        with contextlib.suppress(KeyError, TypeError, ValueError):
            st.cursor = EventCursor.from_dict(cur) if isinstance(cur, dict) else None
        fb = data.get("from_block")
        st.from_block = int(fb) if isinstance(fb, int) else None
        st._pending = dict.fromkeys(str(t) for t in data.get("pending") or [])
        handled = data.get("handled") or {}
        if isinstance(handled, dict):
            st._handled = OrderedDict((str(k), str(v)) for k, v in handled.items())
        return st

    # -- queries ---------------------------------------------------------------------------

    @property
    def pending(self) -> list[str]:
        with self._lock:
            return list(self._pending)

    def outcome(self, task: str) -> str | None:
        """How ``task`` ended (``"responded"``, ``"failed"``, ``"skipped: …"``…), or None."""
        with self._lock:
            return self._handled.get(task.lower())

    # -- updates (each one saves) ----------------------------------------------------------

    def add_pending(self, task: str, cursor: EventCursor | None = None) -> None:
        with self._lock:
            self._pending[task.lower()] = None
            if cursor is not None:
                self.cursor = cursor
            self.save()

    def set_cursor(self, cursor: EventCursor) -> None:
        with self._lock:
            self.cursor = cursor
            self.save()

    def finish(self, task: str, outcome: str) -> None:
        with self._lock:
            key = task.lower()
            self._pending.pop(key, None)
            self._handled[key] = outcome
            self._handled.move_to_end(key)
            while len(self._handled) > MAX_HANDLED:
                self._handled.popitem(last=False)
            self.save()

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "version": STATE_VERSION,
                "provider": self.provider,
                "chain_id": self.chain_id,
                "nexus": self.nexus,
                "cursor": self.cursor.to_dict() if self.cursor is not None else None,
                "from_block": self.from_block,
                "pending": list(self._pending),
                "handled": dict(self._handled),
            }

    def save(self) -> None:
        """Write the file atomically and durably (see :func:`ogpu.files.atomic_write`)."""
        with self._lock:
            atomic_write(self.path, json.dumps(self.to_dict(), separators=(",", ":")))
