"""Run the whole OpenGPU marketplace on one machine: anvil, the protocol, the IPFS store, a manifest.

``up`` starts an anvil node and the local IPFS store as detached processes (they outlive the
caller), deploys the protocol, pairs the default provider with its master, funds the client's vault
balance and writes a manifest that the SDK reads when the network is ``"devnet"``. ``down`` stops
everything, ``status`` reports health and counts, ``reset`` starts over with empty data.

Layout of the devnet home (``$OGPU_DEVNET_HOME`` or ``~/.ogpu/devnet``)::

    manifest.json     addresses, URLs, dev keys (public anvil keys), pids, ports (mode 600)
    logs/anvil.log    logs/ipfs.log
    ipfs/             the IPFS store's blocks

Example::

    info = up(port=8545)
    print(info.rpc_url, info.addresses["nexus"])
    print(status().running)    # True
    down()
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ogpu.devnet.node import (
    AnvilError,
    AnvilNode,
    AnvilNotFoundError,
    PortInUseError,
    find_anvil,
    pid_alive,
    port_is_free,
    rpc_call,
    stop_pid,
)
from ogpu.files import atomic_write, open_log
from ogpu.types.errors import OGPUError

if TYPE_CHECKING:
    from web3 import Web3

__all__ = [
    "CLIENT_VAULT_DEPOSIT_WEI",
    "DEFAULT_IPFS_PORT",
    "DEFAULT_PORT",
    "EXTRA_SERVICES",
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
DEFAULT_HOST = "127.0.0.1"
CHAIN_ID = 31337
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
#: What ``up`` deposits into the client's vault balance (100 ether).
CLIENT_VAULT_DEPOSIT_WEI = 100 * 10**18
#: How often anvil dumps its state to ``--state`` (besides on exit), so a crash loses little.
STATE_DUMP_INTERVAL_S = 5

#: Substrings of each service's command line: a pid from an old manifest is only signalled when the
#: process still runs that program (after a reboot the number may belong to something else).
_PID_MARKERS: dict[str, str] = {"anvil": "anvil", "ipfs": "ogpu.devnet.ipfs_store"}

# Child processes started by this Python process, so stopping them also reaps them (no zombies
# when the devnet runs inside a test session).
_children: dict[int, subprocess.Popen[bytes]] = {}


# ---------------------------------------------------------------------------------------------
# Errors: one line each, saying what to do.


class DevnetError(OGPUError):
    """The devnet could not be started, stopped or read. The message says what to do."""


class DevnetPortInUseError(DevnetError):
    """A port the devnet needs is taken by another process."""


class DevnetAnvilNotFoundError(DevnetError):
    """No anvil executable was found."""


class DevnetStartError(DevnetError):
    """A devnet service exited or did not answer during start-up."""


class DevnetDeployError(DevnetError):
    """Deploying or seeding the protocol failed."""


class DevnetNotRunningError(DevnetError):
    """There is no devnet (no manifest) in this home."""


class DevnetStaleError(DevnetError):
    """The manifest names services that are no longer running (crash, reboot, kill)."""


class DevnetBusyError(DevnetError):
    """Another ``ogpu devnet`` command holds this home's lock."""


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


# ---------------------------------------------------------------------------------------------
# Paths and the manifest.


def default_home() -> Path:
    """The devnet home: ``$OGPU_DEVNET_HOME`` or ``~/.ogpu/devnet``."""
    env = os.environ.get("OGPU_DEVNET_HOME")
    return Path(env).expanduser() if env else Path.home() / ".ogpu" / "devnet"


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The absolute devnet home: ``home`` if given, else :func:`default_home`."""
    return Path(home).expanduser().resolve() if home is not None else default_home().resolve()


def manifest_path(home: str | os.PathLike[str] | None = None) -> Path:
    """Path of the manifest in ``home`` (default: :func:`default_home`)."""
    return resolve_home(home) / MANIFEST_NAME


def log_path(home: str | os.PathLike[str] | None, service: str) -> Path:
    """Path of a service's log file (``<home>/logs/<service>.log``)."""
    return resolve_home(home) / "logs" / f"{service}.log"


