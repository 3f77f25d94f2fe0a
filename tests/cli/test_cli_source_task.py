"""``ogpu source``, ``ogpu task`` and ``ogpu response`` against the test deployment."""

from __future__ import annotations

import json
import threading
import time

import pytest
from cli_helpers import Run, ok_json, one_line_error
from support.world import World

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import Response, Source, Task, controller, nexus
from ogpu.types import SourceStatus, TaskStatus

CLIENT = dev_account("client").address
COMPOSE = "https://example.com/compose.yml"


def publish_source(run: Run, *extra: str) -> str:
    out = ok_json(
        run(
            "source",
            "publish",
            "--name",
            "sentiment",
            "--description",
            "cli test",
            "--cpu",
            COMPOSE,
            "--min-payment",
            "0.001",
            "--max-expiry",
            "1h",
            "--json",
            *extra,
        )
    )
    return str(out["source"])


def publish_task(run: Run, source: str, *extra: str) -> str:
    out = ok_json(
        run(
            "task",
            "publish",
            source,
            "--function",
            "analyze",
            "--data",
            '{"text": "great"}',
            "--payment",
            "0.01",
            "--expires-in",
            "10m",
            "--json",
            *extra,
        )
    )
    return str(out["task"])


@pytest.fixture
def world(chain: Session) -> World:
    return World(chain)


def test_source_publish_show_list_update_inactivate(run: Run, chain: Session) -> None:
    source = publish_source(run)
    snap = Source(source, chain).snapshot()
    assert snap.client == CLIENT and snap.status is SourceStatus.ACTIVE
    assert snap.params.minPayment == 10**15 and snap.params.maxExpiryDuration == 3600

    shown = ok_json(run("source", "show", source, "--metadata", "--json"))
    assert shown["client"] == CLIENT and shown["environments"] == ["CPU"]
    assert shown["metadata"]["name"] == "sentiment" and shown["metadata"]["cpu"] == COMPOSE
    human = run("source", "show", source)
    assert human.exit_code == 0 and "0.001 OGPU" in human.stdout

    listed = ok_json(run("source", "list", "--mine", "--json"))
    assert [r["address"] for r in listed] == [source]
    assert (
        ok_json(run("source", "list", "--client", dev_account("stranger").address, "--json")) == []
    )
    assert source in run("source", "list").stdout

    ok_json(
        run("source", "update", source, "--min-payment", "0.002", "--description", "v2", "--json")
    )
    after = ok_json(run("source", "show", source, "--metadata", "--json"))
    assert after["min_payment"] == 2 * 10**15
    assert after["metadata"]["description"] == "v2" and after["metadata"]["name"] == "sentiment"

    ok_json(run("source", "inactivate", source, "--json"))
    assert Source(source, chain).get_status() is SourceStatus.INACTIVE
    one_line_error(run("source", "inactivate", source), "SourceInactiveError", source)


def test_source_update_keeps_handler_schemas_and_dry_runs_nothing(run: Run, chain: Session) -> None:
    source = publish_source(run, "--handlers", "ogpu.devnet.demo_handlers")
    names = [f["name"] for f in ok_json(run("source", "show", source, "--json"))["handlers"]]
    assert "sentiment" in names
    before = Source(source, chain).get_params()
    nonce = chain.w3.eth.get_transaction_count(CLIENT, "pending")  # type: ignore[arg-type]
    dry = ok_json(run("source", "update", source, "--min-payment", "0.002", "--dry-run", "--json"))
    assert dry["dry_run"] is True and dry["gas"] > 0
    assert Source(source, chain).get_params() == before
    assert chain.w3.eth.get_transaction_count(CLIENT, "pending") == nonce  # type: ignore[arg-type]

    ok_json(run("source", "update", source, "--min-payment", "0.002", "--json"))
    after = ok_json(run("source", "show", source, "--json"))
    assert after["min_payment"] == 2 * 10**15
    assert [f["name"] for f in after["handlers"]] == names


def test_source_publish_dry_run_and_errors(run: Run, chain: Session) -> None:
    count = nexus.get_source_count(session=chain)
    nonce = chain.w3.eth.get_transaction_count(CLIENT, "pending")  # type: ignore[arg-type]
    out = ok_json(run("source", "publish", "--name", "x", "--cpu", COMPOSE, "--dry-run", "--json"))
    assert out["dry_run"] is True and out["gas"] > 0 and out["from"] == CLIENT
    assert nexus.get_source_count(session=chain) == count
    assert chain.w3.eth.get_transaction_count(CLIENT, "pending") == nonce  # type: ignore[arg-type]

    one_line_error(run("source", "publish", "--name", "x"), "imageEnvs")
    one_line_error(run("source", "show", "0xabc"), "invalid source address")
    stranger = dev_account("stranger").address
    one_line_error(run("source", "show", stranger), "SourceNotFoundError", stranger)


def test_update_by_a_stranger_is_refused(run: Run, tmp_path: object) -> None:
    source = publish_source(run)
    from pathlib import Path

    key = Path(str(tmp_path)) / "stranger.key"
    key.write_text(dev_key("stranger"))
    key.chmod(0o600)
    line = one_line_error(
        run("source", "update", source, "--min-payment", "1", "--key-file", str(key)),
        "NotSourceOwnerError",
        "`ogpu agent set ADDRESS`",
        "nothing was sent",
    )
    assert dev_account("stranger").address in line
    assert "set_agent(" not in line and "signer=" not in line  # no Python advice in the shell


