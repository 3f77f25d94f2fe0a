"""Start, watch and stop a local anvil node.

The launcher finds anvil (``OGPU_ANVIL``, the project's ``node_modules``, then ``PATH``), starts it on a
free or chosen port with its log on disk, waits until it answers JSON-RPC, and stops it with
terminate → wait → kill. Used by the devnet, the test fixtures and the benchmarks.

Example::

    with AnvilNode.start() as node:
        print(node.url)   # http://127.0.0.1:<port>
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import socket
import subprocess
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ogpu.devnet.accounts import DEV_MNEMONIC
from ogpu.devnet.errors import (
    DevnetAnvilNotFoundError,
    DevnetError,
    DevnetPortInUseError,
    DevnetStartError,
    DevnetUnreachableError,
    one_line,
)
from ogpu.files import open_log

if TYPE_CHECKING:
    from ogpu.rpc import RpcClient

__all__ = [
    "AnvilError",
    "AnvilNode",
    "AnvilNotFoundError",
    "PortInUseError",
    "find_anvil",
    "free_port",
    "port_is_free",
    "rpc_answers",
    "rpc_call",
]


# The node's errors are the devnet's (one hierarchy, no translation between layers).
AnvilError = DevnetError
AnvilNotFoundError = DevnetAnvilNotFoundError
PortInUseError = DevnetPortInUseError


def _platform_package() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return f"anvil-{platform.system().lower()}-{arch}"


def _search_roots() -> list[Path]:
    roots = (Path.cwd(), Path(__file__).resolve().parents[2])
    return list(dict.fromkeys(p for root in roots for p in (root, *root.parents)))


def find_anvil() -> str:
    """Path of the anvil executable.

    Looks at ``$OGPU_ANVIL``, then ``node_modules/@foundry-rs/<platform>/bin/anvil`` in the current
    directory, the project checkout and their parents, then ``PATH``.
    """
    env = os.environ.get("OGPU_ANVIL")
    if env:
        if Path(env).is_file() and os.access(env, os.X_OK):
            return env
        raise AnvilNotFoundError(
            f"OGPU_ANVIL={env} is not an executable file; fix the path or unset it"
        )
    pkg = _platform_package()
    for root in _search_roots():
        candidate = root / "node_modules" / "@foundry-rs" / pkg / "bin" / "anvil"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    on_path = shutil.which("anvil")
    if on_path:
        return on_path
    raise AnvilNotFoundError(
        "anvil not found: run `npm ci --ignore-scripts` in the ogpu checkout, install foundry, "
        "or set OGPU_ANVIL to the anvil executable"
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on ``host:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


_CLIENTS: OrderedDict[tuple[str, float], RpcClient] = OrderedDict()
_CLIENTS_LOCK = threading.Lock()
_MAX_CLIENTS = 16


def _client(url: str, timeout: float) -> RpcClient:
    """A kept-alive client per (url, timeout): building one costs tens of milliseconds."""
    from ogpu.rpc import RpcClient

    key = (url, float(timeout))
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = RpcClient(url, timeout=timeout)
            while len(_CLIENTS) > _MAX_CLIENTS:
                _CLIENTS.popitem(last=False)[1].close()
        _CLIENTS.move_to_end(key)
        return client


def rpc_call(url: str, method: str, params: list[Any] | None = None, timeout: float = 5.0) -> Any:
    """One JSON-RPC request, one attempt, on the SDK's client (:class:`ogpu.rpc.RpcClient`).

    An error reply raises ``AnvilError``; a node that cannot be reached raises
    :class:`DevnetUnreachableError` (both :class:`~ogpu.devnet.errors.DevnetError`).
    """
    import httpx

    from ogpu.rpc import MalformedReplyError, RpcError

    try:
        return _client(url, timeout).request(method, params or [], retry=False)
    except RpcError as exc:
        raise AnvilError(f"{method} failed: {exc.message}") from None
    except (httpx.TransportError, httpx.HTTPStatusError, MalformedReplyError) as exc:
        raise DevnetUnreachableError(
            f"no JSON-RPC node answers at {url} ({type(exc).__name__})"
        ) from None


def rpc_answers(url: str) -> bool:
    """True when a JSON-RPC node answers at ``url`` (within 1 s)."""
    try:
        rpc_call(url, "eth_chainId", timeout=1.0)
    except DevnetError:
        return False
    return True


@dataclass
class AnvilNode:
    """A running anvil process (or a handle on one started earlier, when ``process`` is None)."""

    url: str
    port: int
    host: str = "127.0.0.1"
    pid: int | None = None
    log_path: Path | None = None
    state_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def start(
        cls,
        port: int | None = None,
        *,
        host: str = "127.0.0.1",
        block_time: float | None = None,
        state_path: str | os.PathLike[str] | None = None,
        log_path: str | os.PathLike[str] | None = None,
        chain_id: int = 31337,
        gas_limit: int | None = None,
        extra_args: list[str] | None = None,
        timeout: float = 15.0,
        detach: bool = False,
    ) -> AnvilNode:
        """Start anvil and wait until it answers ``eth_chainId``.

        ``block_time`` None means automine (a block per transaction); ``state_path`` makes anvil load
        and dump its state there (persists the chain across restarts); ``detach`` starts it in its own
        session so it outlives this process (the devnet uses that).
        """
        anvil = find_anvil()
        if port is None:
            port = free_port(host)
        elif not port_is_free(port, host):
            raise PortInUseError(
                f"port {port} is already in use; stop what listens there or choose another with --port"
            )
        args = [
            anvil,
            "--host", host,
            "--port", str(port),
            "--chain-id", str(chain_id),
            "--accounts", "10",
            "--balance", "10000",
            "--mnemonic", DEV_MNEMONIC,
            # States older than anvil's in-memory window (about 500 blocks) would otherwise be
            # written under ~/.foundry/anvil/tmp, gigabytes over a long chain, and never removed.
            "--max-persisted-states", "0",
        ]  # fmt: skip
        if block_time is not None:
            args += ["--block-time", str(block_time)]
        if gas_limit is not None:
            args += ["--gas-limit", str(gas_limit)]
        state = Path(state_path) if state_path is not None else None
        if state is not None:
            state.parent.mkdir(parents=True, exist_ok=True)
            args += ["--state", str(state)]
        args += extra_args or []
        log = Path(log_path) if log_path is not None else None
        proc = spawn_logged(args, log, detach=detach)
        url = f"http://{host}:{port}"
        node = cls(url, port, host, proc.pid, log, state, proc)
        try:
            wait_started(proc, "anvil", lambda: rpc_answers(url), log, timeout, poll=0.02)
        except DevnetStartError:
            node.stop()
            raise
        return node

    def is_alive(self) -> bool:
        """True when the node answers JSON-RPC."""
        return rpc_answers(self.url)

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        """A raw JSON-RPC call to this node."""
        return rpc_call(self.url, method, params)

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate → wait → kill. Safe to call twice and on a node that already died."""
        if self.process is not None:
            proc = self.process
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=timeout)
            self.process = None
        elif self.pid is not None:
            stop_pid(self.pid, timeout=timeout)
        self.pid = None

    def __enter__(self) -> AnvilNode:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def spawn_logged(
    args: Sequence[str],
    log: Path | None,
    *,
    env: Mapping[str, str] | None = None,
    detach: bool = True,
) -> subprocess.Popen[bytes]:
    """Start ``args`` with no stdin, its output appended to ``log`` (``None``: discarded), in a
    session of its own when ``detach``."""
    out: Any = open_log(log) if log is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            list(args),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(env) if env is not None else None,
            start_new_session=detach,
        )
    finally:
        if log is not None:
            out.close()  # the child has its own copy


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (and is not a zombie we can see)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):  # no /proc (macOS): trust kill()
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
            return False
    return True


