"""Our compiled ABIs keep every function and event of the official (mainnet) ABIs, whose
canonical signatures are committed in ``contracts/abi-signatures.txt`` (written by
``scripts/compile.js``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ogpu.chain.artifacts import CONTRACT_NAMES, load_abi

REPO = Path(__file__).resolve().parents[2]
SIGNATURES = REPO / "contracts" / "abi-signatures.txt"


def canonical_type(param: dict[str, Any]) -> str:
    t = str(param["type"])
    if t.startswith("tuple"):
        return "(" + ",".join(canonical_type(c) for c in param["components"]) + ")" + t[5:]
    return t


def signature(contract: str, entry: dict[str, Any]) -> str | None:
    """Same canonical form as scripts/compile.js."""
    kind = entry["type"]
    ins = [
        canonical_type(p) + (" indexed" if kind == "event" and p.get("indexed") else "")
        for p in entry.get("inputs", [])
    ]
    if kind == "function":
        outs = ",".join(canonical_type(o) for o in entry.get("outputs", []))
        return f"{contract} function {entry['name']}({','.join(ins)}) -> ({outs}) {entry['stateMutability']}"
    if kind == "event":
        return f"{contract} event {entry['name']}({','.join(ins)})"
    if kind == "constructor":
        return f"{contract} constructor({','.join(ins)}) {entry['stateMutability']}"
    return None


def our_signatures() -> set[str]:
    out: set[str] = set()
    for name in CONTRACT_NAMES:
        out.update(s for e in load_abi(name) if (s := signature(name, e)) is not None)
    return out


def committed_signatures() -> list[str]:
    lines = SIGNATURES.read_text().splitlines()
    return [line for line in lines if line and not line.startswith("#")]


def test_committed_signatures_are_in_our_abis() -> None:
    sigs = committed_signatures()
    assert len(sigs) > 150  # the whole official surface, not an empty file
    missing = sorted(set(sigs) - our_signatures())
    assert missing == []


def test_official_events_have_no_indexed_arguments() -> None:
    """The official SDK decodes protocol events unfiltered: keep them un-indexed."""
    for name in ("Nexus", "Terminal", "Vault"):
        for e in load_abi(name):
            if e["type"] == "event" and e["name"] != "OwnershipTransferred":
                assert not any(i["indexed"] for i in e["inputs"]), (name, e["name"])


def test_every_protocol_contract_declares_the_protocol_errors() -> None:
    names = {
        "NotOwner",
        "Expired",
        "InsufficientBalance",
        "AlreadyFinalized",
        "NotAgent",
        "EscrowNotFound",
    }
    for name in ("Nexus", "Controller", "Terminal", "Vault", "Source", "Task", "Response"):
        declared = {e["name"] for e in load_abi(name) if e["type"] == "error"}
        assert names <= declared, name


SPEC_ERRORS = {
    "NotOwner(address,address)", "NotMaster(address)", "NotProvider(address)", "Expired(address,uint256)",
    "AlreadyConfirmed(address)", "AlreadyFinalized(address,uint8)",
    "InsufficientBalance(address,uint256,uint256)", "InsufficientLockup(address,uint256,uint256)",
    "UnbondingNotElapsed(address,uint256)", "NotEligible(address)", "SourceInactive(address)",
    "NotAgent(address,address)", "NotController(address)", "NotJudge(address)", "NotAdmin(address)",
    "UnknownSource(address)", "UnknownTask(address)", "UnknownResponse(address)",
    "NotRegistered(address,address)", "AlreadyRegistered(address,address)", "AlreadyAttempted(address,address)",
    "NotAttempted(address,address)", "AlreadySubmitted(address,address)", "InvalidPayment(uint256,uint256)",
    "InsufficientPayment(uint256,uint256)", "ExpiryTooLong(uint256,uint256)", "InvalidEnvironment(uint8)",
    "InvalidParams()", "InvalidAmount(uint256,uint256)", "ZeroAmount()", "ZeroAddress()",
    "AlreadyPaired(address)", "InvalidMaster(address)", "InvalidProvider(address)", "InvalidAgent(address)",
    "ProviderCannotSetAgent(address)", "NothingToClaim(address)", "NothingToCancel(address)",
    "EscrowNotFound(address)", "TransferFailed(address,uint256)",
}  # fmt: skip


@pytest.mark.parametrize("name", [*CONTRACT_NAMES, "ReentrantReceiver"])
def test_error_names_are_unique_and_match_the_spec_table(name: str) -> None:
    errors = [e for e in load_abi(name) if e["type"] == "error"]
    names = [e["name"] for e in errors]
    assert len(names) == len(set(names)), "one meaning per error name (SDK maps by name)"
    if name not in ("Manager", "ReentrantReceiver"):
        sigs = {f"{e['name']}({','.join(canonical_type(i) for i in e['inputs'])})" for e in errors}
        assert sigs >= SPEC_ERRORS
