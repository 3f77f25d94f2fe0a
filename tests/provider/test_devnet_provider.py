"""`ogpu devnet up` with the provider service: two demo sources served by a provider process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from provider_helpers import publish, wait_for
from support.world import World

from ogpu.chain import Session
from ogpu.chain.networks import load_devnet_manifest
from ogpu.devnet import manager, provider_service
from ogpu.devnet.accounts import dev_account
from ogpu.devnet.node import free_port, pid_alive
from ogpu.protocol import Source
from ogpu.types import DeliveryMethod, TaskStatus

P1 = dev_account("provider").address


@pytest.fixture
def devnet_home(tmp_path: Path) -> Iterator[Path]:
    home = tmp_path / "devnet"
    try:
        yield home
    finally:
        manager.down(home)


def test_devnet_up_serves_two_demo_sources(devnet_home: Path) -> None:
    port = free_port()
    ipfs_port = free_port()
    while ipfs_port == port:
        ipfs_port = free_port()
    info = manager.up(
        devnet_home, port=port, ipfs_port=ipfs_port, services=[provider_service.service()]
    )
    m = manager.read_manifest(devnet_home)
    demo = m["demo_sources"]
    assert m["demo_source"] == demo["first_response"] and set(demo) == {"first_response", "manual"}
    assert set(m["pids"]) == {"anvil", "ipfs", "provider"} and m["logs"]["provider"]
    session = Session(load_devnet_manifest(manager.manifest_path(devnet_home)))
    try:
        world = World(session)
        first = Source(demo["first_response"], session)
        manual = Source(demo["manual"], session)
        assert first.get_params().deliveryMethod == DeliveryMethod.FIRST_RESPONSE
        assert manual.get_params().deliveryMethod == DeliveryMethod.MANUAL_CONFIRMATION
        t1 = publish(world, first, "sentiment", {"text": "wonderful"})
        t2 = publish(world, manual, "hash", {"text": "abc"})
        wait_for("the FIRST_RESPONSE answer", lambda: t1.get_status() is TaskStatus.FINALIZED, 60)
        wait_for("the MANUAL answer", lambda: t2.get_status() is TaskStatus.RESPONDED, 60)
        assert t1.get_winning_provider() == P1 and t2.get_response_of(P1) is not None
        assert manager.status(devnet_home).running
    finally:
        session.close()
    log = Path(m["logs"]["provider"]).read_text()
    assert "responded in" in log
    pid = info.pids.get("provider") or m["pids"]["provider"]
    assert manager.down(devnet_home)[0] == "provider"
    assert not pid_alive(int(pid))
