"""Gas per protocol operation: EIP-1167 clones (what we ship) versus full `new Contract(...)` deployment.

Both variants are deployed on one fresh anvil node in the same run; the full-deployment variant uses
the bench-only contracts in ``contracts/bench/FullDeploy.sol`` (compiled on the fly, same logic, but
``new Source/Task/Response`` instead of clones). Every operation is repeated and the median
``gasUsed`` is reported. Target: publishTask and submitResponse at most 40 % of the full figure.

Run: ``.venv/bin/python bench/gas.py`` (needs node + npm deps for the compile step).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.contract import Contract

from ogpu.chain.artifacts import load_abi, load_artifact
from ogpu.devnet.accounts import dev_account
from ogpu.devnet.deploy import Deployment, _create_address, deploy_protocol, ensure_wiring
from ogpu.devnet.node import AnvilNode

REPO = Path(__file__).resolve().parents[1]
REPEAT = 3
TARGET = 0.40
CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
URL = f"https://cipfs.ogpuscan.io/ipfs/{CID}"


class Chain:
    def __init__(self, w3: Web3) -> None:
        self.w3 = w3
        self.chain_id = w3.eth.chain_id

    def send(self, who: str, fn: Any, value: int = 0) -> Any:
        account: LocalAccount = dev_account(who).account
        tx = {
            "to": fn.address,
            "data": fn._encode_transaction_data(),
            "nonce": self.w3.eth.get_transaction_count(account.address, "pending"),
            "gas": 8_000_000,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
            "value": value,
            "chainId": self.chain_id,
        }
        signed = account.sign_transaction(tx)
        self.w3.provider.make_request(
            "eth_sendRawTransactionSync", [signed.raw_transaction.to_0x_hex()]
        )  # type: ignore[arg-type]
        receipt = self.w3.eth.get_transaction_receipt(signed.hash)
        if receipt["status"] != 1:
            raise RuntimeError(f"{fn.fn_name} by {who} reverted")
        return receipt

    def advance(self, seconds: int) -> None:
        self.w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
        self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]

    def now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])


def deploy_full_variant(w3: Web3, artifacts: Path) -> Deployment:
    """Deploy the protocol with FullDeployNexus/FullDeployController and wire it like deploy_protocol."""
    admin = dev_account("admin").account
    chain = Chain(w3)
    n0 = w3.eth.get_transaction_count(admin.address, "pending")
    manager, nexus, terminal, vault, controller = (
        _create_address(admin.address, n0 + i) for i in range(5)
    )
    plan = [
        (load_artifact("Manager").bytecode, [], []),
        (json.loads((artifacts / "FullDeployNexus.json").read_text())["bytecode"], ["address"] * 3, [manager, terminal, vault]),
        (load_artifact("Terminal").bytecode, ["address"] * 2, [manager, vault]),
        (load_artifact("Vault").bytecode, ["address"] * 3, [manager, nexus, terminal]),
        (json.loads((artifacts / "FullDeployController.json").read_text())["bytecode"], ["address"] * 3, [nexus, terminal, vault]),
    ]  # fmt: skip
    for i, (code, types, args) in enumerate(plan):
        tx = {
            "data": code + encode(types, args).hex(),
            "nonce": n0 + i,
            "gas": 25_000_000,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
            "value": 0,
            "chainId": chain.chain_id,
        }
        signed = admin.sign_transaction(tx)
        w3.provider.make_request("eth_sendRawTransactionSync", [signed.raw_transaction.to_0x_hex()])  # type: ignore[arg-type]
        assert w3.eth.get_transaction_receipt(signed.hash)["status"] == 1
    nx = w3.eth.contract(address=nexus, abi=load_abi("Nexus"))
    ct = w3.eth.contract(address=controller, abi=load_abi("Controller"))
    d = Deployment(
        chain_id=chain.chain_id,
        block_number=w3.eth.block_number,
        admin=admin.address,
        manager=manager,
        nexus=nexus,
        controller=controller,
        terminal=terminal,
        vault=vault,
        source_implementation=nx.functions.sourceImplementation().call(),
        task_implementation=ct.functions.taskImplementation().call(),
        response_implementation=nx.functions.responseImplementation().call(),
        judge=dev_account("judge").address,
        default_agent=dev_account("agent").address,
        min_lockup_per_source=0,
        unbonding_period=600,
    )
    ensure_wiring(w3, admin, d)
    return d


def measure(w3: Web3, d: Deployment) -> dict[str, list[int]]:
    """Run the operation sequence REPEAT times on one deployment; gasUsed per operation."""
    chain = Chain(w3)

    def c(name: str, address: str) -> Contract:
        return w3.eth.contract(address=address, abi=load_abi(name))

    nexus, controller, terminal, vault = (
        c("Nexus", d.nexus), c("Controller", d.controller), c("Terminal", d.terminal), c("Vault", d.vault)
    )  # fmt: skip
    a = {
        r: dev_account(r).address for r in ("client", "provider", "master", "provider2", "master2")
    }
    gas: dict[str, list[int]] = defaultdict(list)

    def rec(label: str, receipt: Any) -> Any:
        gas[label].append(int(receipt["gasUsed"]))
        return receipt

    def created(receipt: Any, contract: Contract, event: str, arg: str) -> str:
        logs = contract.events[event]().process_receipt(
            receipt, errors=__import__("web3").logs.DISCARD
        )
        return str(logs[0]["args"][arg])

    chain.send("provider", terminal.functions.announceMaster(a["master"]))
    chain.send("master", terminal.functions.announceProvider(a["provider"], 0))
    chain.send("provider2", terminal.functions.announceMaster(a["master2"]))
    chain.send("master2", terminal.functions.announceProvider(a["provider2"], 0))
    chain.send("client", vault.functions.deposit(a["client"]), value=10**18)

    def params(delivery: int) -> tuple[Any, ...]:
        return (a["client"], URL, 7, 10**15, 0, 86_400, False, "", delivery, 0)

    sources = {}
    for delivery in (1, 0):
        for i in range(REPEAT):
            r = rec(
                "publishSource",
                chain.send("client", nexus.functions.publishSource(params(delivery))),
            )
            if i == 0:
                sources[delivery] = created(r, nexus, "SourcePublished", "source")
        for p in ("provider", "provider2"):
            rec("register", chain.send(p, nexus.functions.register(sources[delivery], a[p], 1)))

    for i in range(REPEAT):
        # FIRST_RESPONSE
        r = rec(
            "publishTask",
            chain.send(
                "client",
                controller.functions.publishTask((sources[1], URL, chain.now() + 3600, 10**16)),
            ),
        )
        t = created(r, nexus, "TaskPublished", "task")
        rec("attempt", chain.send("provider", nexus.functions.attempt(t, a["provider"], 10**16)))
        rec(
            "submitResponse FIRST_RESPONSE",
            chain.send(
                "provider",
                nexus.functions.submitResponse((t, a["provider"], f"{URL}/{i}fr", 10**16)),
            ),
        )
        # MANUAL_CONFIRMATION
        r = chain.send(
            "client",
            controller.functions.publishTask((sources[0], URL, chain.now() + 3600, 10**16)),
        )
        t = created(r, nexus, "TaskPublished", "task")
        chain.send("provider", nexus.functions.attempt(t, a["provider"], 8 * 10**15))
        r = rec(
            "submitResponse MANUAL",
            chain.send(
                "provider",
                nexus.functions.submitResponse((t, a["provider"], f"{URL}/{i}m", 8 * 10**15)),
            ),
        )
        resp = created(r, nexus, "ResponseSubmitted", "response")
        rec("confirmResponse", chain.send("client", controller.functions.confirmResponse(resp)))
        # cancel
        r = chain.send(
            "client",
            controller.functions.publishTask((sources[0], URL, chain.now() + 3600, 10**16)),
        )
        rec(
            "cancelTask",
            chain.send(
                "client",
                controller.functions.cancelTask(created(r, nexus, "TaskPublished", "task")),
            ),
        )
        # vault
        rec(
            "vault deposit",
            chain.send("master", vault.functions.deposit(a["master"]), value=10**17),
        )
        rec("vault lock", chain.send("master", vault.functions.lock(10**16)))
        chain.send("master", vault.functions.unbond(10**15))
        chain.advance(601)
        rec("vault claim", chain.send("master", vault.functions.claim()))
    return gas  # fmt: skip


def main() -> int:
    global REPEAT
    quick = "--quick" in sys.argv[1:]
    if quick:  # smoke test: one repetition, targets not enforced (a first call pays cold slots)
        REPEAT = 1
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        subprocess.run(["node", "scripts/compile.js", "--bench", "--out", str(out)], cwd=REPO, check=True,
                       capture_output=True)  # fmt: skip
        with AnvilNode.start(
            extra_args=["--disable-code-size-limit"], gas_limit=100_000_000
        ) as node:
            w3 = Web3(HTTPProvider(node.url, cache_allowed_requests=True))
            clone_d = deploy_protocol(w3, dev_account("admin").account, judge=dev_account("judge").address,
                                      default_agent=dev_account("agent").address)  # fmt: skip
            full_d = deploy_full_variant(w3, out)
            clone = measure(w3, clone_d)
            full = measure(w3, full_d)

    print(f"gas per operation (median of {REPEAT}); same anvil node, same run")
    print(f"{'operation':<32}{'clone':>12}{'full new()':>14}{'ratio':>9}")
    ok = True
    for op in clone:
        c, f = statistics.median(clone[op]), statistics.median(full[op])
        ratio = c / f
        mark = ""
        if op.startswith(("publishTask", "submitResponse")):
            mark = "  (target <= 40%)" if ratio <= TARGET else "  ABOVE TARGET"
            ok &= ratio <= TARGET
        print(f"{op:<32}{int(c):>12,}{int(f):>14,}{ratio:>8.1%}{mark}")
    print("targets met" if ok else "targets NOT met")
    return 0 if ok or quick else 1


if __name__ == "__main__":
    sys.exit(main())
