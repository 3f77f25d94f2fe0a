"""``ogpu task``: publish tasks on a source, follow them, read their responses, cancel them."""

from __future__ import annotations

import json
import time
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ogpu.cli._common import (
    Cli,
    CliError,
    ExpiresInOpt,
    FunctionOpt,
    KeyFileOpt,
    LimitOpt,
    PaymentOpt,
    SourceArg,
    TaskArg,
    Write,
    WriteOptions,
    client_write,
    command,
    format_ogpu,
    format_time,
    parse_address,
    parse_amount,
    parse_duration,
    publish_write,
    write_command,
)
from ogpu.types import Role, TaskSnapshot, TaskStatus

EXAMPLE = "0xa16E02E87b7454126E5E10d957A927A7F5B5d2be"  # a task address for the examples
app = typer.Typer(
    add_completion=False,
    help="Tasks: jobs published on a source, paid from the client's Vault balance.\n\n"
    f"Example: ogpu --network devnet task watch {EXAMPLE}",
    no_args_is_help=True,
)


class StatusName(str, Enum):
    """Task states accepted by ``task watch --until``."""

    new = "new"
    attempted = "attempted"
    responded = "responded"
    canceled = "canceled"
    expired = "expired"
    finalized = "finalized"

    @property
    def status(self) -> TaskStatus:
        return TaskStatus[self.value.upper()]


def snapshot_json(snap: TaskSnapshot) -> dict[str, Any]:
    return {
        "address": snap.address,
        "source": snap.source,
        "status": snap.status.name,
        "config": snap.params.config,
        "payment": snap.payment,
        "expiry_time": snap.expiry_time,
        "delivery_method": snap.delivery_method.name,
        "attempt_count": snap.attempt_count,
        "winning_provider": snap.winning_provider,
        "block_number": snap.block_number,
    }


def _load_data(data: str) -> dict[str, Any]:
    text = data
    if data.startswith("@"):
        path = Path(data[1:]).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot read --data file {path}: {exc.strerror or exc}") from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise CliError(
            f"--data is not valid JSON ({exc}); example: --data '{{\"x\": 1}}'"
        ) from None
    if not isinstance(value, dict):
        raise CliError(f"--data must be a JSON object, got {type(value).__name__}")
    return value


@app.command(
    epilog="Example: ogpu --network devnet task publish 0x5FbDB2315678afecb367f032d93F642f64180aa3 "
    '--function analyze --data \'{"text": "great"}\' --payment 0.01 --expires-in 10m'
)
@write_command(Role.CLIENT, quiet=True)
def publish(
    w: WriteOptions,
    source: SourceArg,
    function: FunctionOpt,
    payment: PaymentOpt,
    data: Annotated[
        str, typer.Option("--data", "-d", help="Input as a JSON object, or @file.json.")
    ] = "{}",
    expires_in: ExpiresInOpt = "10m",
    expiry_time: Annotated[
        int | None,
        typer.Option(help="Absolute expiry in unix seconds (overrides --expires-in)."),
    ] = None,
) -> Write:
    """Publish a task: pin its config to IPFS and call Controller.publishTask.

    The payment is escrowed from the client's Vault balance (see `ogpu vault deposit`).
    """
    from ogpu.client import TaskInfo, TaskInput, publish_task

    src = parse_address(source, "source address")
    amount = parse_amount(payment, "--payment")
    lifetime = parse_duration(expires_in, "--expires-in")
    config = TaskInput(function, _load_data(data))
    expiry = expiry_time if expiry_time is not None else w.cli.session.timestamp() + lifetime
    return publish_write(
        w,
        "task",
        "config_url",
        publish_task,
        TaskInfo(source=src, config=config, expiryTime=expiry, payment=amount),
        action="Controller.publishTask",
        title="task published",
        effect=lambda client: (
            f"publish task {function!r} on source {src}, escrowing {format_ogpu(amount)} "
            f"from {client}, expiring {format_time(expiry)}"
        ),
        extra={"source": src, "payment": amount, "expiry_time": expiry},
    )


@app.command(epilog=f"Example: ogpu task show {EXAMPLE}")
@command
def show(cli: Cli, address: TaskArg) -> None:
    """Show a task: source, status, payment, expiry, attempts and the winner."""
    data = snapshot_json(cli.load("Task", address).snapshot())
    rows = [
        ("source", data["source"]),
        ("status", data["status"]),
        ("payment", format_ogpu(data["payment"])),
        ("expires", format_time(data["expiry_time"])),
        ("delivery", data["delivery_method"]),
        ("attempts", data["attempt_count"]),
        ("winner", data["winning_provider"] or "-"),
        ("config", data["config"]),
    ]
    cli.emit(data, lambda: cli.fields(f"task {data['address']}", rows))


@app.command(epilog=f"Example: ogpu --network devnet task cancel {EXAMPLE}")
@write_command(Role.CLIENT)
def cancel(w: WriteOptions, address: TaskArg) -> Write:
    """Cancel a task nobody attempted yet; its payment returns to the client's balance."""
    from ogpu.protocol import Task, controller

    addr = parse_address(address, "task address")
    return client_write(
        "task",
        addr,
        "Controller.cancelTask",
        f"cancel task {addr} and refund its escrow",
        controller.cancel_task,
        title=lambda report: f"task {report['status'].lower()}",
        # an overdue task is expired rather than cancelled: report what the chain reports
        outcome=lambda _: {"status": Task.load(addr, w.cli.session).get_status().name},
    )