def read_manifest(home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The manifest of the devnet in ``home`` as a dict (includes the dev keys).

    Raises :class:`DevnetNotRunningError` when there is none.

    >>> # read_manifest()["addresses"]["nexus"]
    """
    path = manifest_path(home)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise DevnetNotRunningError(
            f"no devnet in {path.parent}; start one with `ogpu devnet up`"
        ) from None
    except (OSError, ValueError) as exc:
        raise DevnetError(
            f"cannot read the devnet manifest {path} ({_one_line(str(exc))}); "
            "run `ogpu devnet reset` to start over"
        ) from None
    if not isinstance(data, dict):
        raise DevnetError(f"devnet manifest {path} is malformed; run `ogpu devnet reset`")
    return data


def _read_manifest_or_none(home: Path) -> dict[str, Any] | None:
    try:
        return read_manifest(home)
    except DevnetNotRunningError:
        return None
    except DevnetError:
        return None  # corrupt: treated as absent, overwritten by the next `up`


def public_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest without private keys (what ``status --json`` prints)."""
    return {k: v for k, v in manifest.items() if k != "keys"}


def _write_manifest(home: Path, manifest: Mapping[str, Any]) -> Path:
    """Write atomically (temp file + rename), mode 600: it holds (public, test-only) keys."""
    path = home / MANIFEST_NAME
    atomic_write(path, json.dumps(manifest, indent=2, sort_keys=False) + "\n", mode=0o600)
    return path


@contextlib.contextmanager
def _locked(home: Path) -> Iterator[None]:
    """Serialise commands on one home, so two `up`s never start two networks."""
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "a+") as f:
        deadline = time.monotonic() + 60
        while True:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise DevnetBusyError(
                        f"another `ogpu devnet` command is running on {home}; wait for it to finish"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


# ---------------------------------------------------------------------------------------------
# Processes.


def _cmdline(pid: int) -> str | None:
    """The command line of ``pid`` (None where /proc is unavailable)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return "" if not Path("/proc/self").exists() else None
    except OSError:
        return None
    return raw.replace(b"\0", b" ").decode(errors="replace")


def _owned_alive(name: str, pid: int | None) -> bool:
    """True when ``pid`` is alive and still runs this service's program."""
    if not pid or not pid_alive(pid):
        return False
    if not Path("/proc/self").exists():
        return True  # no /proc (macOS): trust the pid
    cmd = _cmdline(pid)
    if cmd is None:
        return False
    marker = _PID_MARKERS.get(name) or _extra_marker(name) or "ogpu"
    return marker in cmd


def _stop_service(name: str, pid: int | None, timeout: float = 5.0) -> bool:
    """Stop one service by pid (terminate → wait → kill). True if it was running."""
    if not pid:
        return False
    was = _owned_alive(name, pid)
    if was:
        stop_pid(pid, timeout=timeout)
    child = _children.pop(pid, None)
    if child is not None:
        if child.poll() is None:
            child.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=timeout)
    return was


# Local services only: never route health checks through an HTTP proxy from the environment.
_local_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        with _local_opener.open(url, timeout=timeout) as resp:
            return bool(200 <= resp.status < 300)
    except (urllib.error.URLError, ConnectionError, OSError, ValueError):
        return False


def _rpc_ok(url: str) -> bool:
    try:
        rpc_call(url, "eth_chainId", timeout=1.0)
    except (urllib.error.URLError, ConnectionError, OSError, AnvilError, ValueError):
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Extra services (issue 6: the default provider registers itself here).


@dataclass(frozen=True)
class ExtraService:
    """A further process ``up`` starts after the chain and IPFS, and ``down`` stops.

    ``start(home, manifest)`` launches a *detached* process (logging to ``log_path(home, name)``)
    and returns its pid; ``manifest`` is complete except for ``pids``. ``healthy(manifest)`` says
    whether it works (default: the process is alive). ``marker`` is a substring of its command line.

    Example (issue 6)::

        EXTRA_SERVICES.append(ExtraService("provider", start_provider, marker="ogpu.provider"))
    """

    name: str
    start: Callable[[Path, Mapping[str, Any]], int]
    marker: str
    healthy: Callable[[Mapping[str, Any]], bool] | None = None


#: Services started by ``up`` after anvil and IPFS, in order; stopped in reverse by ``down``.
EXTRA_SERVICES: list[ExtraService] = []


def _extra_marker(name: str) -> str | None:
    for svc in EXTRA_SERVICES:
        if svc.name == name:
            return svc.marker
    return None


# ---------------------------------------------------------------------------------------------
# Results.


