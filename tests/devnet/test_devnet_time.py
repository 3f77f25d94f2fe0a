"""The devnet's clock follows the wall clock while nothing happens (anvil's mixed mining), so an
overdue task can be cancelled without unrelated traffic, and the command line reports the status
the chain reports."""

from __future__ import annotations

import json
import time

from support.world import World
from typer.testing import CliRunner, Result

from ogpu.chain import Session
from ogpu.chain.networks import load_devnet_manifest
from ogpu.devnet.manager import IDLE_BLOCK_S, DevnetInfo
from ogpu.protocol import Task
from ogpu.types import TaskStatus


def ogpu(*args: str) -> Result:
    from ogpu.cli.app import app

    return CliRunner().invoke(app, ["--network", "devnet", *args])


def _json(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_idle_chain_keeps_time(devnet: DevnetInfo) -> None:
    session = Session(load_devnet_manifest(devnet.manifest_path))
    try:
        before = session.block_number(), session.timestamp()
        time.sleep(3 * IDLE_BLOCK_S)
        after = session.block_number(), session.timestamp()
    finally:
        session.close()
    # Blocks were mined without transactions and the chain's clock moved with the wall clock.
    # (Not compared with time.time(): each evm_revert of the fixture sets anvil's clock back to
    # the snapshot's time, so the chain runs behind the wall by the reverted tests' duration.)
    assert after[0] >= before[0] + 2 and after[1] >= before[1] + 2
    assert devnet.manifest["idle_block_s"] == IDLE_BLOCK_S and devnet.manifest["block_time"] is None


def test_overdue_attempted_task_is_cancelled_without_other_traffic(devnet: DevnetInfo) -> None:
    session = Session(load_devnet_manifest(devnet.manifest_path))
    try:
        world = World(session)
        source = world.publish_source()
        world.register(source)
        start = session.block_number()
        t0 = time.monotonic()
        task = world.publish_task(source, ttl=3)
        world.attempt(task)
        assert task.get_status() is TaskStatus.ATTEMPTED
        time.sleep(max(0.0, 3 + 2 * IDLE_BLOCK_S - (time.monotonic() - t0)))
        assert session.timestamp() > task.get_expiry_time()

        cancel = _json(ogpu("--json", "task", "cancel", task.address, "--yes"))
        chain = Task(task.address, session).get_status()
        shown = _json(ogpu("--json", "task", "show", task.address))
        assert session.block_number() > start
    finally:
        session.close()
    assert chain is TaskStatus.EXPIRED
    assert shown["status"] == chain.name
    assert cancel.get("status", chain.name) == chain.name
