"""Test support shared by every test folder: networks on the test deployment, valid client models,
a devnet home for a network, a round-trip counter, and scenario steps (``World``) written with the
protocol layer itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ogpu.chain.networks import ContractAddresses, Network
from ogpu.chain.session import Session
from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput
from ogpu.devnet.accounts import DEV_ROLES, DevAccount, dev_account, dev_key
from ogpu.devnet.deploy import Deployment, deploy_protocol
from ogpu.devnet.manifest import write_manifest
from ogpu.protocol import Response, Source, Task, controller, nexus, terminal, vault
from ogpu.types import DeliveryMethod, ResponseParams, SourceParams, TaskParams

ETH = 10**18
COMPOSE = "https://example.com/compose.yml"


def network_from_deployment(
    deployment: Deployment,
    rpc_url: str,
    *,
    store_url: str | None = None,
    ws_url: str | None = None,
    dev_keys: bool = True,
    name: str | None = None,
) -> Network:
    """The :class:`Network` of a test deployment reached at ``rpc_url`` (the one builder every
    test folder uses).

    ``store_url``: an IPFS store as pinning service and gateway; ``dev_keys`` give the role
    fallback something to fall back to (a network without them is named ``client-test`` unless
    ``name`` says otherwise).
    """
    network = Network(
        name=name or ("devnet" if dev_keys else "client-test"),
        chain_id=deployment.chain_id,
        rpc_url=rpc_url,
        ws_url=ws_url,
        addresses=ContractAddresses(
            nexus=deployment.nexus,
            controller=deployment.controller,
            terminal=deployment.terminal,
            vault=deployment.vault,
            manager=deployment.manager,
        ),
        dev_keys={role: dev_key(role) for role in DEV_ROLES} if dev_keys else None,
    )
    return with_ipfs(network, store_url) if store_url is not None else network


def with_ipfs(network: Network, store_url: str) -> Network:
    """``network`` pinning through and reading from the devnet IPFS store at ``store_url``."""
    return network.replace(pinning_url=f"{store_url}/file/create", gateway_url=store_url)


def make_session(url: str, deployment: Deployment, **kwargs: Any) -> Session:
    """A devnet Session on a test node."""
    return Session(network_from_deployment(deployment, url), **kwargs)


def deploy_dev(rpc_url: str) -> Deployment:
    """The protocol deployed by the dev admin on the node at ``rpc_url``, with the dev judge and
    default agent (as the pytest plugin's ``deployment``)."""
    return deploy_protocol(
        rpc_url,
        dev_account("admin").account,
        judge=dev_account("judge").address,
        default_agent=dev_account("agent").address,
    )


def devnet_home(net: Network, home: Path, *, keys: bool = True) -> Path:
    """A devnet home whose manifest describes ``net``, so that ``--network devnet`` (and
    :func:`ogpu.devnet.manifest.manifest_network`) find it with ``OGPU_DEVNET_HOME=home``;
    without ``keys`` it holds no development keys."""
    assert net.addresses is not None
    a = net.addresses
    home.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "network": "devnet",
        "chain_id": net.chain_id,
        "rpc_url": net.rpc_url,
        "addresses": {
            "nexus": a.nexus,
            "controller": a.controller,
            "terminal": a.terminal,
            "vault": a.vault,
            "manager": a.manager,
        },
        "ipfs": {"pinning_url": net.pinning_url, "gateway_url": net.gateway_url},
    }
    if keys:
        manifest["keys"] = {role: dev_key(role) for role in DEV_ROLES}
    write_manifest(home, manifest)
    return home


def source_info(**changes: Any) -> SourceInfo:
    """A valid client :class:`SourceInfo` (CPU image, MANUAL_CONFIRMATION) with ``changes``."""
    fields: dict[str, Any] = {
        "name": "sentiment",
        "description": "client tests",
        "logoUrl": "https://example.com/logo.png",
        "imageEnvs": ImageEnvironments(cpu=COMPOSE),
        "minPayment": 10**15,
        "minAvailableLockup": 0,
        "maxExpiryDuration": 3600,
    }
    fields.update(changes)
    return SourceInfo(**fields)