@dataclass(frozen=True)
class DevnetInfo:
    """What ``up`` started (or found running).

    ``already_running`` is True when ``up`` reused a healthy devnet; ``restored`` when the chain
    came back from ``--state`` with the protocol already deployed; ``deployment`` is the
    :class:`~ogpu.devnet.deploy.Deployment` when this call deployed (else None).
    """

    home: Path
    manifest: dict[str, Any] = field(repr=False)
    already_running: bool = False
    restored: bool = False
    elapsed_s: float = 0.0
    deployment: Any = field(default=None, repr=False)

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
            bad = [s for s in self.services if not s.healthy]
            parts = []
            for s in bad:
                why = "is not running" if not s.process_alive else "does not answer"
                parts.append(f"{s.name} (pid {s.pid}) {why}")
            return (
                f"the devnet{where} is not healthy: {', '.join(parts)}; "
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
# Chain reads without web3 (status stays fast: importing web3 takes ~1.5 s here).


#: ``getSourceCount()`` selector and ``TaskPublished(address,address)`` topic (checked by a test).
SEL_GET_SOURCE_COUNT = "0xd9251837"
TOPIC_TASK_PUBLISHED = "0x3bf5b04cf8ed447db6fda0a63a96369fd5dde6b366b6b480e784be44b26a6c22"


def _chain_counts(
    rpc_url: str, nexus: str, from_block: int = 0
) -> tuple[int, int | None, int | None]:
    """(block number, Nexus.getSourceCount(), number of TaskPublished events)."""
    block = int(rpc_call(rpc_url, "eth_blockNumber", timeout=2.0), 16)
    sources: int | None = None
    tasks: int | None = None
    with contextlib.suppress(AnvilError, ValueError, urllib.error.URLError, OSError):
        raw = rpc_call(
            rpc_url,
            "eth_call",
            [{"to": nexus, "data": SEL_GET_SOURCE_COUNT}, "latest"],
            timeout=2.0,
        )
        sources = int(raw, 16) if raw not in (None, "0x") else None
    with contextlib.suppress(AnvilError, ValueError, urllib.error.URLError, OSError):
        logs = rpc_call(
            rpc_url,
            "eth_getLogs",
            [
                {
                    "address": nexus,
                    "fromBlock": hex(from_block),
                    "toBlock": "latest",
                    "topics": [TOPIC_TASK_PUBLISHED],
                }
            ],
            timeout=5.0,
        )
        tasks = len(logs)
    return block, sources, tasks


# ---------------------------------------------------------------------------------------------
# status


def _service_health(manifest: Mapping[str, Any]) -> tuple[ServiceHealth, ...]:
    pids: Mapping[str, Any] = manifest.get("pids") or {}
    out: list[ServiceHealth] = []
    for name, pid in pids.items():
        pid_i = int(pid) if pid else None
        alive = _owned_alive(name, pid_i)
        if name == "anvil":
            url: str | None = str(manifest.get("rpc_url"))
            answering = alive and _rpc_ok(str(url))
        elif name == "ipfs":
            url = str((manifest.get("ipfs") or {}).get("api_url"))
            answering = alive and _http_ok(f"{url}/health")
        else:
            url = None
            svc = next((s for s in EXTRA_SERVICES if s.name == name), None)
            answering = alive and (svc.healthy(manifest) if svc and svc.healthy else True)
        out.append(ServiceHealth(name, pid_i, url, alive, answering))
    return tuple(out)


def status(home: str | os.PathLike[str] | None = None, *, counts: bool = True) -> DevnetStatus:
    """Health of the devnet in ``home``: each service, block height, source and task counts.

    >>> # st = status(); st.running, st.block_number, st.source_count
    """
    h = resolve_home(home)
    try:
        manifest = read_manifest(h)
    except DevnetNotRunningError:
        return DevnetStatus(home=h, state="absent")
    services = _service_health(manifest)
    if not services:
        return DevnetStatus(home=h, state="stopped", manifest=manifest)
    healthy = all(s.healthy for s in services)
    block = sources = tasks = None
    anvil_ok = any(s.name == "anvil" and s.healthy for s in services)
    if counts and anvil_ok:
        nexus = (manifest.get("addresses") or {}).get("nexus")
        with contextlib.suppress(AnvilError, ValueError, urllib.error.URLError, OSError):
            if nexus:
                dep = manifest.get("deployment") or {}
                first = int(dep.get("block_number") or 0) if isinstance(dep, dict) else 0
                block, sources, tasks = _chain_counts(str(manifest["rpc_url"]), str(nexus), first)
            else:
                block = int(rpc_call(str(manifest["rpc_url"]), "eth_blockNumber"), 16)
    return DevnetStatus(
        home=h,
        state="running" if healthy else "unhealthy",
        manifest=manifest,
        services=services,
        block_number=block,
        source_count=sources,
        task_count=tasks,
    )


def running_manifest(home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The manifest of a devnet that is up and healthy, or a one-line error saying what to do.

    Raises :class:`DevnetNotRunningError` (no devnet, or stopped) or :class:`DevnetStaleError`
    (the manifest names services that died).

    >>> # rpc = running_manifest()["rpc_url"]
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


def _start_ipfs(home: Path, host: str, port: int) -> subprocess.Popen[bytes]:
    log = log_path(home, "ipfs")
    log.parent.mkdir(parents=True, exist_ok=True)
    data_dir = home / "ipfs"
    data_dir.mkdir(parents=True, exist_ok=True)
    args = [
        sys.executable,
        "-m",
        "ogpu.devnet.ipfs_store",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
    ]
    if host != DEFAULT_HOST:
        args += ["--host", host]
    out: IO[bytes]
    with open_log(log) as out:
        proc = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _children[proc.pid] = proc
    return proc


def _wait_ipfs(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            tail = _tail_text(log, 3)
            raise DevnetStartError(
                f"the IPFS store exited with code {proc.returncode} during start-up"
                + (f": {tail}" if tail else "")
                + f"; see {log}"
            )
        if _http_ok(f"{url}/health", timeout=0.5):
            return
        if time.monotonic() > deadline:
            raise DevnetStartError(
                f"the IPFS store did not answer on {url} within {timeout:.0f} s; see {log}"
            )
        time.sleep(0.05)


def _tail_text(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return _one_line(" | ".join(text[-lines:]))


def _web3(url: str) -> Web3:
    from web3 import HTTPProvider, Web3

    return Web3(HTTPProvider(url, cache_allowed_requests=True))


_TERMINAL_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "announceMaster",
        "stateMutability": "nonpayable",
        "inputs": [{"name": "master", "type": "address"}],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "announceProvider",
        "stateMutability": "payable",
        "inputs": [
            {"name": "provider", "type": "address"},
            {"name": "amount", "type": "uint256"},
        ],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "masterOf",
        "stateMutability": "view",
        "inputs": [{"name": "", "type": "address"}],
        "outputs": [{"name": "", "type": "address"}],
    },
]
_VAULT_ABI: list[dict[str, Any]] = [
    {
        "type": "function",
        "name": "deposit",
        "stateMutability": "payable",
        "inputs": [{"name": "account", "type": "address"}],
        "outputs": [],
    },
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    },
]


def _seed(w3: Web3, addresses: Mapping[str, str]) -> None:
    """Pair provider↔master on the Terminal and fund the client's vault balance.

    Each sender has one transaction, so all three go out at once with explicit nonces (the
    pairing handshake is order-independent) and are then awaited.
    """
    terminal = w3.eth.contract(
        address=w3.to_checksum_address(addresses["terminal"]), abi=_TERMINAL_ABI
    )
    vault = w3.eth.contract(address=w3.to_checksum_address(addresses["vault"]), abi=_VAULT_ABI)
    from ogpu.devnet.accounts import dev_account

    provider, master, client = dev_account("provider"), dev_account("master"), dev_account("client")
    chain_id = w3.eth.chain_id
    calls = [
        ("Terminal.announceMaster", provider, terminal.functions.announceMaster(master.address), 0),
        (
            "Terminal.announceProvider",
            master,
            terminal.functions.announceProvider(provider.address, 0),
            0,
        ),
        (
            "Vault.deposit",
            client,
            vault.functions.deposit(client.address),
            CLIENT_VAULT_DEPOSIT_WEI,
        ),
    ]
    sent: list[tuple[str, Any]] = []
    for label, who, fn, value in calls:
        sender = w3.to_checksum_address(who.address)
        nonce = w3.eth.get_transaction_count(sender, "pending")
        try:
            params: Any = {"from": sender, "nonce": nonce, "chainId": chain_id, "value": value}
            tx: Any = fn.build_transaction(params)
        except Exception as exc:  # estimate_gas reverted
            raise DevnetDeployError(
                f"{label} failed while seeding the devnet: {_one_line(str(exc))}; "
                "run `ogpu devnet reset`"
            ) from None
        signed = who.account.sign_transaction(tx)
        sent.append((label, w3.eth.send_raw_transaction(signed.raw_transaction)))
    for label, tx_hash in sent:
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.02)
        if receipt["status"] != 1:
            raise DevnetDeployError(
                f"{label} reverted while seeding the devnet (tx {tx_hash.hex()}); "
                "run `ogpu devnet reset`"
            )
    if terminal.functions.masterOf(provider.address).call() != master.address:
        raise DevnetDeployError(
            "pairing the default provider with its master did not take effect; run `ogpu devnet reset`"
        )


