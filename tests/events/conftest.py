"""Fixtures for the event tests: a Session on the test anvil and a cheap event generator.

Events are generated with ``Vault.deposit`` (emits ``Deposited``) and ``Terminal.setAgent``
(emits ``AgentSet``) sent from anvil's unlocked development accounts (``eth_sendTransaction``:
no signing, so thousands of events are cheap).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.world import network_from_deployment

from ogpu.chain.networks import Network
from ogpu.chain.session import Session
from ogpu.devnet.accounts import dev_account
from ogpu.devnet.deploy import Deployment
from ogpu.devnet.node import AnvilNode, rpc_call

# tests/faults/proxy.py is shared test tooling (no tests/__init__.py): make it importable.
_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


def make_network(url: str, deployment: Deployment, ws_url: str | None = None) -> Network:
    return network_from_deployment(
        deployment, url, ws_url=ws_url, dev_keys=False, name="anvil-test"
    )


@pytest.fixture
def session(anvil: AnvilNode, deployment: Deployment) -> Iterator[Session]:
    """An HTTP-only Session on the test deployment (watchers poll)."""
    s = Session(make_network(anvil.url, deployment))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def ws_session(anvil: AnvilNode, deployment: Deployment) -> Iterator[Session]:
    """A Session whose network has a WebSocket URL (watchers subscribe to newHeads)."""
    ws = "ws" + anvil.url.removeprefix("http")
    s = Session(make_network(anvil.url, deployment, ws_url=ws))
    try:
        yield s
    finally:
        s.close()


@dataclass
class Chain:
    """Drive the test chain: send event-emitting transactions, mine, reorganise."""

    url: str
    deployment: Deployment
    session: Session
    automining: bool = True

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return rpc_call(self.url, method, params or [], timeout=30.0)

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def deposit(self, role: str = "client", amount: int = 1, *, account: str | None = None) -> str:
        """``Vault.deposit(account)`` with ``value=amount`` from ``role``; returns the tx hash."""
        sender = dev_account(role).address
        target = account or sender
        data = self.session.contract("Vault").encode_abi("deposit", [target])
        return self._send(
            {"from": sender, "to": self.deployment.vault, "data": data, "value": hex(amount)}
        )

    def _send(self, tx: dict[str, Any]) -> str:
        """``eth_sendTransaction``; with automine on, returns once the transaction is mined
        (anvil may answer before its block exists)."""
        tx_hash = str(self.rpc("eth_sendTransaction", [tx]))
        if self.automining:
            deadline = time.monotonic() + 10
            while self.rpc("eth_getTransactionReceipt", [tx_hash]) is None:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{tx_hash} was not mined")
                time.sleep(0.005)
        return tx_hash

    def deposit_tx(self, role: str, amount: int) -> dict[str, Any]:
        """An unsent ``Vault.deposit`` transaction request (for ``anvil_reorg``)."""
        sender = dev_account(role).address
        data = self.session.contract("Vault").encode_abi("deposit", [sender])
        return {"from": sender, "to": self.deployment.vault, "data": data, "value": hex(amount)}

    def raw(self, tx_hash: str) -> str:
        """The signed bytes of a mined transaction (to re-include it in a reorganisation)."""
        return str(self.rpc("eth_getRawTransactionByHash", [tx_hash]))

    def reorg(self, depth: int, txs: list[tuple[Any, int]]) -> None:
        """Replace the last ``depth`` blocks by new ones holding ``txs`` ((tx, block offset))."""
        self.rpc("anvil_reorg", [depth, [[tx, offset] for tx, offset in txs]])

    def set_agent(self, role: str, agent: str, value: bool = True) -> str:
        sender = dev_account(role).address
        data = self.session.contract("Terminal").encode_abi("setAgent", [agent, value])
        return self._send({"from": sender, "to": self.deployment.terminal, "data": data})

    def automine(self, on: bool) -> None:
        self.rpc("evm_setAutomine", [on])
        self.automining = on

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])


@pytest.fixture
def chain(anvil: AnvilNode, deployment: Deployment, session: Session) -> Iterator[Chain]:
    c = Chain(anvil.url, deployment, session)
    try:
        yield c
    finally:
        c.automine(True)


@dataclass
class Lifecycle:
    """Task lifecycle steps through the protocol layer (pair, publish, attempt, respond...)."""

    session: Session

    def _key(self, role: str) -> str:
        from ogpu.devnet.accounts import dev_key

        return dev_key(role)

    def ready_task(self, delivery: int = 0) -> tuple[Any, Any]:
        """Pair provider/master, publish a source and a funded task, register the provider."""
        from ogpu.protocol import Source, Task, controller, nexus, terminal, vault
        from ogpu.types import SourceParams, TaskParams

        s = self.session
        client = dev_account("client").address
        for p, m in (("provider", "master"), ("provider2", "master2")):
            provider, master = dev_account(p).address, dev_account(m).address
            terminal.announce_master(master, signer=self._key(p), session=s)
            terminal.announce_provider(provider, 0, signer=self._key(m), session=s)
        params = SourceParams(
            client=client,
            imageMetadataUrl="https://meta.test/source.json",
            imageEnvironments=1,
            minPayment=10**15,
            minAvailableLockup=0,
            maxExpiryDuration=86_400,
            deliveryMethod=delivery,
        )
        receipt = nexus.publish_source(params, signer=self._key("client"), session=s)
        source = Source(nexus.extract_source_address(receipt, session=s), s)
        vault.deposit(client, 10**18, signer=self._key("client"), session=s)
        tparams = TaskParams(
            source=source.address,
            config="https://cfg.test/task.json",
            expiryTime=s.timestamp() + 3600,
            payment=10**16,
        )
        receipt = controller.publish_task(tparams, signer=self._key("client"), session=s)
        task = Task(controller.extract_task_address(receipt, session=s), s)
        for p in ("provider", "provider2"):
            nexus.register(
                source.address, dev_account(p).address, 1, signer=self._key(p), session=s
            )
        return source, task

    def attempt(self, task: Any, who: str = "provider") -> None:
        from ogpu.protocol import nexus

        provider = dev_account(who).address
        nexus.attempt(task.address, provider, 10**16, signer=self._key(who), session=self.session)

    def respond(self, task: Any, who: str = "provider") -> Any:
        from ogpu.protocol import Response, nexus
        from ogpu.types import ResponseParams

        params = ResponseParams(
            task=task.address,
            provider=dev_account(who).address,
            data=f"https://data.test/{who}.json",
            payment=10**16,
        )
        receipt = nexus.submit_response(params, signer=self._key(who), session=self.session)
        return Response(nexus.extract_response_address(receipt, session=self.session), self.session)

    def confirm(self, response: Any) -> None:
        from ogpu.protocol import controller

        controller.confirm_response(
            response.address, signer=self._key("client"), session=self.session
        )

    def cancel(self, task: Any) -> None:
        from ogpu.protocol import controller

        controller.cancel_task(task.address, signer=self._key("client"), session=self.session)


@pytest.fixture
def lifecycle(session: Session) -> Lifecycle:
    return Lifecycle(session)
