"""An anvil node that can be restarted in place (same port, same chain) for fault tests.

anvil ``--state PATH`` loads the state from PATH at start and dumps it there on a clean exit
(SIGTERM), so :meth:`RestartableAnvil.restart` stops the node, waits for the dump and starts a new
process on the same port with the same file: contracts, balances, blocks and nonces survive.
Pending (unmined) transactions do not.

Example::

    node = RestartableAnvil.start(tmp_path / "state.json")
    with FaultProxy(node.url, restart_hook=node.restart) as proxy:
        ...  # proxy.restart() or Rule(Fault.RESTART, nth=40)
    node.stop()
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ogpu.devnet.node import AnvilNode

__all__ = ["RestartableAnvil"]


class RestartableAnvil:
    """A restartable anvil with ``--state`` persistence; ``down_for`` seconds between stop/start."""

    def __init__(self, state_path: Path, log_path: Path | None = None, down_for: float = 0.0):
        self.state_path = Path(state_path)
        self.log_path = log_path
        self.down_for = down_for
        self.restarts = 0
        self._lock = threading.Lock()
        self.node: AnvilNode = AnvilNode.start(state_path=self.state_path, log_path=log_path)
        self.port = self.node.port

    @classmethod
    def start(
        cls, state_path: Path, log_path: Path | None = None, down_for: float = 0.0
    ) -> RestartableAnvil:
        return cls(state_path, log_path, down_for)

    @property
    def url(self) -> str:
        return str(self.node.url)

    def restart(self) -> None:
        """Stop (state dumped), optionally stay down ``down_for`` s, start on the same port."""
        from faults.stats import STATS

        with self._lock:
            self.node.stop(timeout=10.0)
            if self.down_for:
                time.sleep(self.down_for)
            deadline = time.monotonic() + 10
            while True:
                try:
                    self.node = AnvilNode.start(
                        self.port, state_path=self.state_path, log_path=self.log_path
                    )
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)  # port still in TIME_WAIT / being released
            self.restarts += 1
            STATS.add(restarts=1)

    def stop(self) -> None:
        self.node.stop()
