"""Benchmark: batched protocol reads versus one JSON-RPC call per field.

Starts a fresh anvil, deploys the protocol, builds
  * task A: a MANUAL_CONFIRMATION task with 200 attempts and 200 responses (200 providers), and
  * task B: a task with 500 attempts (500 providers),
then measures, in the same run, HTTP round trips and wall time of

  * ``Task.snapshot()``            vs one ``eth_call`` per field (8 calls),
  * ``Task.get_responses()`` (A)   vs the attempt count + one call per response slot,
  * ``Task.get_attempters()`` (B)  vs the attempt count + one call per attempter.

Targets: snapshot = 1 round trip; 200 responses in <= 3 round trips; >= 5x faster than one call
per field. Exits 1 when a target is missed. Setup transactions are signed locally and sent in
JSON-RPC batches with automine off (one ``evm_mine`` per phase), so the chain stays short.

Run: ``.venv/bin/python bench/reads.py [--responses 200] [--attempts 500] [--repeat 15]``
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

from ogpu.chain.networks import ContractAddresses, Network
from ogpu.chain.session import Session
from ogpu.devnet.accounts import dev_account
from ogpu.devnet.deploy import Deployment, deploy_protocol
from ogpu.devnet.node import AnvilNode
from ogpu.protocol import Task, controller, nexus, vault
from ogpu.types import DeliveryMethod, SourceParams, TaskParams

ETHER = 10**18
GAS_PRICE = 5 * 10**9
GAS = 1_500_000


class Counter:
    """Counts HTTP round trips of a session (wraps its HTTP provider: the transport boundary)."""

    def __init__(self, session: Session) -> None:
        self.round_trips = 0
        provider: Any = session.w3.provider
        single, many = provider.make_request, provider.make_batch_request

        def make_request(method: str, params: Any) -> Any:
            self.round_trips += 1
            return single(method, params)

        def make_batch_request(requests: Any) -> Any:
            self.round_trips += 1
            return many(requests)

        provider.make_request = make_request
        provider.make_batch_request = make_batch_request


# ------------------------------------------------------------------------------------------------
# Fast setup: locally signed transactions, sent in batches, mined with evm_mine


class Sender:
    def __init__(self, w3: Web3, chain_id: int) -> None:
        self.w3 = w3
        self.chain_id = chain_id
        self.nonces: dict[str, int] = {}
        self.raw: list[str] = []

    def add(self, account: LocalAccount, to: str, data: str, value: int = 0) -> None:
        nonce = self.nonces.get(account.address)
        if nonce is None:
            nonce = self.w3.eth.get_transaction_count(account.address, "pending")
        self.nonces[account.address] = nonce + 1
        tx = {
            "to": to,
            "data": data,
            "value": value,
            "gas": GAS,
            "gasPrice": GAS_PRICE,
            "nonce": nonce,
            "chainId": self.chain_id,
        }
        self.raw.append(
            "0x" + account.sign_transaction(tx).raw_transaction.hex().removeprefix("0x")
        )

    def flush(self) -> int:
        """Send everything queued (batches of 500), mine until the pool is empty; return the count."""
        provider: Any = self.w3.provider
        sent = len(self.raw)
        for i in range(0, sent, 500):
            replies = provider.make_batch_request(
                [("eth_sendRawTransaction", [r]) for r in self.raw[i : i + 500]]
            )
            errors = [r["error"] for r in replies if "error" in r]
            if errors:
                raise RuntimeError(f"send failed: {errors[:3]}")
        self.raw.clear()
        while True:
            self.w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]
            status = self.w3.provider.make_request("txpool_status", [])  # type: ignore[arg-type]
            if int(status["result"]["pending"], 16) == 0:
                break
        return sent


def build_world(
    node: AnvilNode, responses: int, attempts: int
) -> tuple[Session, Deployment, Task, Task, dict[str, Any]]:
    w3 = Web3(HTTPProvider(node.url, cache_allowed_requests=True))
    admin = dev_account("admin").account
    deployment = deploy_protocol(w3, admin, judge=dev_account("judge").address)
    network = Network(
        name="bench",
        chain_id=deployment.chain_id,
        rpc_url=node.url,
        addresses=ContractAddresses(
            nexus=deployment.nexus,
            controller=deployment.controller,
            terminal=deployment.terminal,
            vault=deployment.vault,
            manager=deployment.manager,
        ),
    )
    s = Session(network)
    client, master = dev_account("client"), dev_account("master")

    params = SourceParams(
        client=client.address,
        imageMetadataUrl="https://meta.bench/source.json",
        imageEnvironments=1,
        minPayment=0,
        minAvailableLockup=0,
        maxExpiryDuration=7 * 86_400,
        deliveryMethod=int(DeliveryMethod.MANUAL_CONFIRMATION),
    )
    source = nexus.extract_source_address(
        nexus.publish_source(params, signer=client.account, session=s), session=s
    )
    vault.deposit(client.address, ETHER, signer=client.account, session=s)
    expiry = s.timestamp() + 6 * 86_400
    tasks = []
    for name in ("responses", "attempts"):
        receipt = controller.publish_task(
            TaskParams(source, f"https://cfg.bench/{name}.json", expiry, 10**15),
            signer=client.account,
            session=s,
        )
        tasks.append(Task(controller.extract_task_address(receipt, session=s), s))
    task_a, task_b = tasks

    started = time.perf_counter()
    n = max(responses, attempts)
    providers: list[LocalAccount] = [Account.create(f"bench-provider-{i}") for i in range(n)]
    rpc: Any = w3.provider
    rpc.make_batch_request([("anvil_setBalance", [p.address, hex(ETHER)]) for p in providers])
    rpc.make_request("evm_setAutomine", [False])
    nx = s.contract("Nexus")
    tm = s.contract("Terminal")
    sender = Sender(w3, deployment.chain_id)
    total = 0
    for p in providers:  # provider side of the handshake
        sender.add(p, tm.address, tm.encode_abi("announceMaster", args=[master.address]))
    total += sender.flush()
    for p in providers:  # master side, then registration (master signs as the provider's operator)
        sender.add(
            master.account, tm.address, tm.encode_abi("announceProvider", args=[p.address, 0])
        )
    for p in providers:
        sender.add(
            master.account, nx.address, nx.encode_abi("register", args=[source, p.address, 1])
        )
    total += sender.flush()
    for p in providers[:responses]:
        sender.add(
            master.account,
            nx.address,
            nx.encode_abi("attempt", args=[task_a.address, p.address, 10**15]),
        )
    for p in providers[:attempts]:
        sender.add(
            master.account,
            nx.address,
            nx.encode_abi("attempt", args=[task_b.address, p.address, 10**15]),
        )
    total += sender.flush()
    for i, p in enumerate(providers[:responses]):
        response = (task_a.address, p.address, f"https://data.bench/{i}.json", 10**15)
        sender.add(master.account, nx.address, nx.encode_abi("submitResponse", args=[response]))
    total += sender.flush()
    rpc.make_request("evm_setAutomine", [True])
    setup = {
        "transactions": total,
        "seconds": time.perf_counter() - started,
        "chain_length": s.block_number(),
    }
    return s, deployment, task_a, task_b, setup


# ------------------------------------------------------------------------------------------------
# Naive readers: one JSON-RPC call per field / element


def naive_snapshot(task: Task) -> list[Any]:
    c = task.session.contract("Task", task.address).functions
    calls = [
        c.getSource(),
        c.getStatus(),
        c.taskParams(),
        c.getPayment(),
        c.getExpiryTime(),
        c.getDeliveryMethod(),
        c.getAttemptCount(),
        c.winningProvider(),
    ]
    return [task.session.call(f) for f in calls]


def naive_snapshot_lean(task: Task) -> list[Any]:
    """One round trip per field, but with the SDK's lean encoding (isolates the round-trip cost)."""
    fields = (
        "getSource",
        "getStatus",
        "taskParams",
        "getPayment",
        "getExpiryTime",
        "getDeliveryMethod",
    )
    return [task._call(f) for f in (*fields, "getAttemptCount", "winningProvider")]


