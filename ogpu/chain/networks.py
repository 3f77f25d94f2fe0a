"""Networks the SDK can talk to: mainnet, testnet, a local devnet, or any RPC URL.

>>> MAINNET.chain_id
1071
>>> resolve_network("testnet").addresses.nexus
'0xF87bb2f3edB991a998992f14d35fE142e6Bb50b1'
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ogpu.types.errors import ChainNotSupportedError, ConfigError

__all__ = [
    "DEVNET_MANIFEST_NAME",
    "MAINNET",
    "TESTNET",
    "ContractAddresses",
    "Network",
    "devnet_home",
    "devnet_manifest_path",
    "known_network_for_chain",
    "load_devnet_manifest",
    "resolve_network",
]

_SINGLETONS = ("nexus", "controller", "terminal", "vault", "manager")


@dataclass(frozen=True)
class ContractAddresses:
    """Addresses of the protocol's singleton contracts on one network."""

    nexus: str
    controller: str
    terminal: str
    vault: str
    manager: str | None = None

    def get(self, name: str) -> str | None:
        """Address by contract name, case-insensitive (``"Nexus"``, ``"NEXUS"``, ``"nexus"``)."""
        key = name.lower().removesuffix("abi")
        if key not in _SINGLETONS:
            return None
        value: str | None = getattr(self, key)
        return value


@dataclass(frozen=True)
class Network:
    """Everything needed to reach one OpenGPU network.

    ``chain_id`` and ``addresses`` may be ``None`` for a bare RPC URL; the session resolves them
    from the chain id. ``dev_keys`` (devnet only) map role names to public test keys and never
    appear in the repr.
    """

    name: str
    chain_id: int | None
    rpc_url: str
    ws_url: str | None = None
    addresses: ContractAddresses | None = None
    pinning_url: str | None = None
    gateway_url: str | None = None
    kubo_api_url: str | None = None
    explorer: str | None = None
    dev_keys: dict[str, str] | None = field(default=None, repr=False, compare=False)

    @property
    def is_devnet(self) -> bool:
        """True for a local development network."""
        return self.name == "devnet" or bool(self.dev_keys)

    def replace(self, **changes: Any) -> Network:
        """A copy with some fields changed (``network.replace(rpc_url=...)``)."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        keys = f", dev_keys=<{len(self.dev_keys)} hidden>" if self.dev_keys else ""
        return (
            f"Network(name={self.name!r}, chain_id={self.chain_id}, rpc_url={self.rpc_url!r}{keys})"
        )


_OGPU_PINNING = "https://capi.ogpuscan.io/file/create"
_OGPU_GATEWAY = "https://cipfs.ogpuscan.io/ipfs/"

MAINNET = Network(
    name="mainnet",
    chain_id=1071,
    rpc_url="https://mainnet-rpc.ogpuscan.io",
    addresses=ContractAddresses(
        nexus="0x2b0cC6058313801D5feb184a539e3a0C5A87a6a1",
        controller="0x8661F4B9c30e07A04d795A192478dfD905625a1D",
        terminal="0xaEBC7b712D38Fc4d841f0732c21B8774339869D3",
        vault="0xa5c582254AA313528898311362bc698b041580cC",
    ),
    pinning_url=_OGPU_PINNING,
    gateway_url=_OGPU_GATEWAY,
    explorer="https://ogpuscan.io",
)

TESTNET = Network(
    name="testnet",
    chain_id=200820172034,
    rpc_url="https://testnetrpc.ogpuscan.io",
    addresses=ContractAddresses(
        nexus="0xF87bb2f3edB991a998992f14d35fE142e6Bb50b1",
        controller="0x9fb6022074Fd7Bdb429de0776eb693cA0CB55E09",
        terminal="0x1ea332Fc14a5AFD3AF3852B45C263Ab5b1Dd6f52",
        vault="0x15905a2FbD3EF5d3532b931b5656BB9EB493Bb15",
    ),
    pinning_url=_OGPU_PINNING,
    gateway_url=_OGPU_GATEWAY,
)

_KNOWN: dict[str, Network] = {"mainnet": MAINNET, "testnet": TESTNET}


DEVNET_MANIFEST_NAME = "manifest.json"


def devnet_home() -> Path:
    """The devnet home: ``$OGPU_DEVNET_HOME`` or ``~/.ogpu/devnet``."""
    env = os.environ.get("OGPU_DEVNET_HOME")
    return Path(env).expanduser() if env else Path.home() / ".ogpu" / "devnet"


def devnet_manifest_path() -> Path:
    """Where the devnet manifest lives: ``$OGPU_DEVNET_HOME/manifest.json`` or
    ``~/.ogpu/devnet/manifest.json``."""
    return devnet_home() / DEVNET_MANIFEST_NAME


def load_devnet_manifest(path: str | os.PathLike[str] | None = None) -> Network:
    """Read a devnet manifest (written by ``ogpu devnet``) into a :class:`Network`.

    Manifest keys: ``chain_id, rpc_url, ws_url, addresses{manager,nexus,controller,terminal,vault},
    ipfs{api_url,gateway_url,pinning_url}, keys{role: hex}``.

    >>> net = load_devnet_manifest(devnet.manifest_path)
    >>> net.name, net.chain_id, net.addresses.nexus == devnet.addresses["nexus"]
    ('devnet', 31337, True)
    """
    p = Path(path) if path is not None else devnet_manifest_path()
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise ConfigError(
            f"no devnet manifest at {p}; start one with `ogpu devnet up` or set OGPU_DEVNET_HOME"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read the devnet manifest {p}: {exc}") from None
    try:
        addrs = data["addresses"]
        required = {k: addrs[k] for k in _SINGLETONS[:4]}  # all but the manager
        addresses = ContractAddresses(**required, manager=addrs.get("manager"))
        ipfs = data.get("ipfs") or {}
        keys = data.get("keys") or None
        return Network(
            name="devnet",
            chain_id=int(data["chain_id"]),
            rpc_url=str(data["rpc_url"]),
            ws_url=data.get("ws_url"),
            addresses=addresses,
            pinning_url=ipfs.get("pinning_url"),
            gateway_url=ipfs.get("gateway_url"),
            kubo_api_url=ipfs.get("api_url"),
            dev_keys={str(k): str(v) for k, v in keys.items()} if keys else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"devnet manifest {p} is malformed (missing {exc})") from None


def known_network_for_chain(chain_id: int) -> Network | None:
    """The built-in network with this chain id, or the devnet's if its manifest matches."""
    for net in _KNOWN.values():
        if net.chain_id == chain_id:
            return net
    try:
        dev = load_devnet_manifest()
    except ConfigError:
        return None
    return dev if dev.chain_id == chain_id else None


def resolve_network(name_or_url: str | Network) -> Network:
    """A :class:`Network` from ``"mainnet"``, ``"testnet"``, ``"devnet"`` or an RPC URL.

    A URL gives a network without chain id/addresses; the session fills them in from the chain.

    >>> resolve_network("http://127.0.0.1:8545").rpc_url
    'http://127.0.0.1:8545'
    """
    if isinstance(name_or_url, Network):
        return name_or_url
    text = name_or_url.strip()
    key = text.lower()
    if key in _KNOWN:
        return _KNOWN[key]
    if key in ("devnet", "local", "localhost"):
        return load_devnet_manifest()
    if key.startswith(("http://", "https://")):
        return Network(name="custom", chain_id=None, rpc_url=text)
    if key.startswith(("ws://", "wss://")):
        http = "http" + text[2:]
        return Network(name="custom", chain_id=None, rpc_url=http, ws_url=text)
    raise ChainNotSupportedError(text)