_CONTRACTS = ("manager", "nexus", "controller", "terminal", "vault")


def _deploy(w3: Web3) -> tuple[dict[str, str], Any]:
    from ogpu.devnet.accounts import dev_account

    try:
        from ogpu.devnet.deploy import deploy_protocol

        deployment = deploy_protocol(
            w3,
            dev_account("admin").account,
            judge=dev_account("judge").address,
            default_agent=dev_account("agent").address,
        )
    except DevnetError:
        raise
    except Exception as exc:
        raise DevnetDeployError(
            f"deploying the protocol failed: {type(exc).__name__}: {_one_line(str(exc))}; "
            "run `ogpu devnet reset`, or `make compile` if the contract artifacts are missing"
        ) from None
    addresses = {name: str(getattr(deployment, name)) for name in _CONTRACTS}
    _seed(w3, addresses)
    return addresses, deployment


def _restore_deployment(data: Any) -> Any:
    """The :class:`Deployment` saved in a previous manifest (None if absent or unreadable)."""
    if not isinstance(data, dict):
        return None
    try:
        from ogpu.devnet.deploy import Deployment

        return Deployment.from_dict(data)
    except (TypeError, ValueError, ImportError):
        return None


def _code_at_all(w3: Web3, addresses: Mapping[str, str]) -> bool:
    try:
        return all(
            len(w3.eth.get_code(w3.to_checksum_address(addresses[name]))) > 0 for name in _CONTRACTS
        )
    except (KeyError, ValueError, TypeError):
        return False


