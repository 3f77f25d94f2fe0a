"""Handlers for the job tests: honest services (slow, fast, held until a test lets go) and one
that answers fast and wrong."""

from __future__ import annotations

import threading
import time

from pydantic import BaseModel

from ogpu.service import Service

good = Service("good")
bad = Service("bad")


class Numbers(BaseModel):
    a: int
    b: int


class Total(BaseModel):
    total: int


@good.expose(name="add")
def add(data: Numbers) -> Total:
    """The sum, after a short pause (so the wrong answer arrives first)."""
    time.sleep(0.8)
    return Total(total=data.a + data.b)


@bad.expose(name="add")
def add_wrong(data: Numbers) -> Total:
    """Off by one, at once."""
    return Total(total=data.a + data.b + 1)


fast = Service("fast")
gated = Service("gated")
#: ``gated`` answers once a test sets this (or after 60 s)
GATE = threading.Event()


@fast.expose(name="add")
def add_fast(data: Numbers) -> Total:
    """The sum, at once."""
    return Total(total=data.a + data.b)


@gated.expose(name="add")
def add_gated(data: Numbers) -> Total:
    """The sum, once :data:`GATE` is set (a task held ATTEMPTED for as long as a test needs)."""
    GATE.wait(60)
    return Total(total=data.a + data.b)
