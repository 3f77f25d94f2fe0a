"""Fixtures of the service tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_test_helpers import CallbackReceiver, make_service

from ogpu.service import Service


@pytest.fixture
def service() -> Service:
    """A fresh isolated service with ``add``, ``boom``, ``shout`` (async) and ``big``."""
    return make_service()


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    """A local HTTP server recording callback POSTs."""
    r = CallbackReceiver()
    try:
        yield r
    finally:
        r.close()