def _now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _build_manifest(
    *,
    home: Path,
    host: str,
    port: int,
    ipfs_port: int,
    addresses: Mapping[str, str],
    block_time: int | None,
    state_path: Path | None,
    pids: Mapping[str, int],
    deployment: Any,
) -> dict[str, Any]:
    from ogpu.devnet.accounts import DEV_ROLES, dev_account, dev_key

    ipfs_base = f"http://{host}:{ipfs_port}"
    return {
        "version": MANIFEST_VERSION,
        "network": "devnet",
        "chain_id": CHAIN_ID,
        "rpc_url": f"http://{host}:{port}",
        "ws_url": f"ws://{host}:{port}",
        "addresses": dict(addresses),
        "ipfs": {
            "api_url": ipfs_base,
            "gateway_url": f"{ipfs_base}/ipfs/",
            "pinning_url": f"{ipfs_base}/file/create",
        },
        "keys": {role: dev_key(role) for role in DEV_ROLES},
        "accounts": {role: dev_account(role).address for role in DEV_ROLES},
        "pids": dict(pids),
        "ports": {"anvil": port, "ipfs": ipfs_port},
        "host": host,
        "started_at": _now_iso(),
        "block_time": block_time,
        "state_path": str(state_path) if state_path is not None else None,
        "deployment": deployment.to_dict() if deployment is not None else None,
        "home": str(home),
        "logs": {name: str(log_path(home, name)) for name in ("anvil", "ipfs")},
    }


def up(
    home: str | os.PathLike[str] | None = None,
    *,
    port: int | None = None,
    ipfs_port: int | None = None,
    block_time: int | None = None,
    state_path: str | os.PathLike[str] | None = None,
    host: str = DEFAULT_HOST,
    timeout: float = 30.0,
    services: Sequence[ExtraService] | None = None,
) -> DevnetInfo:
    """Start the devnet in ``home`` (or return the one already running there).

    ``port`` (default 8545) is anvil's HTTP and WebSocket port, ``ipfs_port`` (default 5055) the
    IPFS store's; ``block_time`` None mines a block per transaction, N mines every N seconds;
    ``state_path`` persists the chain across restarts (the protocol is then deployed once).

    >>> # info = up(port=8545); info.rpc_url
    """
    h = resolve_home(home)
    with _locked(h):
        return _up(
            h,
            port=port,
            ipfs_port=ipfs_port,
            block_time=block_time,
            state_path=state_path,
            host=host,
            timeout=timeout,
            services=EXTRA_SERVICES if services is None else services,
        )


