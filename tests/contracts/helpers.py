"""Helpers for the contract tests: bound contracts, sending transactions, decoding events and errors.

Every write is signed locally with a development key and sent with ``eth_sendRawTransactionSync``
(anvil answers with the receipt). Expected failures are simulated with ``eth_call`` and matched by
custom-error name and arguments, decoded by 4-byte selector from the compiled ABIs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from eth_abi.abi import decode
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import Web3
from web3._utils.events import get_event_data
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractCustomError, ContractLogicError

from ogpu.chain.artifacts import CONTRACT_NAMES, load_abi
from ogpu.devnet.accounts import DevAccount, dev_account
from ogpu.devnet.deploy import Deployment

ZERO = "0x0000000000000000000000000000000000000000"
ETH = 10**18
TX_GAS = 6_000_000

# Enum values (docs/protocol.md, "The task state machine")
NEW, ATTEMPTED, RESPONDED, CANCELED, EXPIRED, FINALIZED = range(6)
ACTIVE, INACTIVE = 0, 1
SUBMITTED, CONFIRMED = 0, 1
MANUAL, FIRST_RESPONSE = 0, 1
CPU, NVIDIA, AMD = 1, 2, 4


def acct(role: str) -> DevAccount:
    return dev_account(role)


def addr(role: str) -> str:
    return dev_account(role).address


# ------------------------------------------------------------------------------------ ABI tables


def _canonical(param: dict[str, Any]) -> str:
    t = str(param["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(_canonical(c) for c in param["components"]) + ")" + t[5:]
    return t


@cache
def error_table() -> dict[bytes, dict[str, Any]]:
    """4-byte selector -> error ABI entry, over every compiled contract."""
    table: dict[bytes, dict[str, Any]] = {}
    for name in (*CONTRACT_NAMES, "ReentrantReceiver"):
        for entry in load_abi(name):
            if entry["type"] == "error":
                sig = f"{entry['name']}({','.join(_canonical(i) for i in entry['inputs'])})"
                table[keccak(text=sig)[:4]] = entry
    return table


@cache
def event_table() -> dict[bytes, dict[str, Any]]:
    """topic0 -> event ABI entry, over every compiled contract."""
    table: dict[bytes, dict[str, Any]] = {}
    for name in CONTRACT_NAMES:
        for entry in load_abi(name):
            if entry["type"] == "event":
                sig = f"{entry['name']}({','.join(_canonical(i) for i in entry['inputs'])})"
                table[keccak(text=sig)] = entry
    return table


@dataclass(frozen=True)
class DecodedError:
    name: str
    args: tuple[Any, ...]


def decode_error(data: str | bytes) -> DecodedError:
    raw = HexBytes(data)
    entry = error_table().get(bytes(raw[:4]))
    if entry is None:
        return DecodedError(f"<unknown {raw[:4].hex()}>", (bytes(raw[4:]),))
    types = [_canonical(i) for i in entry["inputs"]]
    values = decode(types, bytes(raw[4:])) if types else ()
    norm = tuple(
        to_checksum_address(v) if t == "address" else v for t, v in zip(types, values, strict=True)
    )
    return DecodedError(entry["name"], norm)


@dataclass(frozen=True)
class Event:
    name: str
    address: str
    args: dict[str, Any]


def decode_events(w3: Web3, receipt: Any) -> list[Event]:
    out: list[Event] = []
    for log in receipt["logs"]:
        entry = event_table().get(bytes(log["topics"][0]))
        if entry is None:
            out.append(Event("<unknown>", log["address"], {}))
            continue
        data = get_event_data(w3.codec, entry, log)
        out.append(Event(data["event"], to_checksum_address(log["address"]), dict(data["args"])))
    return out


def event_names(w3: Web3, receipt: Any) -> list[str]:
    return [e.name for e in decode_events(w3, receipt)]


# ---------------------------------------------------------------------------------- the protocol


@dataclass
class Protocol:
    """The deployed contracts bound to one web3 connection, plus instance factories."""

    w3: Web3
    d: Deployment
    manager: Contract = field(init=False)
    nexus: Contract = field(init=False)
    controller: Contract = field(init=False)
    terminal: Contract = field(init=False)
    vault: Contract = field(init=False)

    def __post_init__(self) -> None:
        self.manager = self.at("Manager", self.d.manager)
        self.nexus = self.at("Nexus", self.d.nexus)
        self.controller = self.at("Controller", self.d.controller)
        self.terminal = self.at("Terminal", self.d.terminal)
        self.vault = self.at("Vault", self.d.vault)

    def at(self, name: str, address: str) -> Contract:
        return self.w3.eth.contract(address=to_checksum_address(address), abi=load_abi(name))

    def source(self, address: str) -> Contract:
        return self.at("Source", address)

    def task(self, address: str) -> Contract:
        return self.at("Task", address)

    def response(self, address: str) -> Contract:
        return self.at("Response", address)

    # -- time -------------------------------------------------------------------------------------
    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def advance(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    # -- vault views -----------------------------------------------------------------------------
    def balance(self, who: str) -> int:
        return int(self.vault.functions.balanceOf(who).call())

    def lockup(self, who: str) -> int:
        return int(self.vault.functions.lockupOf(who).call())

    def frozen(self, who: str) -> int:
        return int(self.vault.functions.frozenPayment(who).call())


def _signer(who: DevAccount | LocalAccount | str) -> LocalAccount:
    if isinstance(who, str):
        return dev_account(who).account
    if isinstance(who, DevAccount):
        return who.account
    return who


def send(
    w3: Web3, who: DevAccount | LocalAccount | str, fn: ContractFunction, value: int = 0
) -> Any:
    """Sign and send ``fn`` from ``who``; return the receipt. Fails the test if the tx reverts."""
    account = _signer(who)
    tx = tx_for(w3, account, fn, value)
    return send_raw(w3, account, tx, label=fn.fn_name, replay=fn)


def tx_for(w3: Web3, account: LocalAccount, fn: ContractFunction, value: int = 0) -> dict[str, Any]:
    """A signed-ready EIP-1559 transaction calling ``fn`` (fixed gas; no estimate round trip)."""
    return {
        "to": fn.address,
        "data": fn._encode_transaction_data(),
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "gas": TX_GAS,
        "maxFeePerGas": 10**11,
        "maxPriorityFeePerGas": 10**9,
        "value": value,
        "chainId": w3.eth.chain_id,
    }


def send_raw(
    w3: Web3,
    account: LocalAccount,
    tx: dict[str, Any],
    *,
    label: str,
    replay: ContractFunction | None = None,
) -> Any:
    signed = account.sign_transaction(tx)
    resp = w3.provider.make_request(
        "eth_sendRawTransactionSync", [signed.raw_transaction.to_0x_hex()]
    )  # type: ignore[arg-type]
    if "error" in resp:
        raise AssertionError(f"{label}: {resp['error']}")
    receipt = w3.eth.get_transaction_receipt(signed.hash)
    if receipt["status"] != 1:
        reason = "?"
        if replay is not None:
            try:
                replay.call(
                    {"from": account.address, "value": tx.get("value", 0)},
                    block_identifier=receipt["blockNumber"] - 1,
                )
            except ContractCustomError as exc:
                reason = str(decode_error(exc.data))
            except ContractLogicError as exc:
                reason = str(exc)
        raise AssertionError(f"{label} reverted: {reason}")
    return receipt


def revert_of(
    w3: Web3, who: DevAccount | LocalAccount | str, fn: ContractFunction, value: int = 0
) -> DecodedError:
    """Simulate ``fn`` from ``who`` and return the decoded custom error (fails if it does not revert)."""
    account = _signer(who)
    try:
        fn.call({"from": account.address, "value": value})
    except ContractCustomError as exc:
        return decode_error(exc.data)
    except ContractLogicError as exc:
        if exc.data:
            return decode_error(exc.data)
        return DecodedError("<no data>", ())
    raise AssertionError(f"{fn.fn_name} did not revert")


def expect_error(
    w3: Web3,
    who: DevAccount | LocalAccount | str,
    fn: ContractFunction,
    name: str,
    *args: Any,
    value: int = 0,
) -> DecodedError:
    """Assert ``fn`` called by ``who`` reverts with custom error ``name`` (and ``args`` if given)."""
    err = revert_of(w3, who, fn, value)
    assert err.name == name, f"expected {name}{args}, got {err.name}{err.args}"
    if args:
        norm = tuple(
            to_checksum_address(a)
            if isinstance(a, str) and a.startswith("0x") and len(a) == 42
            else a
            for a in args
        )
        assert err.args == norm, f"{name}: expected args {norm}, got {err.args}"
    return err


# ------------------------------------------------------------------------------ scenario builders


def source_params(
    client: str,
    *,
    env: int = CPU,
    min_payment: int = 10**16,
    min_lockup: int = 0,
    max_expiry: int = 86_400,
    delivery: int = FIRST_RESPONSE,
    url: str = "https://cipfs.example/ipfs/QmSourceMetadata",
) -> tuple[Any, ...]:
    return (client, url, env, min_payment, min_lockup, max_expiry, False, "", delivery, 0)


def created_address(w3: Web3, receipt: Any, event: str, arg: str) -> str:
    for e in decode_events(w3, receipt):
        if e.name == event:
            return to_checksum_address(e.args[arg])
    raise AssertionError(f"no {event} event in receipt")


def pair(p: Protocol, provider: str = "provider", master: str = "master", stake: int = 0) -> None:
    send(p.w3, provider, p.terminal.functions.announceMaster(addr(master)))
    send(p.w3, master, p.terminal.functions.announceProvider(addr(provider), stake), value=stake)


def publish_source(p: Protocol, client: str = "client", **kw: Any) -> str:
    r = send(p.w3, client, p.nexus.functions.publishSource(source_params(addr(client), **kw)))
    return created_address(p.w3, r, "SourcePublished", "source")


def publish_task(
    p: Protocol,
    source: str,
    *,
    client: str = "client",
    payment: int = 10**16,
    ttl: int = 3600,
    config: str = "https://cipfs.example/ipfs/QmTaskConfig",
) -> str:
    r = send(
        p.w3, client, p.controller.functions.publishTask((source, config, p.now() + ttl, payment))
    )
    return created_address(p.w3, r, "TaskPublished", "task")


def submit(
    p: Protocol,
    task: str,
    provider: str = "provider",
    payment: int = 10**16,
    data: str | None = None,
    sender: str | None = None,
) -> tuple[str, Any]:
    data = data or f"https://cipfs.example/ipfs/Qm{provider}{task[-6:]}"
    r = send(
        p.w3,
        sender or provider,
        p.nexus.functions.submitResponse((task, addr(provider), data, payment)),
    )
    return created_address(p.w3, r, "ResponseSubmitted", "response"), r


@dataclass(frozen=True)
class Prepared:
    """A view call encoded once (web3's ABI encoding costs ~2 ms a call)."""

    to: str
    data: str
    types: tuple[str, ...]


def prepare(fn: ContractFunction) -> Prepared:
    return Prepared(
        fn.address, fn._encode_transaction_data(), tuple(_canonical(o) for o in fn.abi["outputs"])
    )


def batch_read(w3: Web3, calls: list[Prepared], block: str = "latest") -> list[Any]:
    """Run many prepared view calls in one JSON-RPC batch; single outputs are unwrapped."""
    if not calls:
        return []
    reqs = [("eth_call", [{"to": c.to, "data": c.data}, block]) for c in calls]
    resps = w3.provider.make_batch_request(reqs)  # type: ignore[attr-defined]
    if isinstance(resps, dict):
        raise AssertionError(f"batch failed: {resps}")
    out: list[Any] = []
    for c, resp in zip(calls, sorted(resps, key=lambda r: int(r["id"])), strict=True):
        if "error" in resp:
            raise AssertionError(f"call to {c.to} failed: {resp['error']}")
        values = decode(list(c.types), bytes(HexBytes(resp["result"])))
        out.append(values[0] if len(values) == 1 else values)
    return out
