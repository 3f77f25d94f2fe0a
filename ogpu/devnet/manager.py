"""Run the whole OpenGPU marketplace on one machine: anvil, the protocol, the IPFS store, a manifest.

``up`` starts an anvil node and the local IPFS store as detached processes (they outlive the
caller), deploys the protocol (:mod:`~ogpu.devnet.seeding`), pairs the default provider with its
master, funds the client's vault balance and writes a manifest (:mod:`~ogpu.devnet.manifest`)
that the SDK reads when the network is ``"devnet"``. ``down`` stops everything, ``status`` reports
health and counts, ``reset`` starts over with empty data. Processes: :mod:`~ogpu.devnet.processes`.

The chain mines a block per transaction and, while idle, one every ``IDLE_BLOCK_S`` seconds, so
its time follows the wall clock (expiry and deadlines pass without other traffic).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ogpu.devnet.errors import (
    DevnetAnvilNotFoundError,
    DevnetBusyError,
    DevnetDeployError,
    DevnetError,
    DevnetNotRunningError,
    DevnetPortInUseError,
    DevnetStaleError,
    DevnetStartError,
)
from ogpu.devnet.manifest import (
    CHAIN_ID,
    DEFAULT_HOST,
    MANIFEST_NAME,
    build_manifest,
    default_home,
    locked,
    log_path,
    manifest_path,
    now_iso,
    public_manifest,
    read_manifest,
    read_manifest_or_none,
    resolve_home,
    write_manifest,
)
from ogpu.devnet.node import AnvilNode, find_anvil, port_is_free, rpc_answers, wait_started
from ogpu.devnet.processes import (
    ExtraService,
    Supervisor,
    follow_logs,
    http_ok,
    marker_of,
    owned_alive,
    tail_log,
)
from ogpu.devnet.seeding import (
    CLIENT_VAULT_DEPOSIT_WEI,
    code_at_all,
    deploy_and_seed,
    devnet_session,
    restore_deployment,
)
from ogpu.types.errors import OGPUError

__all__ = [
    "CLIENT_VAULT_DEPOSIT_WEI",
    "DEFAULT_IPFS_PORT",
    "DEFAULT_PORT",
    "IDLE_BLOCK_S",
    "DevnetAnvilNotFoundError",
    "DevnetBusyError",
    "DevnetDeployError",
    "DevnetError",
    "DevnetInfo",
    "DevnetNotRunningError",
    "DevnetPortInUseError",
    "DevnetStaleError",
    "DevnetStartError",
    "DevnetStatus",
    "ExtraService",
    "ServiceHealth",
    "Supervisor",
    "default_home",
    "down",
    "follow_logs",
    "log_path",
    "manifest_path",
    "public_manifest",
    "read_manifest",
    "reset",
    "resolve_home",
    "running_manifest",
    "status",
    "tail_log",
    "up",
]

DEFAULT_PORT = 8545
DEFAULT_IPFS_PORT = 5055
#: With automine, a block every this many seconds while no transaction arrives (anvil's mixed
#: mining): chain time keeps up with the wall clock, every transaction is still mined at once.
IDLE_BLOCK_S = 1
#: How often anvil dumps its state to ``--state`` (besides on exit), so a crash loses little.
STATE_DUMP_INTERVAL_S = 5


# ---------------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True)
class DevnetInfo:
    """What ``up`` started (or found running).

    ``already_running`` is True when ``up`` reused a healthy devnet; ``restored`` when the chain
    came back from ``--state`` with the protocol already deployed; ``deployment`` is the
    :class:`~ogpu.devnet.deploy.Deployment` when this call deployed (else None); ``supervisor``
    holds the processes this call started (pass it to :func:`down` to reap them).
    """

    home: Path
    manifest: dict[str, Any] = field(repr=False)
    already_running: bool = False
    restored: bool = False
    elapsed_s: float = 0.0
    deployment: Any = field(default=None, repr=False)
    supervisor: Supervisor | None = field(default=None, repr=False, compare=False)

    @property
    def manifest_path(self) -> Path:
        return self.home / MANIFEST_NAME

    @property
    def rpc_url(self) -> str:
        return str(self.manifest["rpc_url"])

    @property
    def ws_url(self) -> str:
        return str(self.manifest["ws_url"])

    @property
    def chain_id(self) -> int:
        return int(self.manifest["chain_id"])

    @property
    def addresses(self) -> dict[str, str]:
        return dict(self.manifest["addresses"])

    @property
    def ipfs_api_url(self) -> str:
        return str(self.manifest["ipfs"]["api_url"])

    @property
    def pids(self) -> dict[str, int]:
        return dict(self.manifest.get("pids") or {})


@dataclass(frozen=True)
class ServiceHealth:
    """One service of the devnet: is its process alive, does it answer."""

    name: str
    pid: int | None
    url: str | None
    process_alive: bool
    answering: bool

    @property
    def healthy(self) -> bool:
        return self.process_alive and self.answering


@dataclass(frozen=True)
class DevnetStatus:
    """Health of a devnet home.

    ``state`` is ``"absent"`` (no manifest), ``"stopped"`` (manifest without pids, after
    ``down``), ``"running"`` (every service healthy) or ``"unhealthy"`` (some service died).
    """

    home: Path
    state: str
    manifest: dict[str, Any] | None = field(default=None, repr=False)
    services: tuple[ServiceHealth, ...] = ()
    block_number: int | None = None
    source_count: int | None = None
    task_count: int | None = None

    @property
    def running(self) -> bool:
        return self.state == "running"

    def problem(self) -> str | None:
        """A one-line description of what is wrong and what to do, or None when running."""
        where = f" (home {self.home})" if self.home != default_home().resolve() else ""
        if self.state == "absent":
            return f"no devnet{where}; start one with `ogpu devnet up`"
        if self.state == "stopped":
            return f"the devnet is stopped{where}; start it with `ogpu devnet up`"
        if self.state == "unhealthy":
            bad = ", ".join(
                f"{s.name} (pid {s.pid}) "
                + ("does not answer" if s.process_alive else "is not running")
                for s in self.services
                if not s.healthy
            )
            return (
                f"the devnet{where} is not healthy: {bad}; "
                "run `ogpu devnet up` to restart it (or `ogpu devnet down` to clean up)"
            )
        return None

    def to_json(self) -> dict[str, Any]:
        """The manifest without keys, plus a ``health`` section (what ``status --json`` prints)."""
        out: dict[str, Any] = public_manifest(self.manifest or {})
        out["home"] = str(self.home)
        out["manifest_path"] = str(self.home / MANIFEST_NAME)
        out["health"] = {
            "state": self.state,
            "running": self.running,
            "services": {
                s.name: {
                    "pid": s.pid,
                    "url": s.url,
                    "process_alive": s.process_alive,
                    "answering": s.answering,
                    "healthy": s.healthy,
                }
                for s in self.services
            },
            "block_number": self.block_number,
            "source_count": self.source_count,
            "task_count": self.task_count,
        }
        return out


# ---------------------------------------------------------------------------------------------
# status


def _chain_counts(manifest: Mapping[str, Any]) -> tuple[int | None, int | None, int | None]:
    """(block number, Nexus.getSourceCount(), number of TaskPublished events); None where unknown."""
    from ogpu.events import TaskPublishedEvent

    addresses = manifest.get("addresses") or {}
    session = devnet_session(str(manifest["rpc_url"]), addresses or None, timeout=2.0)
    block = sources = tasks = None
    try:
        with contextlib.suppress(OGPUError):
            block = int(session.rpc("eth_blockNumber", [], retry=False), 16)
        if not addresses or block is None:
            return block, None, None
        with contextlib.suppress(OGPUError, ValueError):
            sources = int(session.call(session.contract("Nexus").functions.getSourceCount()))
        dep = manifest.get("deployment") or {}
        first = int(dep.get("block_number") or 0) if isinstance(dep, dict) else 0
        topics = [TaskPublishedEvent.topic0()]
        query = {"address": addresses["nexus"], "fromBlock": hex(first), "topics": topics}
        with contextlib.suppress(OGPUError, TypeError):
            tasks = len(session.rpc("eth_getLogs", [query], retry=False))
    finally:
        session.close()
    return block, sources, tasks


def _service_health(
    manifest: Mapping[str, Any], services: Sequence[ExtraService] = ()
) -> tuple[ServiceHealth, ...]:
    pids: Mapping[str, Any] = manifest.get("pids") or {}
    out: list[ServiceHealth] = []
    for name, pid in pids.items():
        pid_i = int(pid) if pid else None
        alive = owned_alive(pid_i, marker_of(name, manifest))
        url: str | None = None
        if name == "anvil":
            url = str(manifest.get("rpc_url"))
            answering = alive and rpc_answers(url)
        elif name == "ipfs":
            url = str((manifest.get("ipfs") or {}).get("api_url"))
            answering = alive and http_ok(f"{url}/health")
        else:
            svc = next((s for s in services if s.name == name), None)
            answering = alive and (svc.healthy(manifest) if svc and svc.healthy else True)
        out.append(ServiceHealth(name, pid_i, url, alive, answering))
    return tuple(out)


def status(
    home: str | os.PathLike[str] | None = None,
    *,
    counts: bool = True,
    services: Sequence[ExtraService] = (),
) -> DevnetStatus:
    """Health of the devnet in ``home``: each service, block height, source and task counts.

    ``services`` supply the health checks of extra services (else: their process is alive).

    >>> st = status(devnet.home)
    >>> st.running, st.block_number > 0, st.source_count is not None
    (True, True, True)
    """
    h = resolve_home(home)
    try:
        manifest = read_manifest(h)
    except DevnetNotRunningError:
        return DevnetStatus(home=h, state="absent")
    health = _service_health(manifest, services)
    if not health:
        return DevnetStatus(home=h, state="stopped", manifest=manifest)
    block = sources = tasks = None
    if counts and any(s.name == "anvil" and s.healthy for s in health):
        block, sources, tasks = _chain_counts(manifest)
    return DevnetStatus(
        home=h,
        state="running" if all(s.healthy for s in health) else "unhealthy",
        manifest=manifest,
        services=health,
        block_number=block,
        source_count=sources,
        task_count=tasks,
    )


def running_manifest(home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The manifest of a devnet that is up and healthy, or a one-line error saying what to do.

    Raises :class:`DevnetNotRunningError` (no devnet, or stopped) or :class:`DevnetStaleError`
    (the manifest names services that died).

    >>> running_manifest(devnet.home)["rpc_url"] == devnet.rpc_url
    True
    """
    st = status(home, counts=False)
    if st.running and st.manifest is not None:
        return st.manifest
    problem = st.problem() or "the devnet is not running; start it with `ogpu devnet up`"
    if st.state == "unhealthy":
        raise DevnetStaleError(problem)
    raise DevnetNotRunningError(problem)


