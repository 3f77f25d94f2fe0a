"""Deploy and wire the OpenGPU protocol contracts on any EVM JSON-RPC endpoint (docs/protocol.md).

The five singletons (Manager, Nexus, Terminal, Vault, Controller) are created in one batch with
explicit nonces; their constructor arguments use the addresses the later contracts will get (derived
from the admin's nonce), so the cross-references are right from the start. :func:`ensure_wiring` then
grants the roles and sets the parameters, sending only what is missing. Everything goes through a
:class:`~ogpu.chain.session.Session` and the packaged artifacts; transactions are signed locally
with the admin's key, which is never printed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import rlp
from eth_abi.abi import encode
from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from eth_utils.conversions import to_bytes
from eth_utils.crypto import keccak

from ogpu.chain.artifacts import load_artifact
from ogpu.chain.session import Session
from ogpu.chain.signers import SignerInput, SignerLike, resolve_signer

if TYPE_CHECKING:
    from ogpu.chain.calls import BoundContract, ContractCall

__all__ = [
    "Chain",
    "Deployment",
    "DeploymentError",
    "assert_controller_holders",
    "deploy_protocol",
    "ensure_wiring",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_ADMIN_ROLE = b"\x00" * 32
CONTROLLER_ROLE = keccak(text="CONTROLLER")
JUDGE_ROLE = keccak(text="JUDGE")
_ROLE_GRANTED = keccak(text="RoleGranted(bytes32,address,address)")

_CALL_GAS = 300_000
_RECEIPT_TIMEOUT = 120.0

#: Where to deploy: a :class:`Session`, an RPC URL, or (for callers written against web3) a
#: ``web3.Web3`` over HTTP, of which only the endpoint URL is used.
Chain = Any


class DeploymentError(RuntimeError):
    """A deployment or wiring transaction failed (reverted or was not mined)."""


@dataclass(frozen=True)
class Deployment:
    """Addresses and settings of one protocol deployment.

    ``source_implementation``/``task_implementation``/``response_implementation`` are the contracts every
    Source/Task/Response instance is an EIP-1167 clone of. ``block_number`` is the block the last
    singleton was created in (a good lower bound for log queries).
    """

    chain_id: int
    block_number: int
    admin: ChecksumAddress
    manager: ChecksumAddress
    nexus: ChecksumAddress
    controller: ChecksumAddress
    terminal: ChecksumAddress
    vault: ChecksumAddress
    source_implementation: ChecksumAddress
    task_implementation: ChecksumAddress
    response_implementation: ChecksumAddress
    judge: ChecksumAddress
    default_agent: ChecksumAddress | None
    min_lockup_per_source: int
    unbonding_period: int

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for devnet manifests)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deployment:
        """Rebuild a Deployment from :meth:`to_dict` output (unknown keys are ignored)."""
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in names})


@contextmanager
def _session(chain: Chain) -> Iterator[Session]:
    """The session of ``chain`` (one opened here is closed after use)."""
    if isinstance(chain, Session):
        yield chain
        return
    url = (
        chain
        if isinstance(chain, str)
        else getattr(getattr(chain, "provider", None), "endpoint_uri", None)
    )
    if not isinstance(url, str):
        raise TypeError(f"expected a Session or an RPC URL, got {type(chain).__name__}")
    session = Session(url)
    try:
        yield session
    finally:
        session.close()


def _constructor_types(abi: list[dict[str, Any]]) -> list[str]:
    for entry in abi:
        if entry["type"] == "constructor":
            return [str(i["type"]) for i in entry["inputs"]]
    return []


def _create_address(sender: str, nonce: int) -> ChecksumAddress:
    """The address of the contract ``sender`` creates with ``nonce``."""
    return to_checksum_address(keccak(rlp.encode([to_bytes(hexstr=sender), nonce]))[12:])


class _Sender:
    """Signs and broadcasts a batch of transactions with consecutive explicit nonces, then waits
    for their receipts (the session's receipt poller: one batch per poll)."""

    def __init__(self, session: Session, signer: SignerLike) -> None:
        self.session = session
        self.signer = signer
        self.chain_id = session.chain_id
        self.nonce = int(session.rpc("eth_getTransactionCount", [signer.address, "pending"]), 16)
        self.fee = session.executor.fees().fields()
        self._pending: list[tuple[str, str]] = []

    def send(self, label: str, to: str | None, data: str, gas: int) -> None:
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": self.nonce,
            "gas": gas,
            "value": 0,
            "data": data,
            **self.fee,
        }
        if to is not None:
            tx["to"] = to
        raw = "0x" + bytes(self.signer.sign_transaction(tx).raw_transaction).hex()
        tx_hash = str(self.session.rpc("eth_sendRawTransaction", [raw], retry=False))
        self.nonce += 1
        self._pending.append((label, tx_hash))

    def wait(self) -> list[dict[str, Any]]:
        receipts = []
        try:
            for label, tx_hash in self._pending:
                receipt = self.session.executor.wait_receipt(tx_hash, _RECEIPT_TIMEOUT)
                if int(str(receipt.get("status", "0x0")), 16) != 1:
                    raise DeploymentError(f"{label} reverted (tx {tx_hash})")
                receipts.append(receipt)
        finally:
            self._pending.clear()
            # the nonces were taken here, outside the session's executor: let it re-read them
            self.session.nonces.reset(self.signer.address)
        return receipts


