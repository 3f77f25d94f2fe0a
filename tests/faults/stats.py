"""Process-wide counters of the reliability suite, printed in the terminal summary.

Proxies add the faults they fired when they stop; tests add calls made, duplicates found, wei
unaccounted and fuzz examples run. ``tests/reliability/conftest.py`` prints :data:`STATS`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["STATS", "Stats"]


@dataclass
class Stats:
    """Counters (thread-safe)."""

    calls: int = 0
    failed_calls: int = 0
    ambiguous_calls: int = 0
    duplicates: int = 0
    wei_unaccounted: int = 0
    fuzz_examples: int = 0
    restarts: int = 0
    events_checked: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self._lock:
            for name, value in counts.items():
                setattr(self, name, getattr(self, name) + value)

    def add_faults(self, fired: Mapping[Any, int]) -> None:
        with self._lock:
            for kind, n in fired.items():
                self.faults[str(getattr(kind, "value", kind))] += n

    def note(self, text: str) -> None:
        with self._lock:
            self.notes.append(text)

    @property
    def total_faults(self) -> int:
        return sum(self.faults.values())

    def lines(self) -> list[str]:
        kinds = ", ".join(f"{k}={v}" for k, v in sorted(self.faults.items())) or "none"
        return [
            f"calls made: {self.calls} (failed with a typed error: {self.failed_calls}, "
            f"of which ambiguous with tx hash: {self.ambiguous_calls})",
            f"faults injected: {self.total_faults} ({kinds}); node restarts: {self.restarts}",
            f"duplicates found: {self.duplicates}",
            f"wei unaccounted: {self.wei_unaccounted}",
            f"events checked: {self.events_checked}",
            f"fuzz examples run: {self.fuzz_examples}",
            *self.notes,
        ]


STATS = Stats()
