"""The human listings and show blocks of the read commands (tables, empty lists, titles)."""

from __future__ import annotations

from cli_helpers import Run, ok_json
from support.world import World

from ogpu.chain import Session
from ogpu.devnet.accounts import dev_account

STRANGER = dev_account("stranger").address


def header(text: str) -> list[str]:
    return text.splitlines()[0].split()


def test_empty_listings_say_so(run: Run) -> None:
    assert run("task", "list", "--client", STRANGER).stdout == "no tasks\n"
    assert run("source", "list", "--client", STRANGER).stdout == "no sources\n"
    assert ok_json(run("source", "list", "--client", STRANGER, "--json")) == []


def test_tables_and_show_blocks(run: Run, chain: Session) -> None:
    world = World(chain)
    source, task = world.ready_task()
    empty = run("task", "responses", task.address)
    assert empty.stdout == f"task {task.address} has no responses yet\n"
    world.attempt(task)
    response = world.respond(task)

    listed = run("task", "responses", task.address)
    assert listed.exit_code == 0, listed.stderr
    assert header(listed.stdout) == ["response", "provider", "status", "payment", "result"]
    row = listed.stdout.splitlines()[1].split()
    assert row[:5] == [
        response.address,
        dev_account("provider").address,
        "SUBMITTED",
        "0.01",
        "OGPU",
    ]
    assert "IPFS" in listed.stdout  # the data URL is not on the store: the fetch error is shown

    tasks = run("task", "list", "--source", source.address)
    assert header(tasks.stdout) == ["task", "source", "status", "payment", "expires"]
    assert tasks.stdout.splitlines()[1].split()[:3] == [task.address, source.address, "RESPONDED"]

    sources = run("source", "list", "--client", dev_account("client").address)
    assert header(sources.stdout) == [
        "source",
        "client",
        "status",
        "envs",
        "min",
        "payment",
        "tasks",
    ]
    assert sources.stdout.splitlines()[1].split() == [
        source.address,
        dev_account("client").address,
        "ACTIVE",
        "CPU",
        "0.001",
        "OGPU",
        "1",
    ]

    shown = run("task", "show", task.address).stdout.splitlines()
    assert shown[0] == f"task {task.address}"
    assert shown[1].split() == ["source", source.address]
    assert run("response", "show", response.address).stdout.splitlines()[0] == (
        f"response {response.address}"
    )
    url = run("response", "data", response.address, "--url")
    assert url.stdout == f"{response.get_data()}\n"