# ---------------------------------------------------------------------------------------------
# up


def _check_port(port: int, host: str, what: str, option: str) -> None:
    if not port_is_free(port, host):
        raise DevnetPortInUseError(
            f"port {port} ({what}) is already in use; stop what listens there "
            f"or choose another with {option}"
        )


def _start_extra(
    h: Path, svc: ExtraService, manifest: dict[str, Any], pids: dict[str, int], sup: Supervisor
) -> None:
    started = svc.start(h, manifest)
    pid = sup.adopt(svc.name, started) if isinstance(started, subprocess.Popen) else int(started)
    pids[svc.name] = pid
    manifest["pids"] = dict(pids)
    manifest["markers"][svc.name] = svc.marker
    manifest["logs"][svc.name] = str(log_path(h, svc.name))


def up(
    home: str | os.PathLike[str] | None = None,
    *,
    port: int | None = None,
    ipfs_port: int | None = None,
    block_time: int | None = None,
    state_path: str | os.PathLike[str] | None = None,
    host: str = DEFAULT_HOST,
    timeout: float = 30.0,
    services: Sequence[ExtraService] = (),
) -> DevnetInfo:
    """Start the devnet in ``home`` (or return the one already running there).

    ``port`` (default 8545) is anvil's HTTP and WebSocket port, ``ipfs_port`` (default 5055) the
    IPFS store's; ``block_time`` None mines a block per transaction (and one every
    ``IDLE_BLOCK_S`` while idle), N mines every N seconds only; ``state_path`` persists the chain
    across restarts (the protocol is then deployed once); ``services`` start after the chain and
    IPFS, in order (``down`` stops them first).

    >>> up(devnet.home).already_running
    True
    """
    h = resolve_home(home)
    with locked(h):
        return _up(h, port, ipfs_port, block_time, state_path, host, timeout, services)