def naive_responses(task: Task) -> list[str]:
    s = task.session
    c = s.contract("Task", task.address).functions
    count = s.call(c.getAttemptCount())
    out = []
    for i in range(count):
        (address,) = s.call(c.getResponsesOf(i, i))
        if int(address, 16):
            out.append(address)
    return out


def naive_attempters(task: Task) -> list[str]:
    s = task.session
    c = s.contract("Task", task.address).functions
    count = s.call(c.getAttemptCount())
    return [s.call(c.attempters(i)) for i in range(count)]


def sequential_pages(task: Task) -> list[str]:
    """The official SDK 0.2.3 shape: count, then one page of 100 per round trip."""
    s = task.session
    c = s.contract("Task", task.address).functions
    count = s.call(c.getAttemptCount())
    out: list[str] = []
    for lo in range(0, count, 100):
        out += [a for a in s.call(c.getResponsesOf(lo, min(lo + 100, count) - 1)) if int(a, 16)]
    return out


def measure(counter: Counter, fn: Callable[[], Any], repeat: int) -> tuple[int, float, Any]:
    """(round trips of one run, median wall seconds, result)."""
    counter.round_trips = 0
    result = fn()
    trips = counter.round_trips
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return trips, statistics.median(times), result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--responses", type=int, default=200)
    parser.add_argument("--attempts", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument(
        "--quick", action="store_true", help="small sizes; speed targets not enforced (smoke test)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.responses, args.attempts, args.repeat = 10, 10, 3

    with AnvilNode.start(gas_limit=300_000_000) as node:
        session, _, task_a, task_b, setup = build_world(node, args.responses, args.attempts)
        print(
            f"setup: {setup['transactions']} transactions in {setup['seconds']:.1f} s; "
            f"chain length {setup['chain_length']} blocks"
        )
        counter = Counter(session)
        rows = []
        failures = []

        trips, t, snap = measure(counter, task_a.snapshot, args.repeat)
        ntrips, nt, naive = measure(counter, lambda: naive_snapshot(task_a), args.repeat)
        assert snap.attempt_count == naive[6] == args.responses
        rows.append(("Task.snapshot()", trips, t, ntrips, nt))
        ltrips, lt, _ = measure(counter, lambda: naive_snapshot_lean(task_a), args.repeat)
        if trips != 1:
            failures.append(f"snapshot took {trips} round trips (target 1)")

        trips, t, responses = measure(counter, task_a.get_responses, max(3, args.repeat // 3))
        ntrips, nt, naive_r = measure(counter, lambda: naive_responses(task_a), 3)
        ptrips, pt, paged = measure(
            counter, lambda: sequential_pages(task_a), max(3, args.repeat // 3)
        )
        assert [r.address for r in responses] == naive_r == paged and len(
            responses
        ) == args.responses
        rows.append((f"get_responses() x{len(responses)}", trips, t, ntrips, nt))
        if trips > 3:
            failures.append(f"get_responses took {trips} round trips (target <= 3)")

        trips, t, attempters = measure(counter, task_b.get_attempters, max(3, args.repeat // 3))
        ntrips, nt, naive_a = measure(counter, lambda: naive_attempters(task_b), 3)
        assert attempters == naive_a and len(attempters) == args.attempts
        rows.append((f"get_attempters() x{len(attempters)}", trips, t, ntrips, nt))

        print()
        print(f"{'read':<26} {'batched':>8} {'ms':>9} {'naive':>8} {'ms':>9} {'speed-up':>9}")
        for name, bt, btime, nt_, ntime in rows:
            speedup = ntime / btime
            print(
                f"{name:<26} {bt:>8} {btime * 1000:>9.2f} {nt_:>8} {ntime * 1000:>9.2f} {speedup:>8.1f}x"
            )
            if speedup < 5:
                failures.append(
                    f"{name}: only {speedup:.1f}x faster than one call per field (target 5x)"
                )
        print(
            f"(reference: one call per field with the SDK's lean encoding instead of web3 "
            f"ContractFunctions: {ltrips} round trips, {lt * 1000:.2f} ms -> snapshot {lt / rows[0][2]:.1f}x)"
        )
        print(
            f"(reference: official-SDK-style sequential pages of 100 for get_responses: "
            f"{ptrips} round trips, {pt * 1000:.2f} ms)"
        )
        session.close()

    if failures:
        print("\nTARGETS MISSED:\n  " + "\n  ".join(failures))
        return 0 if args.quick else 1
    print("\nall targets met (snapshot = 1 round trip, responses <= 3 round trips, >= 5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
