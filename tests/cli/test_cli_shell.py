"""The command line for shell users: error contract (one line / one JSON object, exit codes by
class), the network said in errors and help, task list/result, ``--quiet``, provider pairing."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Run, invoke, ok_json, one_line_error
from test_cli_source_task import publish_source, publish_task
from typer.testing import CliRunner

from ogpu.chain import Session
from ogpu.cli import _common
from ogpu.cli.app import app
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.node import free_port
from ogpu.protocol import Task, terminal
from ogpu.types import TaskStatus, errors

CLIENT = dev_account("client").address
REPO = Path(__file__).resolve().parents[2]


def test_exit_code_table_is_documented() -> None:
    """docs/troubleshooting.md lists exactly the codes the CLI uses."""
    text = (REPO / "docs" / "troubleshooting.md").read_text(encoding="utf-8")
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", text, re.MULTILINE)}
    used = {v for k, v in vars(_common).items() if k.startswith("EXIT_")}
    assert documented == used


def test_json_error_is_one_object_with_fields_and_class_exit_code(run: Run) -> None:
    ok_json(run("vault", "deposit", "1", "--json"))
    result = run("vault", "withdraw", "5", "--json")
    assert result.exit_code == _common.EXIT_FUNDS and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    err = json.loads(lines[0])
    assert err["error"] == "InsufficientBalanceError"
    assert err["required"] == 5 * 10**18 and err["available"] == 10**18
    assert err["account"] == CLIENT and err["exit_code"] == _common.EXIT_FUNDS
    assert "nothing was sent" in err["message"] and "wei" not in err["message"]


def test_error_classes_map_to_exit_codes(run: Run) -> None:
    stranger = dev_account("stranger").address
    assert run("task", "show", stranger).exit_code == _common.EXIT_NOT_FOUND
    assert run("task", "show", "0x12").exit_code == _common.EXIT_INPUT
    assert run("vault", "deposit", "lots").exit_code == _common.EXIT_INPUT
    unreachable = invoke("vault", "balance", CLIENT, network="http://127.0.0.1:9")
    assert unreachable.exit_code == _common.EXIT_NETWORK
    assert "network http://127.0.0.1:9" in unreachable.stderr  # says which network was used


def test_cancelled_task_is_reported_as_cancelled(run: Run, chain: Session) -> None:
    ok_json(run("vault", "deposit", "1", "--json"))
    task = publish_task(run, publish_source(run))
    done = ok_json(run("task", "cancel", task, "--json"))
    assert done["status"] == Task(task, chain).get_status().name == TaskStatus.CANCELED.name
    again = one_line_error(run("task", "cancel", task), "was cancelled", f"ogpu task show {task}")
    assert "get_status" not in again and "can no longer be changed" not in again
    watched = run("task", "watch", task, "--until", "responded", "--timeout", "5")
    assert watched.exit_code == _common.EXIT_STATE
    assert "was cancelled" in watched.stderr and "()" not in watched.stderr
    as_json = run("task", "watch", task, "--until", "responded", "--timeout", "5", "--json")
    err = json.loads(as_json.stderr)
    assert err["error"] == "TaskAlreadyFinalizedError" and err["status"] == "CANCELED"
    assert err["message"].startswith(f"task {task} was cancelled")


def test_quiet_publish_and_task_list_filters(run: Run) -> None:
    ok_json(run("vault", "deposit", "1", "--json"))
    source = publish_source(run)
    quiet = run("task", "publish", source, "-f", "analyze", "--payment", "0.01", "--quiet")
    assert quiet.exit_code == 0, quiet.stderr
    first = quiet.stdout.strip()
    assert re.fullmatch(r"0x[0-9a-fA-F]{40}", first)
    other = run("source", "publish", "--name", "q", "--cpu", "https://example.com/c.yml", "-q")
    assert other.exit_code == 0 and re.fullmatch(r"0x[0-9a-fA-F]{40}\n", other.stdout)
    second = publish_task(run, source)
    ok_json(run("task", "cancel", second, "--json"))

    mine = ok_json(run("task", "list", "--json"))
    assert [t["address"] for t in mine][-2:] == [first, second]
    new = ok_json(run("task", "list", "--status", "new", "--source", source, "--json"))
    assert [t["address"] for t in new] == [first]
    human = run("task", "list", "--source", source)
    assert human.exit_code == 0 and "CANCELED" in human.stdout and "0.01 OGPU" in human.stdout
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*\(in \d+ min\)", human.stdout)

    no_result = one_line_error(run("task", "result", first), "no confirmed response yet")
    assert f"ogpu task watch {first}" in no_result


def test_show_uses_one_time_and_amount_format(run: Run) -> None:
    ok_json(run("vault", "deposit", "1", "--json"))
    task = publish_task(run, publish_source(run))
    shown = run("task", "show", task)
    assert shown.exit_code == 0
    # no raw unix timestamps (a word match: a CID may contain the letters)
    assert not re.search(r"\bunix\b", shown.stdout)
    assert re.search(r"\(in \d+ min\)", shown.stdout)  # 10 min expiry, less the time taken
    assert "0.01 OGPU" in shown.stdout


def test_provider_announces_and_master_pairs(run: Run, chain: Session, tmp_path: Path) -> None:
    provider = dev_account("provider2").address
    master = dev_account("master").address
    key = tmp_path / "provider2.key"
    key.write_text(dev_key("provider2"))
    key.chmod(0o600)
    announced = ok_json(run("provider", "announce", master, "--key-file", str(key), "--json"))
    assert announced["signer"] == provider and announced["master"] == master
    dry = ok_json(run("provider", "pair", provider, "--dry-run", "--json"))
    assert dry["sent"] is False and not terminal.is_provider(provider, session=chain)
    done = ok_json(run("provider", "pair", provider, "--json"))
    assert done["provider"] == provider and done["receipt"]["status"] == 1
    assert terminal.get_master_of(provider, session=chain) == master


def test_bid_is_an_ogpu_amount() -> None:
    result = CliRunner().invoke(app, ["provider", "run", "--source", "x=y", "--bid", "lots"])
    assert result.exit_code == _common.EXIT_INPUT
    assert "invalid bid 'lots'" in result.stderr


def test_help_names_the_default_network_and_flags_have_no_type() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "without either the network is mainnet" in text and "ogpu devnet up" in text
    assert not re.search(r"--json\s+<bool>", result.stdout)
    deposit = CliRunner().invoke(app, ["vault", "deposit", "--help"], env={"COLUMNS": "120"})
    assert not re.search(r"--dry-run\s+<bool>", deposit.stdout)


def _manifest(home: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((home / "manifest.json").read_text())
    return data


def test_devnet_not_running_is_one_line_naming_the_command(cli_home: Path) -> None:
    manifest = _manifest(cli_home)
    manifest["rpc_url"] = f"http://127.0.0.1:{free_port()}"  # the devnet was stopped
    (cli_home / "manifest.json").write_text(json.dumps(manifest))
    line = one_line_error(invoke("vault", "balance", CLIENT), "no devnet is running")
    assert "`ogpu devnet up`" in line and "OGPU_RPC_URL" not in line
    assert invoke("vault", "balance", CLIENT).exit_code == _common.EXIT_NETWORK


def test_second_devnet_provider_takes_a_free_dev_account(
    cli_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROVIDER_PRIVATE_KEY", raising=False)
    manifest = _manifest(cli_home)
    stand_in = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a live process stands for the devnet's provider
        manifest["pids"] = {"provider": stand_in.pid}
        (cli_home / "manifest.json").write_text(json.dumps(manifest))
        result = invoke("provider", "run", "--source", "not-a-binding")
    finally:
        stand_in.kill()
        stand_in.wait()
    assert "runs as the free development account provider2" in result.stderr
    assert dev_account("provider2").address in result.stderr
    assert dev_account("provider").address not in result.stderr

    manifest["pids"] = {}  # no devnet provider: the provider development key is free
    (cli_home / "manifest.json").write_text(json.dumps(manifest))
    alone = invoke("provider", "run", "--source", "not-a-binding")
    assert alone.exit_code != 0 and "provider2" not in alone.stderr


@pytest.mark.parametrize(
    ("error", "line", "code"),
    [
        (
            errors.NotTaskOwnerError("0xT", "0xC"),
            "NotTaskOwnerError: 0xC is not the client of task 0xT (nor its agent): sign with the "
            "client's key (--key-file), or let the client run `ogpu agent set ADDRESS`",
            _common.EXIT_STATE,
        ),
        (
            errors.NotSourceOwnerError("0xS", "0xC"),
            "NotSourceOwnerError: 0xC is not the client of source 0xS (nor its agent): sign with "
            "the client's key (--key-file), or let the client run `ogpu agent set ADDRESS`",
            _common.EXIT_STATE,
        ),
        (
            errors.SourceInactiveError("0xS"),
            "SourceInactiveError: source 0xS is inactive: it accepts no tasks; see "
            "`ogpu source show 0xS`",
            _common.EXIT_STATE,
        ),
        (
            errors.ResponseAlreadyConfirmedError("0xR"),
            "ResponseAlreadyConfirmedError: response 0xR is already confirmed; nothing to do",
            _common.EXIT_STATE,
        ),
        (
            errors.TxReceiptTimeoutError("0xH", 2.5),
            "TxReceiptTimeoutError: no receipt after 2.5 s for tx 0xH; it may still be mined: "
            "check before sending again (do not repeat the command blindly) (tx 0xH)",
            _common.EXIT_TRANSACTION,
        ),
        (
            errors.NotEligibleError("0xA"),
            "NotEligibleError: 0xA is not eligible: it needs enough stake in the Vault "
            "(`ogpu vault lock AMOUNT`); see `ogpu vault balance`",
            _common.EXIT_FUNDS,
        ),
        (
            errors.NotMasterError("0xM"),
            "NotMasterError: 0xM is not a paired master: the provider announces it with "
            "`ogpu provider announce MASTER`, then the master runs `ogpu provider pair PROVIDER`",
            _common.EXIT_STATE,
        ),
        (_common.CliError("bad input"), "bad input", _common.EXIT_INPUT),
        (ValueError("nope"), "invalid input: nope", _common.EXIT_INPUT),
    ],
)
def test_error_table_words_each_class_and_gives_its_exit_code(
    error: BaseException, line: str, code: int
) -> None:
    """One table gives an error's line and exit code, from the error's typed fields."""
    assert _common.describe_error(error) == line
    assert _common.exit_code_for(error) == code
