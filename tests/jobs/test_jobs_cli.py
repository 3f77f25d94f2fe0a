"""``ogpu job`` in-process: run with --inputs/--out, status from the journal alone, cancel,
resume, and a bad inputs file refused before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.world import devnet_home
from typer.testing import CliRunner

from ogpu.cli.app import app
from ogpu.jobs import Journal, run_job
from ogpu.types import DeliveryMethod


@pytest.fixture
def ogpu(store_net, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OGPU_DEVNET_HOME", str(devnet_home(store_net, tmp_path / "home")))
    monkeypatch.setenv("OGPU_JOURNAL", str(tmp_path / "jobs.sqlite3"))
    monkeypatch.setenv("OGPU_NO_DOTENV", "1")

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(app, ["--network", "devnet", *args])

    return invoke


def test_job_run_status_and_out_file(ogpu, make_source, serve, tmp_path: Path) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    serve(source)
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("\n".join(json.dumps({"payload": i}) for i in range(3)) + "\n\n")
    out = tmp_path / "out.jsonl"
    r = ogpu(
        "--json",
        "job",
        "run",
        source.address,
        "-f",
        "echo",
        "--inputs",
        str(inputs),
        "--payment",
        "0.001",
        "--out",
        str(out),
        "--job-id",
        "cli-1",
    )
    assert r.exit_code == 0, (r.stdout, r.stderr)
    final = json.loads(r.stdout)
    assert final["confirmed"] == 3 and final["spent"] == 3 * 10**15 and final["finished"]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["index"], x["result"]["payload"]) for x in rows] == [(0, 0), (1, 1), (2, 2)]
    st = ogpu("--json", "job", "status", "cli-1")
    assert st.exit_code == 0 and json.loads(st.stdout)["published"] == 3
    listed = json.loads(ogpu("--json", "job", "list").stdout)
    assert listed[0]["job_id"] == "cli-1" and listed[0]["state"] == "done"
    missing = ogpu("--json", "job", "status", "nope")
    assert missing.exit_code == 4 and "nope" in missing.stderr


def test_bad_inputs_are_refused_before_anything_is_sent(ogpu, make_source, tmp_path) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"payload": 1}\n[1, 2]\n')
    r = ogpu(
        "job", "run", source.address, "-f", "echo", "--inputs", str(inputs), "--payment", "0.001"
    )
    assert r.exit_code == 3 and "in.jsonl:2" in r.stderr
    assert source.get_task_count() == 0


def test_cancel_then_resume_publishes_nothing(ogpu, store_session, make_source, tmp_path) -> None:
    source = make_source(DeliveryMethod.FIRST_RESPONSE)
    journal = Journal(tmp_path / "jobs.sqlite3")
    job = run_job(
        source,
        "echo",
        [{"payload": 1}, {"payload": 2}],
        payment=10**15,
        journal=journal,
        session=store_session,
        job_id="cli-2",
        start=False,
    )
    r = ogpu("--json", "job", "cancel", job.id)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert json.loads(r.stdout)["canceled"] == 2
    again = ogpu("--json", "job", "resume", job.id)
    assert json.loads(again.stdout)["canceled"] == 2
    assert source.get_task_count() == 0
