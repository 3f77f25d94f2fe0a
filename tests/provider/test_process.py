"""The runtime as a process (``python -m ogpu.provider``): SIGTERM drains in-flight work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from provider_helpers import publish, wait_for
from support.world import World, devnet_home

from ogpu.chain.networks import Network
from ogpu.devnet.accounts import dev_account
from ogpu.types import DeliveryMethod, TaskStatus

P1 = dev_account("provider").address


def test_sigterm_finishes_in_flight_task_then_exits(
    store_world: World, store_net: Network, tmp_path: Path
) -> None:
    store_world.pair()
    store_world.fund()
    source = store_world.publish_source(delivery=DeliveryMethod.FIRST_RESPONSE)
    home = tmp_path / "devnet"
    devnet_home(store_net, home)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PRIVATE_KEY")}
    env["OGPU_DEVNET_HOME"] = str(home)
    log = tmp_path / "provider.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ogpu.provider",
                "--network",
                "devnet",
                "--source",
                f"{source.address}=ogpu.devnet.demo_handlers",
                "--state-dir",
                str(tmp_path / "state"),
                "--live-data-interval",
                "0",
                "--drain-timeout",
                "20",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        wait_for("the provider to start", lambda: "serving 1 source" in log.read_text(), 30)
        task = publish(store_world, source, "echo", {"payload": "slow", "sleep_seconds": 1.0})
        wait_for("the attempt", lambda: task.get_attempter_id(P1), 20)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert "received SIGTERM" in text and "responded in" in text, text
    assert task.get_status() is TaskStatus.FINALIZED
    assert task.get_winning_provider() == P1
    assert "0 abandoned" in text and "abandoned at shutdown" not in text
