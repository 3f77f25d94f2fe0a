"""Put the protocol on a fresh devnet chain and seed it: the default provider paired with its
master, the client's vault balance funded.

Everything goes through a :class:`~ogpu.chain.session.Session` and the packaged ABIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ogpu.chain.networks import ContractAddresses, Network
from ogpu.chain.session import Session
from ogpu.devnet.errors import DevnetDeployError, one_line
from ogpu.devnet.manifest import CHAIN_ID
from ogpu.types.errors import OGPUError

__all__ = [
    "CLIENT_VAULT_DEPOSIT_WEI",
    "CONTRACTS",
    "code_at_all",
    "deploy_and_seed",
    "devnet_session",
    "restore_deployment",
]

#: What ``up`` deposits into the client's vault balance (100 ether).
CLIENT_VAULT_DEPOSIT_WEI = 100 * 10**18
#: The protocol's singleton contracts, as named in the manifest.
CONTRACTS = ("manager", "nexus", "controller", "terminal", "vault")


def devnet_session(
    rpc_url: str, addresses: Mapping[str, str] | None = None, *, timeout: float = 10.0
) -> Session:
    """A session on a devnet node (with the protocol's addresses once they are known)."""
    addrs = ContractAddresses(**{n: str(addresses[n]) for n in CONTRACTS}) if addresses else None
    network = Network(name="devnet", chain_id=CHAIN_ID, rpc_url=rpc_url, addresses=addrs)
    return Session(network, request_timeout=timeout)


def deploy_and_seed(rpc_url: str) -> tuple[dict[str, str], Any]:
    """Deploy the protocol with the development roles and seed it: (addresses, Deployment)."""
    from ogpu.devnet.accounts import dev_account
    from ogpu.devnet.deploy import deploy_protocol

    bare = devnet_session(rpc_url)
    try:
        deployment = deploy_protocol(
            bare,
            dev_account("admin").account,
            judge=dev_account("judge").address,
            default_agent=dev_account("agent").address,
        )
    except Exception as exc:
        raise DevnetDeployError(
            f"deploying the protocol failed: {type(exc).__name__}: {one_line(exc)}; "
            "run `ogpu devnet reset`, or `make compile` if the contract artifacts are missing"
        ) from None
    finally:
        bare.close()
    addresses = {name: str(getattr(deployment, name)) for name in CONTRACTS}
    session = devnet_session(rpc_url, addresses)
    try:
        seed(session)
    finally:
        session.close()
    return addresses, deployment


def seed(session: Session) -> None:
    """Pair provider↔master on the Terminal and fund the client's vault balance.

    Each sender has one transaction, so all three go out at once (the pairing handshake is
    order-independent) and are then awaited.
    """
    from ogpu.devnet.accounts import dev_account

    terminal, vault = session.contract("Terminal"), session.contract("Vault")
    provider, master, client = dev_account("provider"), dev_account("master"), dev_account("client")
    calls = [
        (terminal.functions.announceMaster(master.address), provider, 0),
        (terminal.functions.announceProvider(provider.address, 0), master, 0),
        (vault.functions.deposit(client.address), client, CLIENT_VAULT_DEPOSIT_WEI),
    ]
    try:
        pending = [session.transact(f, who.account, value=v, wait=False) for f, who, v in calls]
        session.wait_all(pending, timeout=30)
        paired = session.call(terminal.functions.masterOf(provider.address)) == master.address
    except OGPUError as exc:
        raise DevnetDeployError(
            f"seeding the devnet failed: {one_line(exc)}; run `ogpu devnet reset`"
        ) from None
    if not paired:
        raise DevnetDeployError(
            "pairing the default provider with its master did not take effect; run `ogpu devnet reset`"
        )


def restore_deployment(data: Any) -> Any:
    """The :class:`~ogpu.devnet.deploy.Deployment` saved in a previous manifest (None if absent
    or unreadable)."""
    if not isinstance(data, dict):
        return None
    try:
        from ogpu.devnet.deploy import Deployment

        return Deployment.from_dict(data)
    except (TypeError, ValueError, ImportError):
        return None


def code_at_all(rpc_url: str, addresses: Mapping[str, str]) -> bool:
    """True when every protocol contract of ``addresses`` has code on the chain."""
    session = devnet_session(rpc_url)
    try:
        codes = session.rpc_batch([("eth_getCode", [addresses[n], "latest"]) for n in CONTRACTS])
        return all(isinstance(c, str) and len(c) > 2 for c in codes)
    except (KeyError, ValueError, TypeError, OGPUError):
        return False
    finally:
        session.close()
