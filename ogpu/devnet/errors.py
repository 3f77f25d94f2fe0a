"""The devnet's errors (node, processes, manifest, manager): one line each, saying what to do."""

from __future__ import annotations

from ogpu.types.errors import OGPUError

__all__ = [
    "DevnetAnvilNotFoundError",
    "DevnetBusyError",
    "DevnetDeployError",
    "DevnetError",
    "DevnetManifestError",
    "DevnetNotRunningError",
    "DevnetPortInUseError",
    "DevnetStaleError",
    "DevnetStartError",
    "DevnetUnreachableError",
]


class DevnetError(OGPUError):
    """The devnet could not be started, stopped or read. The message says what to do."""


class DevnetPortInUseError(DevnetError):
    """A port the devnet needs is taken by another process."""


class DevnetAnvilNotFoundError(DevnetError):
    """No anvil executable was found."""


class DevnetStartError(DevnetError):
    """A devnet service exited or did not answer during start-up."""


class DevnetUnreachableError(DevnetError):
    """A devnet service does not answer on its address."""


class DevnetDeployError(DevnetError):
    """Deploying or seeding the protocol failed."""


class DevnetNotRunningError(DevnetError):
    """There is no devnet (no manifest) in this home."""


class DevnetStaleError(DevnetError):
    """The manifest names services that are no longer running (crash, reboot, kill)."""


class DevnetManifestError(DevnetError):
    """The devnet manifest cannot be read (corrupt or malformed)."""


class DevnetBusyError(DevnetError):
    """Another ``ogpu devnet`` command holds this home's lock."""


def one_line(text: object) -> str:
    """``text`` on one line (for error messages that quote another program's output)."""
    return " ".join(str(text).split())