def test_task_publish_show_cancel(run: Run, chain: Session) -> None:
    source = publish_source(run)
    one_line_error(
        run("task", "publish", source, "-f", "analyze", "--payment", "0.01"),
        "InsufficientBalanceError",
        "0.01 OGPU is required",
        "nothing was sent",
        "`ogpu vault deposit 0.01`",
    )
    ok_json(run("vault", "deposit", "1", "--json"))
    task = publish_task(run, source)
    shown = ok_json(run("task", "show", task, "--json"))
    assert shown["status"] == "NEW" and shown["source"] == source and shown["payment"] == 10**16
    config = chain.ipfs.fetch_json(shown["config"])
    assert config == {"function_name": "analyze", "data": {"text": "great"}}

    nonce = chain.w3.eth.get_transaction_count(CLIENT, "pending")  # type: ignore[arg-type]
    dry = ok_json(run("task", "cancel", task, "--dry-run", "--json"))
    assert dry["sent"] is False
    assert chain.w3.eth.get_transaction_count(CLIENT, "pending") == nonce  # type: ignore[arg-type]
    assert Task(task, chain).get_status() is TaskStatus.NEW

    ok_json(run("task", "cancel", task, "--json"))
    assert Task(task, chain).get_status() is TaskStatus.CANCELED
    one_line_error(run("task", "cancel", task), "TaskAlreadyFinalizedError")

    watched = run("task", "watch", task, "--timeout", "5")
    assert watched.exit_code == 0 and "CANCELED" in watched.stdout
    one_line_error(
        run("task", "watch", task, "--until", "responded", "--timeout", "5"),
        "TaskAlreadyFinalizedError",
    )


def test_task_publish_bad_input(run: Run) -> None:
    source = publish_source(run)
    one_line_error(
        run("task", "publish", source, "-f", "x", "--payment", "0.01", "--data", "{"),
        "--data is not valid JSON",
    )
    one_line_error(
        run("task", "publish", "0x12", "-f", "x", "--payment", "1"), "invalid source address"
    )
    one_line_error(run("task", "show", dev_account("stranger").address), "TaskNotFoundError")


def test_responses_data_confirm_and_watch(run: Run, chain: Session, world: World) -> None:
    world.pair()
    source = publish_source(run)
    ok_json(run("vault", "deposit", "1", "--json"))
    task = publish_task(run, source)
    assert ok_json(run("task", "responses", task, "--json")) == []
    world.register(Source(source, chain))
    world.attempt(Task(task, chain))
    url = chain.ipfs.publish({"label": "positive", "score": 0.97})
    response = world.respond(Task(task, chain), data=url).address

    rows = ok_json(run("task", "responses", task, "--json"))
    assert [r["address"] for r in rows] == [response]
    assert (
        rows[0]["provider"] == dev_account("provider").address and rows[0]["status"] == "SUBMITTED"
    )
    shown = ok_json(run("response", "show", response, "--json"))
    assert shown["task"] == task and shown["data"] == url and shown["confirmed"] is False
    assert json.loads(run("response", "data", response).stdout) == {
        "label": "positive",
        "score": 0.97,
    }
    assert ok_json(run("response", "data", response, "--url", "--json"))["url"] == url

    dry = ok_json(run("response", "confirm", response, "--dry-run", "--json"))
    assert dry["sent"] is False
    assert Response(response, chain).is_confirmed() is False

    def confirm_later() -> None:
        time.sleep(0.5)
        controller.confirm_response(response, signer=dev_key("client"), session=chain)

    thread = threading.Thread(target=confirm_later)
    thread.start()
    try:
        watched = run("task", "watch", task, "--until", "FINALIZED", "--timeout", "30", "--json")
    finally:
        thread.join()
    lines = [json.loads(line) for line in watched.stdout.splitlines()]
    assert watched.exit_code == 0, watched.stderr
    assert [x["status"] for x in lines] == ["RESPONDED", "FINALIZED"]

    one_line_error(run("response", "confirm", response), response)


def test_response_confirm_sends(run: Run, chain: Session, world: World) -> None:
    world.pair()
    source = publish_source(run)
    ok_json(run("vault", "deposit", "1", "--json"))
    task = publish_task(run, source)
    world.register(Source(source, chain))
    world.attempt(Task(task, chain))
    response = world.respond(Task(task, chain)).address
    out = ok_json(run("response", "confirm", response, "--json"))
    assert out["receipt"]["status"] == 1
    assert Task(task, chain).get_status() is TaskStatus.FINALIZED
    one_line_error(run("response", "show", "zz"), "invalid response address")


def test_watch_timeout_and_plain_output(run: Run) -> None:
    source = publish_source(run)
    ok_json(run("vault", "deposit", "1", "--json"))
    task = publish_task(run, source)
    result = run(
        "task", "watch", task, "--until", "responded", "--timeout", "0.3", "--poll", "0.05"
    )
    line = one_line_error(result, "WaitTimeoutError", task, "(last state: NEW)", "--timeout")
    assert "<TaskStatus" not in line and result.exit_code == 9  # the time-out class
    # not a terminal: no spinner, no colour codes, one progress line
    assert "\x1b[" not in result.output
    assert result.stdout.count("NEW") == 1
    human = run("task", "publish", source, "-f", "x", "--payment", "0.01")
    assert human.exit_code == 0 and "\x1b[" not in human.output and "task published" in human.stdout


def test_remaining_error_paths(run: Run) -> None:
    stranger = dev_account("stranger").address
    one_line_error(run("source", "list", "--client", "bob"), "invalid client address", "bob")
    one_line_error(run("source", "update", "0x1"), "invalid source address")
    one_line_error(run("task", "responses", stranger), "TaskNotFoundError", stranger)
    one_line_error(run("task", "watch", "0xzz"), "invalid task address")
    one_line_error(run("response", "data", stranger), "ResponseNotFoundError", stranger)
    one_line_error(run("response", "confirm", stranger), stranger)
    one_line_error(run("agent", "revoke", "0x00"), "invalid agent address")