@app.command(
    epilog=f"Example: ogpu --network devnet task watch {EXAMPLE} --until responded --timeout 300"
)
@command
def watch(
    cli: Cli,
    address: TaskArg,
    until: Annotated[
        list[StatusName] | None,
        typer.Option(
            case_sensitive=False,
            help="Stop at this status (repeatable). Default: any final state "
            "(finalized, canceled, expired).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=0.0, help="Give up after N seconds (0: never).")
    ] = 600.0,
    poll: Annotated[float | None, typer.Option(min=0.01, help="Poll interval in seconds.")] = None,
) -> None:
    """Follow a task's status until it reaches --until (or a final state).

    Prints every change (JSON lines with --json). Exits 1 when the awaited state can no longer
    happen (e.g. the task was canceled) or on timeout.
    """
    from ogpu.events import wait_for_task_status

    wanted = [u.status for u in until or []]
    task = cli.load("Task", address)
    addr, label = task.address, "/".join(s.name for s in wanted) or "a final state"

    def progress(status: TaskStatus) -> None:
        if cli.json:
            typer.echo(json.dumps({"task": addr, "status": status.name, "time": time.time()}))
        else:
            cli.progress(f"{time.strftime('%H:%M:%S')}  task {addr}  {status.name}")

    with cli.spinner(f"waiting for task {addr} to reach {label}"):
        final = wait_for_task_status(
            task, *wanted, timeout=timeout or None, poll_interval=poll, on_progress=progress
        )
    if not cli.json:
        cli.out.print(f"task {addr} is {final.name}")


@app.command(epilog=f"Example: ogpu task responses {EXAMPLE}")
@command
def responses(cli: Cli, address: TaskArg) -> None:
    """List a task's responses: provider, status, payment claimed and the result (fetched from
    IPFS; the data URL with --json)."""
    from ogpu.cli.response import snapshot_json as response_json

    task = cli.load("Task", address)
    found = task.get_responses()
    rows = [{**response_json(r.snapshot()), "result": _result_of(r)} for r in found]
    cli.table(
        rows,
        {
            "response": "address",
            "provider": "provider",
            "status": "status",
            "payment": _payment,
            "result": lambda r: _short(r["result"]),
        },
        empty=f"task {task.address} has no responses yet",
    )


def _payment(row: dict[str, Any]) -> str:
    return format_ogpu(row["payment"])


RESULT_PREVIEW = 60  # characters of a result shown in a table cell


def _result_of(response: Any) -> Any:
    """The response's data fetched from IPFS (CID-verified), or an ``{"error": ...}`` note."""
    from ogpu.types import OGPUError

    try:
        return response.fetch_data()
    except OGPUError as exc:
        return {"error": f"{type(exc).__name__}: {exc.message}"}


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return text if len(text) <= RESULT_PREVIEW else text[: RESULT_PREVIEW - 1] + "…"


@app.command(epilog=f"Example: ogpu task result {EXAMPLE}")
@command
def result(cli: Cli, address: TaskArg) -> None:
    """Print the result of a finalized task: the confirmed response's data, as JSON."""
    task = cli.load("Task", address)
    chosen = [r for r in task.get_responses() if r.snapshot().confirmed]
    if not chosen:
        raise CliError(
            f"task {task.address} has no confirmed response yet (status "
            f"{task.get_status().name}); follow it with `ogpu task watch {task.address}`"
        )
    payload = chosen[0].fetch_data()
    data = {"task": task.address, "response": chosen[0].address, "result": payload}
    cli.emit(data, lambda: typer.echo(json.dumps(payload, indent=2, ensure_ascii=False)))


@app.command(name="list", epilog="Example: ogpu --network devnet task list --status finalized")
@command
def list_(
    cli: Cli,
    source: Annotated[str | None, typer.Option(help="Only the tasks of this source.")] = None,
    client: Annotated[
        str | None,
        typer.Option(help="Only the tasks of this client's sources (default: the client key)."),
    ] = None,
    status: Annotated[
        list[StatusName] | None,
        typer.Option(case_sensitive=False, help="Only tasks in this status (repeatable)."),
    ] = None,
    limit: LimitOpt = 50,
    key_file: KeyFileOpt = None,
) -> None:
    """List tasks (newest last): yours by default, or a source's; filter by status."""
    from ogpu.protocol import Source, nexus

    wanted = {s.status for s in status or []}
    session = cli.session
    if source is not None:
        sources = [parse_address(source, "source address")]
    else:
        owner = cli.account(client, "client address", Role.CLIENT, key_file)
        sources = list(nexus.get_sources_of(owner, session=session))
    snaps: list[TaskSnapshot] = []
    for src in sources:
        s = Source.load(src, session)
        count = s.get_task_count()
        for task in s.get_tasks(max(0, count - limit), count):
            snap = task.snapshot()
            if not wanted or snap.status in wanted:
                snaps.append(snap)
    cli.table(
        [snapshot_json(snap) for snap in snaps[-limit:]],
        {
            "task": "address",
            "source": "source",
            "status": "status",
            "payment": _payment,
            "expires": lambda r: format_time(r["expiry_time"]),
        },
        empty="no tasks",
    )
