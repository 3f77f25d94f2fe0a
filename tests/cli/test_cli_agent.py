"""``ogpu agent``."""

from __future__ import annotations

from cli_helpers import Run, ok_json, one_line_error

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account
from ogpu.protocol import terminal

CLIENT = dev_account("client").address
AGENT = dev_account("stranger").address
DEFAULT_AGENT = dev_account("agent").address


def test_set_check_revoke(run: Run, chain: Session) -> None:
    assert ok_json(run("agent", "check", AGENT, "--json"))["is_agent"] is False

    dry = ok_json(run("agent", "set", AGENT, "--dry-run", "--json"))
    assert dry["sent"] is False and dry["from"] == CLIENT
    assert terminal.is_agent_of(CLIENT, AGENT, session=chain) is False

    out = ok_json(run("agent", "set", AGENT, "--json"))
    assert out["principal"] == CLIENT and out["is_agent"] is True
    assert terminal.is_agent_of(CLIENT, AGENT, session=chain) is True
    checked = ok_json(run("agent", "check", AGENT, "--principal", CLIENT, "--json"))
    assert checked["is_agent"] is True and checked["is_default_agent"] is False

    ok_json(run("agent", "revoke", AGENT, "--json"))
    assert terminal.is_agent_of(CLIENT, AGENT, session=chain) is False
    human = run("agent", "check", AGENT)
    assert human.exit_code == 0 and "explicit grant" in human.stdout and "no" in human.stdout


def test_default_agent_and_errors(run: Run) -> None:
    checked = ok_json(run("agent", "check", DEFAULT_AGENT, "--principal", CLIENT, "--json"))
    assert checked["is_default_agent"] is True and checked["is_agent"] is False
    one_line_error(run("agent", "set", "0xdead"), "invalid agent address", "0xdead")
    one_line_error(run("agent", "check", AGENT, "--principal", "bob"), "invalid --principal")


def test_agent_set_without_key(run_bare: Run) -> None:
    one_line_error(run_bare("agent", "set", AGENT), "MissingSignerError", "CLIENT_PRIVATE_KEY")
    one_line_error(
        run_bare("agent", "check", AGENT, "--role", "master"),
        "MissingSignerError",
        "MASTER_PRIVATE_KEY",
    )


def test_agent_acts_for_the_client(run: Run, chain: Session, tmp_path: object) -> None:
    """After `agent set`, the agent's key (via --key-file) can cancel the client's task."""
    from pathlib import Path

    from cli_helpers import invoke  # noqa: F401  (same runner as `run`)

    from ogpu.devnet.accounts import dev_key
    from ogpu.protocol import Task
    from ogpu.types import TaskStatus

    source = ok_json(
        run(
            "source",
            "publish",
            "--name",
            "s",
            "--cpu",
            "https://example.com/c.yml",
            "--min-payment",
            "0",
            "--json",
        )
    )["source"]
    ok_json(run("vault", "deposit", "1", "--json"))
    task = ok_json(run("task", "publish", source, "-f", "run", "--payment", "0.01", "--json"))[
        "task"
    ]
    key = Path(str(tmp_path)) / "agent.key"
    key.write_text(dev_key("stranger"))
    key.chmod(0o600)
    one_line_error(run("task", "cancel", task, "--key-file", str(key)), "NotTaskOwnerError")
    ok_json(run("agent", "set", AGENT, "--json"))
    ok_json(run("task", "cancel", task, "--key-file", str(key), "--json"))
    assert Task(task, chain).get_status() is TaskStatus.CANCELED