def stop_pid(pid: int, timeout: float = 5.0) -> None:
    """Terminate → wait → kill a process we did not start (e.g. a detached devnet node)."""
    import signal

    if not pid_alive(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def tail_log(path: Path, lines: int = 50) -> list[str]:
    """The last ``lines`` lines of a log file (empty when it does not exist)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            pos = f.tell()
            data = b""
            while pos > 0 and data.count(b"\n") <= lines:
                step = min(64 * 1024, pos)
                pos -= step
                f.seek(pos)
                data = f.read(step) + data
    except FileNotFoundError:
        return []
    return data.decode(errors="replace").splitlines()[-lines:] if lines > 0 else []


def wait_started(
    proc: subprocess.Popen[bytes],
    what: str,
    ready: Callable[[], bool],
    log: Path | None,
    timeout: float,
    *,
    poll: float = 0.05,
) -> None:
    """Return once ``ready()``; a :class:`DevnetStartError` quoting the log's last lines when
    ``proc`` exits first or ``timeout`` seconds pass."""
    see = f"; see {log}" if log is not None else ""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = one_line(" | ".join(tail_log(log, 3))) if log is not None else ""
            raise DevnetStartError(
                f"{what} exited with code {proc.returncode} during start-up"
                + (f": {tail}" if tail else "")
                + see
            )
        if ready():
            return
        if time.monotonic() > deadline:
            raise DevnetStartError(f"{what} did not answer within {timeout:.0f} s{see}")
        time.sleep(poll)