def _up(
    h: Path,
    *,
    port: int | None,
    ipfs_port: int | None,
    block_time: int | None,
    state_path: str | os.PathLike[str] | None,
    host: str,
    timeout: float,
    services: Sequence[ExtraService],
) -> DevnetInfo:
    t0 = time.monotonic()
    prev = _read_manifest_or_none(h)
    if prev is not None and prev.get("pids"):
        health = _service_health(prev)
        if health and all(s.healthy for s in health):
            return DevnetInfo(home=h, manifest=prev, already_running=True)
        _stop_all(prev)  # leftovers of a crashed devnet
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
    state = Path(state_path).expanduser().resolve() if state_path is not None else None
    _check_port(port, host, "anvil", "--port")
    _check_port(ipfs_port, host, "IPFS store", "--ipfs-port")
    try:
        find_anvil()
    except AnvilNotFoundError as exc:
        raise DevnetAnvilNotFoundError(_one_line(str(exc))) from None

    pids: dict[str, int] = {}
    try:
        # The IPFS store needs ~1 s to import its web stack: start it first, so it comes up
        # while anvil starts and the protocol deploys.
        ipfs_proc = _start_ipfs(h, host, ipfs_port)
        pids["ipfs"] = ipfs_proc.pid
        anvil_log = log_path(h, "anvil")
        state_existed = state is not None and state.exists() and state.stat().st_size > 0
        try:
            # Automine during set-up (fast, whatever the block time); interval mining after.
            node = AnvilNode.start(
                port,
                host=host,
                state_path=state,
                log_path=anvil_log,
                chain_id=CHAIN_ID,
                extra_args=["--state-interval", str(STATE_DUMP_INTERVAL_S)] if state else None,
                timeout=timeout,
                detach=True,
            )
        except PortInUseError:
            raise DevnetPortInUseError(
                f"port {port} (anvil) is already in use; stop what listens there "
                "or choose another with --port"
            ) from None
        except AnvilNotFoundError as exc:
            raise DevnetAnvilNotFoundError(_one_line(str(exc))) from None
        except AnvilError as exc:
            raise DevnetStartError(
                f"anvil failed to start: {_one_line(str(exc))}; see {anvil_log}"
            ) from None
        assert node.pid is not None and node.process is not None
        pids = {"anvil": node.pid, **pids}  # manifest order: anvil first (stopped last)
        _children[node.pid] = node.process

        w3 = _web3(node.url)
        deployment = None
        restored = False
        addresses: dict[str, str]
        if (
            state_existed
            and prev is not None
            and prev.get("addresses")
            and _code_at_all(w3, prev["addresses"])
        ):
            # The chain came back from --state with the protocol on it: reuse, don't redeploy.
            assert prev is not None
            addresses = {k: str(v) for k, v in prev["addresses"].items()}
            deployment = _restore_deployment(prev.get("deployment"))
            restored = True
        else:
            addresses, deployment = _deploy(w3)
        if block_time is not None:
            node.rpc("evm_setIntervalMining", [int(block_time)])

        ipfs_url = f"http://{host}:{ipfs_port}"
        _wait_ipfs(ipfs_proc, ipfs_url, log_path(h, "ipfs"), timeout)
        if not node.is_alive():
            raise DevnetStartError(
                f"anvil stopped during start-up: {node.log_tail(3)}; see {anvil_log}"
            )

        manifest = _build_manifest(
            home=h,
            host=host,
            port=port,
            ipfs_port=ipfs_port,
            addresses=addresses,
            block_time=block_time,
            state_path=state,
            pids=pids,
            deployment=deployment,
        )
        for svc in services:
            pids[svc.name] = svc.start(h, manifest)
            manifest["pids"] = dict(pids)
            manifest["logs"][svc.name] = str(log_path(h, svc.name))
        _write_manifest(h, manifest)
    except BaseException:
        for name in reversed(list(pids)):
            _stop_service(name, pids[name])
        raise
    return DevnetInfo(
        home=h,
        manifest=manifest,
        restored=restored,
        elapsed_s=time.monotonic() - t0,
        deployment=deployment,
    )


