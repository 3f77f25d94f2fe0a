"""Helpers shared by the client tests (plain functions, no fixtures); the valid models come from
tests/support/world.py."""

from __future__ import annotations

from support.world import COMPOSE, ETH, source_info, task_info

from ogpu.chain import Session

__all__ = ["COMPOSE", "ETH", "now", "source_info", "task_info"]


def now(cs: Session) -> int:
    return cs.timestamp("latest")