def deploy_protocol(
    chain: Chain,
    admin: SignerInput,
    *,
    judge: str,
    default_agent: str | None = None,
    min_lockup_per_source: int = 0,
    unbonding_period: int = 600,
) -> Deployment:
    """Deploy Manager, Nexus, Terminal, Vault and Controller, grant roles and set parameters.

    ``chain`` is a :class:`Session` or an RPC URL; ``admin`` (a key or an eth-account account)
    signs everything and becomes DEFAULT_ADMIN_ROLE holder and owner of the Ownable contracts;
    ``judge`` gets the JUDGE role; ``default_agent`` (optional) becomes the Terminal's default
    agent for masters.

    >>> from ogpu.devnet.accounts import dev_account
    >>> d = deploy_protocol(devnet.rpc_url, dev_account("admin").account,
    ...                     judge=dev_account("judge").address)
    >>> d.unbonding_period
    600
    """
    signer = resolve_signer(admin)
    with _session(chain) as session:
        sender = _Sender(session, signer)
        n0 = sender.nonce
        manager, nexus, terminal, vault, controller = (
            _create_address(signer.address, n0 + i) for i in range(5)
        )
        plan: Sequence[tuple[str, tuple[Any, ...]]] = (
            ("Manager", ()),
            ("Nexus", (manager, terminal, vault)),
            ("Terminal", (manager, vault)),
            ("Vault", (manager, nexus, terminal)),
            ("Controller", (nexus, terminal, vault)),
        )
        for name, args in plan:
            artifact = load_artifact(name)
            data = artifact.bytecode + encode(_constructor_types(artifact.abi), list(args)).hex()
            gas = int(session.rpc("eth_estimateGas", [{"from": signer.address, "data": data}]), 16)
            sender.send(f"deploy {name}", None, data, gas + gas // 5)
        receipts = sender.wait()
        expected_addresses = (manager, nexus, terminal, vault, controller)
        for (name, _), receipt, expected in zip(plan, receipts, expected_addresses, strict=True):
            landed = receipt.get("contractAddress")
            if not isinstance(landed, str) or to_checksum_address(landed) != expected:
                raise DeploymentError(f"{name} landed at {landed}, expected {expected}")

        nexus_c = session.contract("Nexus", nexus)
        source_impl, response_impl, task_impl = session.batch_call(
            [
                nexus_c.functions.sourceImplementation(),
                nexus_c.functions.responseImplementation(),
                session.contract("Controller", controller).functions.taskImplementation(),
            ]
        )
        deployment = Deployment(
            chain_id=sender.chain_id,
            block_number=int(str(receipts[-1]["blockNumber"]), 16),
            admin=to_checksum_address(signer.address),
            manager=manager,
            nexus=nexus,
            controller=controller,
            terminal=terminal,
            vault=vault,
            source_implementation=to_checksum_address(source_impl),
            task_implementation=to_checksum_address(task_impl),
            response_implementation=to_checksum_address(response_impl),
            judge=to_checksum_address(judge),
            default_agent=to_checksum_address(default_agent) if default_agent else None,
            min_lockup_per_source=min_lockup_per_source,
            unbonding_period=unbonding_period,
        )
        ensure_wiring(session, signer, deployment)
    return deployment


def ensure_wiring(chain: Chain, admin: SignerInput, deployment: Deployment) -> list[str]:
    """Check every role, cross-reference and parameter of ``deployment``; send only what is missing.

    All the checks are one batch of reads. Returns the labels of the transactions that were sent
    (empty when everything was in place), so calling it twice is safe and the second call sends
    nothing.
    """
    d = deployment
    signer = resolve_signer(admin)
    with _session(chain) as session:
        manager = session.contract("Manager", d.manager)
        nexus = session.contract("Nexus", d.nexus)
        controller = session.contract("Controller", d.controller)
        terminal = session.contract("Terminal", d.terminal)
        vault = session.contract("Vault", d.vault)

        # (label, what is read, the value it must have, the fix)
        checks: list[tuple[str, ContractCall, Any, ContractCall]] = []
        refs: tuple[tuple[BoundContract, str, str, str], ...] = (
            (nexus, "manager", "setManager", d.manager),
            (nexus, "terminal", "setTerminal", d.terminal),
            (nexus, "vault", "setVault", d.vault),
            (terminal, "manager", "setManager", d.manager),
            (terminal, "vault", "setVault", d.vault),
            (controller, "nexus", "setNexus", d.nexus),
            (controller, "terminal", "setTerminal", d.terminal),
            (controller, "vault", "setVault", d.vault),
            (vault, "terminal", "setTerminal", d.terminal),
        )
        for contract, getter, setter, value in refs:
            fn = contract.functions
            fix = getattr(fn, setter)(value)
            checks.append((f"{setter}({value})", getattr(fn, getter)(), value, fix))
        roles = [(CONTROLLER_ROLE, "CONTROLLER", h) for h in (d.controller, d.nexus, d.terminal)]
        for role, name, holder in [*roles, (JUDGE_ROLE, "JUDGE", d.judge)]:
            has, grant = manager.functions.hasRole, manager.functions.grantRole
            checks.append(
                (f"grant {name} to {holder}", has(role, holder), True, grant(role, holder))
            )
        agent = d.default_agent or ZERO_ADDRESS
        vf, tf = vault.functions, terminal.functions
        lockup, unbonding = d.min_lockup_per_source, d.unbonding_period
        checks += [
            (
                "setMinLockupPerSource",
                vf.MIN_LOCKUP_PER_SOURCE(),
                lockup,
                vf.setMinLockupPerSource(lockup),
            ),
            (
                "setMaxUnbondingPeriod",
                vf.UNBONDING_PERIOD(),
                unbonding,
                vf.setMaxUnbondingPeriod(unbonding),
            ),
            (f"setDefaultAgent({agent})", tf.defaultAgent(), agent, tf.setDefaultAgent(agent)),
        ]

        values = session.batch_call([read for _, read, _, _ in checks])
        # one comparison for addresses (any case), numbers and booleans
        missing = [
            (label, fix)
            for (label, _, want, fix), got in zip(checks, values, strict=True)
            if str(got).lower() != str(want).lower()
        ]
        if missing:
            sender = _Sender(session, signer)
            for label, fix in missing:
                sender.send(label, fix.address, fix.data, _CALL_GAS)
            sender.wait()
        assert_controller_holders(session, d)
    return [label for label, _ in missing]


def assert_controller_holders(chain: Chain, deployment: Deployment) -> None:
    """Raise :class:`DeploymentError` unless CONTROLLER is held only by Controller, Nexus and Terminal.

    CONTROLLER moves escrow in the Vault and drives the Nexus hooks, so any other holder could
    spend clients' balances. The Manager is not enumerable: every account its ``RoleGranted`` logs
    ever named for CONTROLLER is checked against ``hasRole`` now (one batch).
    """
    d = deployment
    with _session(chain) as session:
        manager = session.contract("Manager", d.manager)
        query = {
            "address": d.manager,
            "fromBlock": "0x0",
            "toBlock": "latest",
            "topics": ["0x" + _ROLE_GRANTED.hex(), "0x" + CONTROLLER_ROLE.hex()],
        }
        logs = session.rpc("eth_getLogs", [query])
        own = {d.controller.lower(), d.nexus.lower(), d.terminal.lower()}
        granted = sorted(
            {to_checksum_address("0x" + str(log["topics"][2])[-40:]) for log in logs or []}
        )
        others = [a for a in granted if a.lower() not in own]
        held = session.batch_call([manager.functions.hasRole(CONTROLLER_ROLE, a) for a in others])
        foreign = [a for a, h in zip(others, held, strict=True) if h]
    if foreign:
        raise DeploymentError(
            f"CONTROLLER role held outside the protocol's contracts: {', '.join(foreign)}"
        )