def _up(
    h: Path,
    port: int | None,
    ipfs_port: int | None,
    block_time: int | None,
    state_path: str | os.PathLike[str] | None,
    host: str,
    timeout: float,
    services: Sequence[ExtraService],
) -> DevnetInfo:
    t0 = time.monotonic()
    prev = read_manifest_or_none(h)
    sup = Supervisor()
    if prev is not None and prev.get("pids"):
        health = _service_health(prev, services)
        if health and all(s.healthy for s in health):
            return DevnetInfo(home=h, manifest=prev, already_running=True)
        sup.stop_all(prev)  # leftovers of a crashed devnet
    # Validate everything before anything starts.
    if block_time is not None and block_time < 1:
        raise DevnetError(
            "--block-time must be a whole number of seconds >= 1 (omit it to automine)"
        )
    port = DEFAULT_PORT if port is None else port
    ipfs_port = DEFAULT_IPFS_PORT if ipfs_port is None else ipfs_port
    if port == ipfs_port:
        raise DevnetError(
            f"anvil and IPFS cannot share port {port}; choose another with --ipfs-port"
        )
    _check_port(port, host, "anvil", "--port")
    _check_port(ipfs_port, host, "IPFS store", "--ipfs-port")
    find_anvil()
    state = Path(state_path).expanduser().resolve() if state_path is not None else None
    state_existed = state is not None and state.exists() and state.stat().st_size > 0
    pids: dict[str, int] = {}
    try:
        # The IPFS store needs ~1 s to import its web stack: start it first, so it comes up
        # while anvil starts and the protocol deploys.
        ipfs_proc = sup.start_ipfs(h, host, ipfs_port)
        pids["ipfs"] = ipfs_proc.pid
        # anvil automines during set-up (plus an idle block every IDLE_BLOCK_S)
        extra = ["--mixed-mining"]
        if state is not None:
            extra += ["--state-interval", str(STATE_DUMP_INTERVAL_S)]
        try:
            node = AnvilNode.start(
                port,
                host=host,
                block_time=IDLE_BLOCK_S,
                state_path=state,
                log_path=log_path(h, "anvil"),
                chain_id=CHAIN_ID,
                extra_args=extra,
                timeout=timeout,
                detach=True,
            )
        except DevnetStartError as exc:
            raise DevnetStartError(f"anvil failed to start: {exc}") from None
        assert node.process is not None and node.pid is not None
        sup.adopt("anvil", node.process)
        pids = {"anvil": node.pid, **pids}  # manifest order: anvil first (stopped last)
        deployment = None
        old_addresses: dict[str, Any] = (prev or {}).get("addresses") or {}
        restored = bool(state_existed and old_addresses and code_at_all(node.url, old_addresses))
        if restored:
            # The chain came back from --state with the protocol on it: reuse, don't redeploy.
            addresses = {k: str(v) for k, v in old_addresses.items()}
            deployment = restore_deployment((prev or {}).get("deployment"))
        else:
            addresses, deployment = deploy_and_seed(node.url)
        if block_time is not None:
            node.rpc("evm_setIntervalMining", [int(block_time)])
        ipfs_health = f"http://{host}:{ipfs_port}/health"
        ipfs_log = log_path(h, "ipfs")
        wait_started(
            ipfs_proc, "the IPFS store", lambda: http_ok(ipfs_health, 0.5), ipfs_log, timeout
        )
        if not node.is_alive():
            raise DevnetStartError(f"anvil stopped during start-up; see {node.log_path}")
        manifest = build_manifest(
            home=h,
            host=host,
            port=port,
            ipfs_port=ipfs_port,
            addresses=addresses,
            block_time=block_time,
            idle_block_s=None if block_time is not None else IDLE_BLOCK_S,
            state_path=state,
            pids=pids,
            deployment=deployment,
        )
        for svc in services:
            _start_extra(h, svc, manifest, pids, sup)
        write_manifest(h, manifest)
    except BaseException:
        sup.stop_all({"pids": pids, "markers": {s.name: s.marker for s in services}})
        raise
    return DevnetInfo(
        home=h,
        manifest=manifest,
        restored=restored,
        elapsed_s=time.monotonic() - t0,
        deployment=deployment,
        supervisor=sup,
    )


