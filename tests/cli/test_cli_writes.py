"""Every write command's ``--dry-run`` (JSON and human) and the report of a sent write: one flow,
one wording, nothing signed or sent by a dry run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Run, ok_json
from support.world import World

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import Source, terminal, vault

ETH = 10**18
CLIENT = dev_account("client").address
PROVIDER = dev_account("provider").address
PROVIDER2 = dev_account("provider2").address
MASTER = dev_account("master").address
AGENT = dev_account("agent").address
COMPOSE = "https://example.com/compose.yml"


def nonce(session: Session, address: str) -> int:
    return int(session.w3.eth.get_transaction_count(address, "pending"))  # type: ignore[arg-type]


@pytest.fixture
def state(run: Run, chain: Session, tmp_path: Path) -> dict[str, str]:
    """A client with balance, lockup and unbonding, a source, a task and a response."""
    world = World(chain)
    world.pair()
    published = run("source", "publish", "--name", "s", "--cpu", COMPOSE, "--quiet")
    assert published.exit_code == 0, published.stderr
    source = Source(published.stdout.strip(), chain)
    world.fund(amount=3 * ETH)
    vault.lock(ETH, signer=dev_key("client"), session=chain)
    vault.unbond(ETH // 2, signer=dev_key("client"), session=chain)
    chain.rpc("evm_increaseTime", [3600])  # the unbonding matures: `vault claim` can simulate
    chain.rpc("evm_mine", [])
    task = world.publish_task(source)
    world.register(source)
    world.attempt(task)
    response = world.respond(task)
    open_task = world.publish_task(source)
    terminal.announce_master(MASTER, signer=dev_key("provider2"), session=chain)
    key = tmp_path / "provider2.key"
    key.write_text(dev_key("provider2"))
    key.chmod(0o600)
    return {
        "source": source.address,
        "task": open_task.address,
        "response": response.address,
        "key": str(key),
    }


def cases(s: dict[str, str]) -> list[tuple[list[str], str, str, str]]:
    """(arguments, action, signer, effect) of every write command."""
    src, task, resp = s["source"], s["task"], s["response"]
    return [
        (
            ["vault", "deposit", "1.5", "--to", PROVIDER],
            "Vault.deposit",
            CLIENT,
            f"deposit 1.5 OGPU from {CLIENT}'s wallet into the Vault balance of {PROVIDER}",
        ),
        (
            ["vault", "withdraw", "0.5"],
            "Vault.withdraw",
            CLIENT,
            f"withdraw 0.5 OGPU from the Vault balance of {CLIENT} to its wallet",
        ),
        (
            ["vault", "lock", "0.25"],
            "Vault.lock",
            CLIENT,
            f"lock 0.25 OGPU of {CLIENT}'s Vault balance as stake",
        ),
        (
            ["vault", "unbond", "0.25"],
            "Vault.unbond",
            CLIENT,
            f"unbond 0.25 OGPU of {CLIENT}'s lockup (claimable after the unbonding period)",
        ),
        (
            ["vault", "claim", "--role", "client"],
            "Vault.claim",
            CLIENT,
            f"claim the matured unbonding of {CLIENT} into its Vault balance",
        ),
        (
            ["agent", "set", AGENT],
            "Terminal.setAgent",
            CLIENT,
            f"grant agent rights of {AGENT} for {CLIENT}",
        ),
        (
            ["agent", "revoke", AGENT, "--role", "provider"],
            "Terminal.setAgent",
            PROVIDER,
            f"revoke agent rights of {AGENT} for {PROVIDER}",
        ),
        (
            ["source", "publish", "--name", "x", "--cpu", COMPOSE, "--min-payment", "0.002"],
            "Nexus.publishSource",
            CLIENT,
            f"publish source 'x' (CPU; min payment 0.002 OGPU) for client {CLIENT}",
        ),
        (
            ["source", "update", src, "--min-payment", "0.02", "--max-expiry", "2h"],
            "Nexus.updateSource",
            CLIENT,
            f"update source {src} (min payment 0.02 OGPU, max expiry 7200 s, environments CPU)",
        ),
        (
            ["source", "inactivate", src],
            "Nexus.inactivateSource",
            CLIENT,
            f"inactivate source {src}",
        ),
        (
            ["task", "cancel", task],
            "Controller.cancelTask",
            CLIENT,
            f"cancel task {task} and refund its escrow",
        ),
        (
            ["response", "confirm", resp],
            "Controller.confirmResponse",
            CLIENT,
            f"confirm response {resp}: finalize its task and pay its provider",
        ),
        (
            ["provider", "announce", MASTER, "--key-file", s["key"]],
            "Terminal.announceMaster",
            PROVIDER2,
            f"provider {PROVIDER2} names {MASTER} as its master",
        ),
        (
            ["provider", "pair", PROVIDER2, "--stake", "0.1"],
            "Terminal.announceProvider",
            MASTER,
            f"master {MASTER} pairs provider {PROVIDER2}, locking 0.1 OGPU",
        ),
    ]


def test_every_write_command_dry_runs_in_json_and_in_words(
    run: Run, chain: Session, state: dict[str, str]
) -> None:
    signers = (CLIENT, PROVIDER, PROVIDER2, MASTER)
    before = [nonce(chain, a) for a in signers]
    for args, action, signer, effect in cases(state):
        out = ok_json(run(*args, "--dry-run", "--json"))
        assert out["action"] == action and out["effect"] == effect, args
        assert out["from"] == signer and out["network"] == "devnet", args
        assert out["dry_run"] is True and out["sent"] is False, args
        assert out["gas"] > 21_000 and out["max_cost"] >= out["value"] >= 0, args
        assert set(out) == {
            "dry_run",
            "action",
            "effect",
            "network",
            "from",
            "to",
            "value",
            "gas",
            "max_cost",
            "return_value",
            "sent",
        }, args
        human = run(*args, "--dry-run")
        assert human.exit_code == 0, (args, human.stderr)
        lines = human.stdout.splitlines()
        assert lines[0] == f"dry run of {action}: simulated, nothing sent", args
        assert lines[1].split(None, 1) == ["effect", effect], args
        assert lines[3].split() == ["from", signer], args
    assert [nonce(chain, a) for a in signers] == before  # nothing was sent


def test_task_publish_dry_run_and_quiet(run: Run, chain: Session, state: dict[str, str]) -> None:
    args = ["task", "publish", state["source"], "-f", "analyze", "--payment", "0.01"]
    before = nonce(chain, CLIENT)
    out = ok_json(run(*args, "--expires-in", "10m", "--dry-run", "--json"))
    assert out["action"] == "Controller.publishTask" and out["from"] == CLIENT
    assert out["effect"].startswith(
        f"publish task 'analyze' on source {state['source']}, escrowing 0.01 OGPU from {CLIENT}, "
        "expiring "
    )
    assert nonce(chain, CLIENT) == before
    quiet = run(*args, "--quiet")
    assert quiet.exit_code == 0, quiet.stderr
    task = quiet.stdout.strip()
    assert task.startswith("0x") and len(task) == 42 and "\n" not in task


def report_keys(out: dict[str, Any]) -> set[str]:
    assert set(out["receipt"]) == {"tx_hash", "block_number", "gas_used", "status", "fee"}
    assert out["receipt"]["status"] == 1
    return set(out) - {"receipt"}


def test_sent_writes_report_their_fields(run: Run, state: dict[str, str]) -> None:
    assert report_keys(ok_json(run("vault", "deposit", "1", "--to", PROVIDER2, "--json"))) == {
        "account",
        "amount",
        "to",
    }
    agent = ok_json(run("agent", "set", AGENT, "--json"))
    assert report_keys(agent) == {"principal", "agent", "is_agent"}
    assert agent["principal"] == CLIENT and agent["is_agent"] is True
    cancelled = ok_json(run("task", "cancel", state["task"], "--json"))
    assert report_keys(cancelled) == {"client", "task", "status"}
    assert cancelled["status"] == "CANCELED"
    human = run("source", "inactivate", state["source"])
    assert human.exit_code == 0, human.stderr
    lines = human.stdout.splitlines()
    assert lines[0] == "source inactivated"
    assert [line.split()[0] for line in lines[1:]] == [
        "client",
        "source",
        "status",
        "tx",
        "block",
        "gas",
        "fee",
    ]
