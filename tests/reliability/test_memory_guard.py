"""The memory guard used by the size-cap tests stops a runaway allocation fast."""

from __future__ import annotations

import contextlib
import time

import pytest
from support.memory import MemoryGuardExceeded, memory_guard


def test_a_runaway_allocation_is_stopped_near_the_limit() -> None:
    held: list[bytes] = []
    started = time.monotonic()
    with pytest.raises(MemoryGuardExceeded), memory_guard(8 << 20):
        while True:  # a broken cap: reads forever
            # code under test that swallows errors cannot hide it
            with contextlib.suppress(Exception):
                held.append(bytes(65536))
    assert len(held) * 65536 < 64 << 20
    assert time.monotonic() - started < 10


def test_a_bounded_block_passes() -> None:
    with memory_guard(8 << 20):
        data = [bytes(65536) for _ in range(16)]
    assert len(data) == 16
