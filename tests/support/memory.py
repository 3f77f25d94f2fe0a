"""A memory guard for tests of size caps: a broken cap must fail the test fast, not eat the
machine's memory (an endless stream read without a working cap grows without bound).

``with memory_guard(32 << 20): ...`` traces Python allocations; as soon as the traced memory
exceeds the limit, :class:`MemoryGuardExceeded` is raised inside the guarded thread (a
``BaseException``, so ``except Exception`` in the code under test cannot swallow it), and the
guard also fails on exit if the peak went over the limit.
"""

from __future__ import annotations

import ctypes
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["MemoryGuardExceeded", "memory_guard"]


class MemoryGuardExceeded(BaseException):
    """The guarded block allocated more than its limit."""


def _raise_in(thread_id: int, exc: type[BaseException]) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(exc))


@contextmanager
def memory_guard(limit: int, *, poll: float = 0.005) -> Iterator[None]:
    """Fail the block once Python allocations traced inside it exceed ``limit`` bytes."""
    started_here = not tracemalloc.is_tracing()
    if started_here:
        tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    target = threading.get_ident()
    done = threading.Event()
    tripped = threading.Event()

    def watch() -> None:
        while not done.wait(poll):
            if tracemalloc.get_traced_memory()[0] - base > limit:
                tripped.set()
                _raise_in(target, MemoryGuardExceeded)
                return

    watcher = threading.Thread(target=watch, name="memory-guard", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()
        _, peak = tracemalloc.get_traced_memory()
        if started_here:
            tracemalloc.stop()
    if tripped.is_set() or peak - base > limit:
        raise MemoryGuardExceeded(f"allocated {peak - base} bytes, limit {limit}")
