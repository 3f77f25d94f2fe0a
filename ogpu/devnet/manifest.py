"""The devnet manifest: where a devnet home keeps its addresses, URLs, keys, pids and ports.

The path rules (``$OGPU_DEVNET_HOME`` or ``~/.ogpu/devnet``, ``manifest.json``) and the reading of a
manifest into a :class:`~ogpu.chain.networks.Network` live in :mod:`ogpu.chain.networks`; this
module writes manifests, guards a home with a lock and reads the parts only the devnet uses.

Layout of a devnet home::

    manifest.json     addresses, URLs, dev keys (public anvil keys), pids, ports (mode 600)
    .lock             held while an `ogpu devnet` command changes the home
    logs/<service>.log
    ipfs/             the IPFS store's blocks
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from ogpu.chain.networks import DEVNET_MANIFEST_NAME, Network, devnet_home, load_devnet_manifest
from ogpu.devnet.errors import (
    DevnetBusyError,
    DevnetError,
    DevnetManifestError,
    DevnetNotRunningError,
    one_line,
)
from ogpu.files import atomic_write

__all__ = [
    "CHAIN_ID",
    "DEFAULT_HOST",
    "MANIFEST_NAME",
    "MANIFEST_VERSION",
    "build_manifest",
    "default_home",
    "locked",
    "log_path",
    "manifest_network",
    "manifest_path",
    "public_manifest",
    "read_manifest",
    "read_manifest_or_none",
    "resolve_home",
    "write_manifest",
]

CHAIN_ID = 31337
DEFAULT_HOST = "127.0.0.1"
MANIFEST_NAME = DEVNET_MANIFEST_NAME
MANIFEST_VERSION = 1
#: How long a command waits for another one holding the home's lock.
LOCK_TIMEOUT_S = 60.0


#: The devnet home: ``$OGPU_DEVNET_HOME`` or ``~/.ogpu/devnet``.
default_home = devnet_home


def resolve_home(home: str | os.PathLike[str] | None = None) -> Path:
    """The absolute devnet home: ``home`` if given, else :func:`default_home`."""
    return Path(home).expanduser().resolve() if home is not None else default_home().resolve()


def manifest_path(home: str | os.PathLike[str] | None = None) -> Path:
    """Path of the manifest in ``home`` (default: :func:`default_home`)."""
    return resolve_home(home) / MANIFEST_NAME


def log_path(home: str | os.PathLike[str] | None, service: str) -> Path:
    """Path of a service's log file (``<home>/logs/<service>.log``).

    >>> log_path("/srv/devnet", "anvil").parts[-2:]
    ('logs', 'anvil.log')
    """
    return resolve_home(home) / "logs" / f"{service}.log"


def read_manifest(home: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The manifest of the devnet in ``home`` as a dict (includes the dev keys).

    Raises :class:`~ogpu.devnet.errors.DevnetNotRunningError` when there is none.

    >>> read_manifest(devnet.home)["chain_id"]
    31337
    """
    path = manifest_path(home)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise DevnetNotRunningError(
            f"no devnet in {path.parent}; start one with `ogpu devnet up`"
        ) from None
    except (OSError, ValueError) as exc:
        raise DevnetManifestError(
            f"cannot read the devnet manifest {path} ({one_line(exc)}); "
            "run `ogpu devnet reset` to start over"
        ) from None
    if not isinstance(data, dict):
        raise DevnetManifestError(f"devnet manifest {path} is malformed; run `ogpu devnet reset`")
    return data


def read_manifest_or_none(home: str | os.PathLike[str] | None) -> dict[str, Any] | None:
    """The manifest, or None when there is none or it is unreadable (the next ``up`` rewrites it)."""
    try:
        return read_manifest(home)
    except DevnetError:
        return None


def manifest_network(home: str | os.PathLike[str] | None = None) -> Network:
    """The manifest of ``home`` as a :class:`~ogpu.chain.networks.Network` (for a Session)."""
    return load_devnet_manifest(manifest_path(home))


def public_manifest(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest without private keys (what ``status --json`` prints).

    >>> public_manifest({"rpc_url": "http://127.0.0.1:8545", "keys": {"client": "0x.."}})
    {'rpc_url': 'http://127.0.0.1:8545'}
    """
    return {k: v for k, v in manifest.items() if k != "keys"}


def write_manifest(home: str | os.PathLike[str], manifest: Mapping[str, Any]) -> Path:
    """Write atomically (temp file + rename), mode 600: it holds (public, test-only) keys."""
    path = Path(home) / MANIFEST_NAME
    atomic_write(path, json.dumps(manifest, indent=2, sort_keys=False) + "\n", mode=0o600)
    return path


@contextlib.contextmanager
def locked(home: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Serialise commands on one home, so two ``up``\\ s never start two networks."""
    home.mkdir(parents=True, exist_ok=True)
    try:
        with FileLock(home / ".lock", timeout=timeout):
            yield
    except Timeout:
        raise DevnetBusyError(
            f"another `ogpu devnet` command is running on {home}; wait for it to finish"
        ) from None


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


def build_manifest(
    *,
    home: Path,
    host: str,
    port: int,
    ipfs_port: int,
    addresses: Mapping[str, str],
    block_time: int | None,
    idle_block_s: int | None,
    state_path: Path | None,
    pids: Mapping[str, int],
    deployment: Any,
) -> dict[str, Any]:
    """The manifest of a devnet that was just started (the schema ``load_devnet_manifest`` reads)."""
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
        "markers": {},
        "ports": {"anvil": port, "ipfs": ipfs_port},
        "host": host,
        "started_at": now_iso(),
        "block_time": block_time,
        "idle_block_s": idle_block_s,
        "state_path": str(state_path) if state_path is not None else None,
        "deployment": deployment.to_dict() if deployment is not None else None,
        "home": str(home),
        "logs": {name: str(log_path(home, name)) for name in ("anvil", "ipfs")},
    }
