"""Handlers for the job tests: one honest service, one that answers fast and wrong."""

from __future__ import annotations

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
