"""Fixtures for the contract tests; ``anvil``, ``w3`` and ``deployment`` come from ogpu's pytest plugin."""

from __future__ import annotations

import pytest
from web3 import Web3

from ogpu.devnet.deploy import Deployment

from .helpers import ETH, Protocol, addr, pair, publish_source, send


@pytest.fixture
def p(w3: Web3, deployment: Deployment) -> Protocol:
    """The deployed protocol (state reverted after each test by the plugin's snapshot)."""
    return Protocol(w3, deployment)


@pytest.fixture
def funded(p: Protocol) -> Protocol:
    """`client` and `client2` each hold 1 OGPU in the vault; `provider`/`master` are paired."""
    send(p.w3, "client", p.vault.functions.deposit(addr("client")), value=ETH)
    send(p.w3, "client2", p.vault.functions.deposit(addr("client2")), value=ETH)
    pair(p, "provider", "master")
    pair(p, "provider2", "master2")
    return p


@pytest.fixture
def fr_source(funded: Protocol) -> str:
    """A FIRST_RESPONSE source of `client` with `provider` and `provider2` registered (CPU)."""
    p = funded
    s = publish_source(p, delivery=1)
    send(p.w3, "master", p.nexus.functions.register(s, addr("provider"), 1))
    send(p.w3, "master2", p.nexus.functions.register(s, addr("provider2"), 1))
    return s


@pytest.fixture
def manual_source(funded: Protocol) -> str:
    """A MANUAL_CONFIRMATION source of `client` with `provider` and `provider2` registered (CPU)."""
    p = funded
    s = publish_source(p, delivery=0)
    send(p.w3, "master", p.nexus.functions.register(s, addr("provider"), 1))
    send(p.w3, "master2", p.nexus.functions.register(s, addr("provider2"), 1))
    return s