# ---------------------------------------------------------------------------------------------
# down / reset


def down(
    home: str | os.PathLike[str] | None = None, *, supervisor: Supervisor | None = None
) -> list[str]:
    """Stop every devnet service in ``home`` and clear their pids from the manifest.

    Returns the names of the services that were still running (empty if none). Works after a
    crash too: dead services are skipped, live ones stopped. The manifest stays (addresses, ports,
    ``state_path``) so that ``up --state`` can reuse the deployment. Pass the ``supervisor`` of
    the ``up`` that started them (same process) to also reap them.

    Example::

        down()   # ['ipfs', 'anvil']
    """
    h = resolve_home(home)
    if not (h / MANIFEST_NAME).exists():
        return []
    with locked(h):
        return _down(h, supervisor or Supervisor())


def _down(h: Path, sup: Supervisor) -> list[str]:
    manifest = read_manifest_or_none(h)
    if manifest is None:
        return []
    stopped = sup.stop_all(manifest)
    manifest["pids"] = {}
    manifest["stopped_at"] = now_iso()
    write_manifest(h, manifest)
    return stopped


def reset(
    home: str | os.PathLike[str] | None = None,
    *,
    port: int | None = None,
    ipfs_port: int | None = None,
    block_time: int | None = None,
    state_path: str | os.PathLike[str] | None = None,
    host: str | None = None,
    timeout: float = 30.0,
    services: Sequence[ExtraService] = (),
    supervisor: Supervisor | None = None,
) -> DevnetInfo:
    """``down`` + wipe the chain state and IPFS data + ``up`` (a fresh deployment).

    Options left as None keep the previous devnet's values (port, IPFS port, block time, state
    file), so ``reset`` restarts the same network empty.

    Example::

        info = reset()
        assert not info.restored
    """
    h = resolve_home(home)
    with locked(h):
        prev = read_manifest_or_none(h) or {}
        _down(h, supervisor or Supervisor())
        ports = prev.get("ports") or {}
        old_state = prev.get("state_path")
        state = state_path if state_path is not None else old_state
        for p in {old_state, str(state) if state is not None else None}:
            if p:
                Path(p).unlink(missing_ok=True)
        shutil.rmtree(h / "ipfs", ignore_errors=True)
        (h / MANIFEST_NAME).unlink(missing_ok=True)
        return _up(
            h,
            port if port is not None else ports.get("anvil"),
            ipfs_port if ipfs_port is not None else ports.get("ipfs"),
            block_time if block_time is not None else prev.get("block_time"),
            state,
            host or str(prev.get("host") or DEFAULT_HOST),
            timeout,
            services,
        )