def task_info(source: Any, session: Session, **changes: Any) -> TaskInfo:
    """A valid client :class:`TaskInfo` for ``source`` (10**16 wei, expiring in 600 s of chain
    time) with ``changes``."""
    fields: dict[str, Any] = {
        "source": getattr(source, "address", source),
        "config": TaskInput("analyze", {"text": "great"}, priority=1),
        "expiryTime": session.timestamp("latest") + 600,
        "payment": 10**16,
    }
    fields.update(changes)
    return TaskInfo(**fields)


@dataclass
class RpcCounter:
    """Counts HTTP round trips (one per ``make_request`` / ``make_batch_request``) of a session."""

    round_trips: int = 0
    methods: list[list[str]] = field(default_factory=list)

    def reset(self) -> None:
        self.round_trips = 0
        self.methods.clear()


def acct(role: str) -> DevAccount:
    return dev_account(role)


def key(role: str) -> str:
    return dev_key(role)


@dataclass
class World:
    """Scenario steps written with the protocol layer itself."""

    session: Session

    def pair(self, provider: str = "provider", master: str = "master", amount: int = 0) -> None:
        terminal.announce_master(acct(master).address, signer=key(provider), session=self.session)
        terminal.announce_provider(
            acct(provider).address, amount, signer=key(master), session=self.session
        )

    def source_params(
        self,
        client: str = "client",
        delivery: DeliveryMethod = DeliveryMethod.MANUAL_CONFIRMATION,
        **over: Any,
    ) -> SourceParams:
        values: dict[str, Any] = {
            "client": acct(client).address,
            "imageMetadataUrl": "https://meta.test/source.json",
            "imageEnvironments": 1,
            "minPayment": 10**15,
            "minAvailableLockup": 0,
            "maxExpiryDuration": 86_400,
            "deliveryMethod": int(delivery),
        }
        values.update(over)
        return SourceParams(**values)

    def publish_source(
        self,
        client: str = "client",
        delivery: DeliveryMethod = DeliveryMethod.MANUAL_CONFIRMATION,
        **over: Any,
    ) -> Source:
        receipt = nexus.publish_source(
            self.source_params(client, delivery, **over), signer=key(client), session=self.session
        )
        return Source(nexus.extract_source_address(receipt, session=self.session), self.session)

    def fund(self, role: str = "client", amount: int = ETH) -> None:
        vault.deposit(acct(role).address, amount, signer=key(role), session=self.session)

    def publish_task(
        self, source: Source, client: str = "client", payment: int = 10**16, ttl: int = 3600
    ) -> Task:
        params = TaskParams(
            source=source.address,
            config="https://cfg.test/task.json",
            expiryTime=self.session.timestamp() + ttl,
            payment=payment,
        )
        receipt = controller.publish_task(params, signer=key(client), session=self.session)
        return Task(controller.extract_task_address(receipt, session=self.session), self.session)

    def register(
        self, source: Source, provider: str = "provider", signer: str | None = None
    ) -> None:
        nexus.register(
            source.address,
            acct(provider).address,
            1,
            signer=key(signer or provider),
            session=self.session,
        )

    def attempt(self, task: Task, provider: str = "provider", bid: int = 10**16) -> None:
        nexus.attempt(
            task.address, acct(provider).address, bid, signer=key(provider), session=self.session
        )

    def respond(
        self, task: Task, provider: str = "provider", data: str | None = None, payment: int = 10**16
    ) -> Response:
        params = ResponseParams(
            task=task.address,
            provider=acct(provider).address,
            data=data or f"https://data.test/{provider}.json",
            payment=payment,
        )
        receipt = nexus.submit_response(params, signer=key(provider), session=self.session)
        return Response(nexus.extract_response_address(receipt, session=self.session), self.session)

    def ready_task(
        self,
        delivery: DeliveryMethod = DeliveryMethod.MANUAL_CONFIRMATION,
        providers: tuple[str, ...] = ("provider",),
    ) -> tuple[Source, Task]:
        """Pair the providers, publish a source and a funded task, register the providers."""
        masters = {"provider": "master", "provider2": "master2"}
        for p in providers:
            self.pair(p, masters[p])
        source = self.publish_source(delivery=delivery)
        self.fund()
        task = self.publish_task(source)
        for p in providers:
            self.register(source, p)
        return source, task
