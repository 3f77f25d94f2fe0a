"""The devnet's processes: start them detached, tell whether a recorded pid is still ours, stop them.

A :class:`Supervisor` holds the :class:`subprocess.Popen` of every service this Python process
started, so stopping one also reaps it (no zombies while a test session runs a devnet). Processes
started by another ``ogpu devnet`` command are stopped by pid, after checking that the pid still
runs the service's program (after a reboot the number may belong to something else).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ogpu.devnet.manifest import log_path
from ogpu.devnet.node import pid_alive, spawn_logged, stop_pid, tail_log

__all__ = ["ExtraService", "Supervisor", "follow_logs", "http_ok", "owned_alive", "tail_log"]

#: Substrings of the built-in services' command lines.
BUILTIN_MARKERS: dict[str, str] = {"anvil": "anvil", "ipfs": "ogpu.devnet.ipfs_store"}


@dataclass(frozen=True)
class ExtraService:
    """A further process ``up`` starts after the chain and IPFS, and ``down`` stops.

    ``start(home, manifest)`` launches a *detached* process (logging to ``log_path(home, name)``)
    and returns it (or its pid); ``manifest`` is complete except for ``pids``.
    ``healthy(manifest)`` says whether it works (default: the process is alive). ``marker`` is a
    substring of its command line, recorded in the manifest so any later command can stop it.

    Example::

        up(services=[ExtraService("provider", start_provider, marker="ogpu.provider")])
    """

    name: str
    start: Callable[[Path, Mapping[str, Any]], int | subprocess.Popen[bytes]]
    marker: str
    healthy: Callable[[Mapping[str, Any]], bool] | None = None


def owned_alive(pid: int | None, marker: str) -> bool:
    """True when ``pid`` is alive and its command line contains ``marker``."""
    if not pid or not pid_alive(pid):
        return False
    if not Path("/proc/self").exists():
        return True  # no /proc (macOS): trust the pid
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return marker in cmd.replace(b"\0", b" ").decode(errors="replace")


def marker_of(name: str, manifest: Mapping[str, Any]) -> str:
    """The command-line marker of service ``name`` in a devnet described by ``manifest``."""
    recorded = (manifest.get("markers") or {}).get(name)
    return str(recorded or BUILTIN_MARKERS.get(name) or "ogpu")


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """True when ``url`` answers 2xx (local services only: no proxy from the environment)."""
    try:
        return httpx.get(url, timeout=timeout, trust_env=False).is_success
    except (httpx.HTTPError, OSError, ValueError):
        return False


class Supervisor:
    """The devnet processes started by this Python process (``up`` returns it in its result).

    Example::

        info = up(home)
        info.supervisor.pids()   # {pid: 'anvil', ...}
        down(home, supervisor=info.supervisor)
    """

    def __init__(self) -> None:
        self._children: dict[int, tuple[str, subprocess.Popen[bytes]]] = {}

    def adopt(self, name: str, proc: subprocess.Popen[bytes]) -> int:
        """Keep ``proc`` (service ``name``) so that stopping it also reaps it; returns its pid."""
        self._children[proc.pid] = (name, proc)
        return proc.pid

    def pids(self) -> dict[int, str]:
        """The pids this supervisor started and has not stopped, with their service names."""
        return {pid: name for pid, (name, _) in self._children.items()}

    def stop(self, pid: int | None, marker: str, timeout: float = 5.0) -> bool:
        """Stop one service by pid (terminate → wait → kill). True if it was running."""
        if not pid:
            return False
        was = owned_alive(pid, marker)
        if was:
            stop_pid(pid, timeout=timeout)
        _, child = self._children.pop(pid, ("", None))
        if child is not None:
            if child.poll() is None:
                child.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=timeout)
        return was

    def stop_all(self, manifest: Mapping[str, Any]) -> list[str]:
        """Stop the services a manifest names, last started first; the names that were running."""
        pids: Mapping[str, Any] = manifest.get("pids") or {}
        return [
            name
            for name in reversed(list(pids))
            if self.stop(int(pids[name]) if pids[name] else None, marker_of(name, manifest))
        ]

    def start_ipfs(self, home: Path, host: str, port: int) -> subprocess.Popen[bytes]:
        """Start the devnet IPFS store (data in ``<home>/ipfs``)."""
        args = [sys.executable, "-m", "ogpu.devnet.ipfs_store", "--data-dir", str(home / "ipfs")]
        args += ["--host", host, "--port", str(port)]
        proc = spawn_logged(args, log_path(home, "ipfs"))
        self.adopt("ipfs", proc)
        return proc


def follow_logs(
    paths: Mapping[str, Path],
    *,
    poll_s: float = 0.25,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[str, str]]:
    """Yield ``(service, line)`` for lines appended to the logs from now on, until ``should_stop``.

    Example::

        for service, line in follow_logs({"anvil": log_path(None, "anvil")}):
            print(service, line)
    """

    def size(p: Path) -> int:
        try:
            return p.stat().st_size
        except FileNotFoundError:
            return 0

    offsets = {name: size(p) for name, p in paths.items()}
    partial: dict[str, str] = dict.fromkeys(paths, "")
    while not should_stop():
        got = False
        for name, p in paths.items():
            size_now = size(p)
            if size_now < offsets[name]:
                offsets[name] = 0  # truncated / replaced
            if size_now == offsets[name]:
                continue
            with open(p, "rb") as f:
                f.seek(offsets[name])
                chunk = f.read(size_now - offsets[name])
            offsets[name] = size_now
            text = partial[name] + chunk.decode(errors="replace")
            *complete, partial[name] = text.split("\n")
            for line in complete:
                got = True
                yield name, line
        if not got:
            time.sleep(poll_s)
