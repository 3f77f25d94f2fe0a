"""Deploy and wire the OpenGPU protocol contracts on any EVM JSON-RPC endpoint (protocol.md §1.5).

The five singletons (Manager, Nexus, Terminal, Vault, Controller) are created in one batch with
explicit nonces; their constructor arguments use the addresses the later contracts will get (derived
from the admin's nonce), so the cross-references are right from the start. :func:`ensure_wiring` then
grants the roles and sets the parameters, sending only what is missing. Transactions are signed
locally with the admin account; the key is never printed.

Example::

    from web3 import Web3
    from ogpu.devnet.accounts import dev_account
    from ogpu.devnet.deploy import deploy_protocol

    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:8545"))
    d = deploy_protocol(w3, dev_account("admin").account, judge=dev_account("judge").address)
    print(d.nexus, d.controller)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress, HexStr
from eth_utils.address import to_checksum_address
from eth_utils.conversions import to_bytes
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract

from ogpu.chain.artifacts import load_artifact

__all__ = [
    "Deployment",
    "DeploymentError",
    "assert_controller_holders",
    "deploy_protocol",
    "ensure_wiring",
    "protocol_contract",
]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_ADMIN_ROLE = b"\x00" * 32
CONTROLLER_ROLE = keccak(text="CONTROLLER")
JUDGE_ROLE = keccak(text="JUDGE")
_ROLE_GRANTED = keccak(text="RoleGranted(bytes32,address,address)")

_CALL_GAS = 300_000
_RECEIPT_TIMEOUT = 120.0


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


def protocol_contract(w3: Web3, name: str, address: str) -> Contract:
    """A web3 contract object for protocol contract ``name`` at ``address``."""
    return w3.eth.contract(address=to_checksum_address(address), abi=load_artifact(name).abi)


def _constructor_types(abi: list[dict[str, Any]]) -> list[str]:
    for entry in abi:
        if entry["type"] == "constructor":
            return [str(i["type"]) for i in entry["inputs"]]
    return []


def _create_address(sender: str, nonce: int) -> ChecksumAddress:
    sender_bytes = to_bytes(hexstr=sender)
    if nonce == 0:
        nonce_rlp = b"\x80"
    elif nonce < 0x80:
        nonce_rlp = bytes([nonce])
    else:
        raw = nonce.to_bytes((nonce.bit_length() + 7) // 8, "big")
        nonce_rlp = bytes([0x80 + len(raw)]) + raw
    payload = b"\x94" + sender_bytes + nonce_rlp
    return to_checksum_address(keccak(bytes([0xC0 + len(payload)]) + payload)[12:])


class _Sender:
    """Signs and broadcasts a batch of transactions with consecutive explicit nonces, then waits."""

    def __init__(self, w3: Web3, account: LocalAccount) -> None:
        self.w3 = w3
        self.account = account
        self.chain_id = w3.eth.chain_id
        self.nonce: int = int(w3.eth.get_transaction_count(account.address, "pending"))
        self._pending: list[tuple[str, HexBytes]] = []
        block = w3.eth.get_block("latest")
        base_fee = int(block.get("baseFeePerGas", 0) or 0)
        self._tip = 1_000_000_000
        self._max_fee = 2 * base_fee + self._tip

    def send(self, label: str, to: str | None, data: str | bytes, gas: int) -> None:
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": self.nonce,
            "gas": gas,
            "maxFeePerGas": self._max_fee,
            "maxPriorityFeePerGas": self._tip,
            "value": 0,
            "data": data,
        }
        if to is not None:
            tx["to"] = to
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        self.nonce += 1
        self._pending.append((label, tx_hash))

    def wait(self) -> list[Any]:
        receipts = []
        for label, tx_hash in self._pending:
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=_RECEIPT_TIMEOUT, poll_latency=0.05
            )
            if receipt["status"] != 1:
                raise DeploymentError(f"{label} reverted (tx {tx_hash.to_0x_hex()})")
            receipts.append(receipt)
        self._pending.clear()
        return receipts


def deploy_protocol(
    w3: Web3,
    admin: LocalAccount,
    *,
    judge: str,
    default_agent: str | None = None,
    min_lockup_per_source: int = 0,
    unbonding_period: int = 600,
) -> Deployment:
    """Deploy Manager, Nexus, Terminal, Vault and Controller, grant roles and set parameters.

    ``admin`` signs everything and becomes DEFAULT_ADMIN_ROLE holder and owner of the Ownable
    contracts; ``judge`` gets the JUDGE role; ``default_agent`` (optional) becomes the Terminal's
    default agent for masters.

    >>> from ogpu.devnet.accounts import dev_account
    >>> w3 = Web3(Web3.HTTPProvider(devnet.rpc_url))
    >>> d = deploy_protocol(w3, dev_account("admin").account, judge=dev_account("judge").address)
    >>> d.unbonding_period
    600
    """
    sender = _Sender(w3, admin)
    n0 = sender.nonce
    manager, nexus, terminal, vault, controller = (
        _create_address(admin.address, n0 + i) for i in range(5)
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
        data = HexStr(
            artifact.bytecode + encode(_constructor_types(artifact.abi), list(args)).hex()
        )
        gas = w3.eth.estimate_gas({"from": admin.address, "data": data})
        sender.send(f"deploy {name}", None, data, gas + gas // 5)
    receipts = sender.wait()
    expected_addresses = (manager, nexus, terminal, vault, controller)
    for (name, _), receipt, expected in zip(plan, receipts, expected_addresses, strict=True):
        if to_checksum_address(receipt["contractAddress"]) != expected:
            raise DeploymentError(
                f"{name} landed at {receipt['contractAddress']}, expected {expected}"
            )

    nexus_c = protocol_contract(w3, "Nexus", nexus)
    controller_c = protocol_contract(w3, "Controller", controller)
    deployment = Deployment(
        chain_id=sender.chain_id,
        block_number=int(receipts[-1]["blockNumber"]),
        admin=to_checksum_address(admin.address),
        manager=manager,
        nexus=nexus,
        controller=controller,
        terminal=terminal,
        vault=vault,
        source_implementation=to_checksum_address(nexus_c.functions.sourceImplementation().call()),
        task_implementation=to_checksum_address(controller_c.functions.taskImplementation().call()),
        response_implementation=to_checksum_address(
            nexus_c.functions.responseImplementation().call()
        ),
        judge=to_checksum_address(judge),
        default_agent=to_checksum_address(default_agent) if default_agent else None,
        min_lockup_per_source=min_lockup_per_source,
        unbonding_period=unbonding_period,
    )
    ensure_wiring(w3, admin, deployment)
    return deployment


def ensure_wiring(w3: Web3, admin: LocalAccount, deployment: Deployment) -> list[str]:
    """Check every role, cross-reference and parameter of ``deployment``; send only what is missing.

    Returns the labels of the transactions that were sent (empty when everything was in place), so
    calling it twice is safe and the second call sends nothing.
    """
    d = deployment
    manager = protocol_contract(w3, "Manager", d.manager)
    nexus = protocol_contract(w3, "Nexus", d.nexus)
    controller = protocol_contract(w3, "Controller", d.controller)
    terminal = protocol_contract(w3, "Terminal", d.terminal)
    vault = protocol_contract(w3, "Vault", d.vault)

    wanted: list[tuple[str, Contract, str, tuple[Any, ...], bool]] = []

    def same(a: Any, b: Any) -> bool:
        return str(a).lower() == str(b).lower()

    refs = (
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
        ok = same(contract.functions[getter]().call(), value)
        wanted.append((f"{setter}({value})", contract, setter, (value,), ok))
    for holder in (d.controller, d.nexus, d.terminal):
        ok = manager.functions.hasRole(CONTROLLER_ROLE, holder).call()
        wanted.append(
            (f"grant CONTROLLER to {holder}", manager, "grantRole", (CONTROLLER_ROLE, holder), ok)
        )
    ok = manager.functions.hasRole(JUDGE_ROLE, d.judge).call()
    wanted.append((f"grant JUDGE to {d.judge}", manager, "grantRole", (JUDGE_ROLE, d.judge), ok))
    ok = vault.functions.MIN_LOCKUP_PER_SOURCE().call() == d.min_lockup_per_source
    wanted.append(
        ("setMinLockupPerSource", vault, "setMinLockupPerSource", (d.min_lockup_per_source,), ok)
    )
    ok = vault.functions.UNBONDING_PERIOD().call() == d.unbonding_period
    wanted.append(
        ("setMaxUnbondingPeriod", vault, "setMaxUnbondingPeriod", (d.unbonding_period,), ok)
    )
    agent = d.default_agent or ZERO_ADDRESS
    ok = same(terminal.functions.defaultAgent().call(), agent)
    wanted.append((f"setDefaultAgent({agent})", terminal, "setDefaultAgent", (agent,), ok))

    missing = [w for w in wanted if not w[4]]
    if missing:
        sender = _Sender(w3, admin)
        for label, contract, fn, args, _ in missing:
            data = contract.encode_abi(fn, args=list(args))
            sender.send(label, contract.address, data, _CALL_GAS)
        sender.wait()
    assert_controller_holders(w3, d)
    return [w[0] for w in missing]


def assert_controller_holders(w3: Web3, deployment: Deployment) -> None:
    """Raise :class:`DeploymentError` unless CONTROLLER is held only by Controller, Nexus and Terminal.

    CONTROLLER moves escrow in the Vault and drives the Nexus hooks, so any other holder could
    spend clients' balances. The Manager is not enumerable: every account its ``RoleGranted`` logs
    ever named for CONTROLLER is checked against ``hasRole`` now.
    """
    d = deployment
    manager = protocol_contract(w3, "Manager", d.manager)
    logs = w3.eth.get_logs(
        {
            "address": d.manager,
            "fromBlock": 0,
            "toBlock": "latest",
            "topics": [HexBytes(_ROLE_GRANTED).to_0x_hex(), HexBytes(CONTROLLER_ROLE).to_0x_hex()],
        }
    )
    own = {d.controller.lower(), d.nexus.lower(), d.terminal.lower()}
    granted = {to_checksum_address(bytes(log["topics"][2])[12:]) for log in logs}
    foreign = sorted(
        a
        for a in granted
        if a.lower() not in own and manager.functions.hasRole(CONTROLLER_ROLE, a).call()
    )
    if foreign:
        raise DeploymentError(
            f"CONTROLLER role held outside the protocol's contracts: {', '.join(foreign)}"
        )