# ---------------------------------------------------------------------------------------------
# down / reset


def _stop_all(manifest: Mapping[str, Any]) -> list[str]:
    pids: Mapping[str, Any] = manifest.get("pids") or {}
    stopped = []
    for name in reversed(list(pids)):
        pid = pids[name]
        if _stop_service(name, int(pid) if pid else None):
            stopped.append(name)
    return stopped


def down(home: str | os.PathLike[str] | None = None) -> list[str]:
    """Stop every devnet service in ``home`` and clear their pids from the manifest.

    Returns the names of the services that were still running (empty if none). Works after a
    crash too: dead services are skipped, live ones stopped. The manifest stays (addresses, ports,
    ``state_path``) so that ``up --state`` can reuse the deployment.

    >>> # down()   # ['ipfs', 'anvil']
    """
    h = resolve_home(home)
    if not (h / MANIFEST_NAME).exists():
        return []
    with _locked(h):
        return _down(h)


def _down(h: Path) -> list[str]:
    manifest = _read_manifest_or_none(h)
    if manifest is None:
        return []
    stopped = _stop_all(manifest)
    manifest["pids"] = {}
    manifest["stopped_at"] = _now_iso()
    _write_manifest(h, manifest)
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
    services: Sequence[ExtraService] | None = None,
) -> DevnetInfo:
    """``down`` + wipe the chain state and IPFS data + ``up`` (a fresh deployment).

    Options left as None keep the previous devnet's values (port, IPFS port, block time, state
    file), so ``reset`` restarts the same network empty.

    >>> # info = reset(); info.restored
    False
    """
    h = resolve_home(home)
    with _locked(h):
        prev = _read_manifest_or_none(h) or {}
        _down(h)
        ports = prev.get("ports") or {}
        port = port if port is not None else ports.get("anvil")
        ipfs_port = ipfs_port if ipfs_port is not None else ports.get("ipfs")
        block_time = block_time if block_time is not None else prev.get("block_time")
        old_state = prev.get("state_path")
        state = state_path if state_path is not None else old_state
        for p in {old_state, str(state) if state is not None else None}:
            if p:
                with contextlib.suppress(FileNotFoundError):
                    Path(p).unlink()
        shutil.rmtree(h / "ipfs", ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            (h / MANIFEST_NAME).unlink()
        return _up(
            h,
            port=port,
            ipfs_port=ipfs_port,
            block_time=block_time,
            state_path=state,
            host=host or str(prev.get("host") or DEFAULT_HOST),
            timeout=timeout,
            services=EXTRA_SERVICES if services is None else services,
        )


# ---------------------------------------------------------------------------------------------
# logs


def tail_log(path: Path, lines: int = 50) -> list[str]:
    """The last ``lines`` lines of a log file (empty when it does not exist)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            block = 64 * 1024
            data = b""
            pos = size
            while pos > 0 and data.count(b"\n") <= lines:
                step = min(block, pos)
                pos -= step
                f.seek(pos)
                data = f.read(step) + data
    except FileNotFoundError:
        return []
    text = data.decode(errors="replace").splitlines()
    return text[-lines:] if lines > 0 else []


def follow_logs(
    paths: Mapping[str, Path],
    *,
    poll_s: float = 0.25,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[tuple[str, str]]:
    """Yield ``(service, line)`` for lines appended to the logs from now on, until ``should_stop``.

    >>> # for svc, line in follow_logs({"anvil": log_path(None, "anvil")}): print(line)
    """
    offsets: dict[str, int] = {}
    for name, p in paths.items():
        try:
            offsets[name] = p.stat().st_size
        except FileNotFoundError:
            offsets[name] = 0
    partial: dict[str, str] = dict.fromkeys(paths, "")
    while not should_stop():
        got = False
        for name, p in paths.items():
            try:
                size = p.stat().st_size
            except FileNotFoundError:
                continue
            if size < offsets[name]:
                offsets[name] = 0  # truncated / replaced
            if size == offsets[name]:
                continue
            with open(p, "rb") as f:
                f.seek(offsets[name])
                chunk = f.read(size - offsets[name])
            offsets[name] = size
            text = partial[name] + chunk.decode(errors="replace")
            *complete, partial[name] = text.split("\n")
            for line in complete:
                got = True
                yield name, line
        if not got:
            time.sleep(poll_s)
