"""``ogpu task``: publish tasks on a source, follow them, read their responses, cancel them.

Example::

    ogpu --network devnet task publish 0x5FbDB2315678afecb367f032d93F642f64180aa3 \\
        --function analyze --data '{"text": "great"}' --payment 0.01 --expires-in 10m
    ogpu --network devnet task watch 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be --until responded
    ogpu --network devnet --json task responses 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be
"""

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
    DryRunOpt,
    KeyFileOpt,
    TimeoutOpt,
    YesOpt,
    command,
    format_ogpu,
    parse_address,
    parse_amount,
    parse_duration,
)
from ogpu.types import Role, TaskSnapshot, TaskStatus

app = typer.Typer(
    add_completion=False,
    help="Tasks: jobs published on a source, paid from the client's Vault balance.\n\n"
    "Example: ogpu --network devnet task watch 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be",
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
@command
def publish(
    source: Annotated[str, typer.Argument(help="Source address.")],
    function: Annotated[
        str, typer.Option("--function", "-f", help="Handler the provider runs (function_name).")
    ],
    payment: Annotated[
        str, typer.Option("--payment", help="Payment escrowed from the Vault, OGPU (or wei/gwei).")
    ],
    data: Annotated[
        str, typer.Option("--data", "-d", help="Input as a JSON object, or @file.json.")
    ] = "{}",
    expires_in: Annotated[
        str, typer.Option("--expires-in", help="Lifetime: seconds or 90s, 10m, 2h, 1d.")
    ] = "10m",
    expiry_time: Annotated[
        int | None,
        typer.Option(
            "--expiry-time", help="Absolute expiry, unix seconds (overrides --expires-in)."
        ),
    ] = None,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Publish a task: pin its config to IPFS and call Controller.publishTask.

    The payment is escrowed from the client's Vault balance (see `ogpu vault deposit`).
    """
    from ogpu.client import TaskInfo, TaskInput, publish_task

    src = parse_address(source, "source address")
    amount = parse_amount(payment, "--payment")
    lifetime = parse_duration(expires_in, "--expires-in")
    payload = _load_data(data)
    config = TaskInput(function, payload)
    with Cli() as cli:
        session = cli.session
        signer = cli.signer(Role.CLIENT, key_file)
        expiry = expiry_time if expiry_time is not None else session.timestamp() + lifetime
        info = TaskInfo(source=src, config=config, expiryTime=expiry, payment=amount)

        def call(**kw: Any) -> Any:
            return publish_task(info, signer, session=session, timeout=timeout, **kw)

        sent = cli.write(
            "Controller.publishTask",
            call,
            dry_run=dry_run,
            yes=yes,
            timeout=timeout,
            effect=f"publish task {function!r} on source {src}, escrowing {format_ogpu(amount)} "
            f"from {signer.address}, expiring at unix {expiry}",
        )
        if sent is None:
            return
        pending, receipt = sent
        task = pending.wait(timeout)
        cli.done(
            "task published",
            receipt,
            {
                "task": task.address,
                "source": src,
                "payment": amount,
                "expiry_time": expiry,
                "config_url": pending.url,
            },
        )


@app.command(epilog="Example: ogpu task show 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be")
@command
def show(
    address: Annotated[str, typer.Argument(help="Task address.")],
) -> None:
    """Show a task: source, status, payment, expiry, attempts and the winner."""
    from ogpu.protocol import Task

    addr = parse_address(address, "task address")
    with Cli() as cli:
        data = snapshot_json(Task.load(addr, cli.session).snapshot())

        def human() -> None:
            left = data["expiry_time"] - int(time.time())
            cli.fields(
                f"task {addr}",
                [
                    ("source", data["source"]),
                    ("status", data["status"]),
                    ("payment", format_ogpu(data["payment"])),
                    (
                        "expires",
                        f"unix {data['expiry_time']} "
                        + (f"(in {left} s)" if left > 0 else "(passed)"),
                    ),
                    ("delivery", data["delivery_method"]),
                    ("attempts", data["attempt_count"]),
                    ("winner", data["winning_provider"] or "-"),
                    ("config", data["config"]),
                ],
            )

        cli.emit(data, human)


@app.command(
    epilog="Example: ogpu --network devnet task cancel 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be"
)
@command
def cancel(
    address: Annotated[str, typer.Argument(help="Task address.")],
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Cancel a task nobody attempted yet; its payment returns to the client's balance."""
    from ogpu.protocol import controller

    addr = parse_address(address, "task address")
    with Cli() as cli:
        signer = cli.signer(Role.CLIENT, key_file)

        def call(**kw: Any) -> Any:
            return controller.cancel_task(
                addr,
                signer=signer,
                session=cli.session,
                context=f"Controller.cancelTask(task={addr})",
                **kw,
            )

        sent = cli.write(
            "Controller.cancelTask",
            call,
            dry_run=dry_run,
            yes=yes,
            timeout=timeout,
            effect=f"cancel task {addr} and refund its escrow",
        )
        if sent is None:
            return
        cli.done("task canceled", sent[1], {"task": addr, "status": "CANCELED"})


@app.command(
    epilog="Example: ogpu --network devnet task watch 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be "
    "--until responded --timeout 300"
)
@command
def watch(
    address: Annotated[str, typer.Argument(help="Task address.")],
    until: Annotated[
        list[StatusName] | None,
        typer.Option(
            "--until",
            case_sensitive=False,
            help="Stop at this status (repeatable). Default: any final state "
            "(finalized, canceled, expired).",
        ),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.0, help="Give up after N seconds (0: never).")
    ] = 600.0,
    poll: Annotated[
        float | None, typer.Option("--poll", min=0.01, help="Poll interval in seconds.")
    ] = None,
) -> None:
    """Follow a task's status until it reaches --until (or a final state).

    Prints every change (JSON lines with --json). Exits 1 when the awaited state can no longer
    happen (e.g. the task was canceled) or on timeout.
    """
    from ogpu.events import wait_for_task_status
    from ogpu.protocol import Task

    addr = parse_address(address, "task address")
    wanted = [u.status for u in until or []]
    with Cli() as cli:
        task = Task.load(addr, cli.session)
        label = "/".join(s.name for s in wanted) or "a final state"

        def progress(status: TaskStatus) -> None:
            if cli.json:
                typer.echo(json.dumps({"task": addr, "status": status.name, "time": time.time()}))
            else:
                cli.progress(f"{time.strftime('%H:%M:%S')}  task {addr}  {status.name}")

        with cli.spinner(f"waiting for task {addr} to reach {label}"):
            final = wait_for_task_status(
                task,
                *wanted,
                timeout=timeout or None,
                poll_interval=poll,
                on_progress=progress,
            )
        if not cli.json:
            cli.out.print(f"task {addr} is {final.name}")


@app.command(epilog="Example: ogpu task responses 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be")
@command
def responses(
    address: Annotated[str, typer.Argument(help="Task address.")],
) -> None:
    """List a task's responses: provider, status, payment claimed and the data URL."""
    from ogpu.cli.response import snapshot_json as response_json
    from ogpu.protocol import Task

    addr = parse_address(address, "task address")
    with Cli() as cli:
        task = Task.load(addr, cli.session)
        rows = [response_json(r.snapshot()) for r in task.get_responses()]

        def human() -> None:
            if not rows:
                cli.out.print(f"task {addr} has no responses yet")
                return
            from rich.table import Table

            table = Table(box=None, pad_edge=False)
            for col in ("response", "provider", "status", "payment", "data"):
                table.add_column(col)
            for r in rows:
                table.add_row(
                    r["address"], r["provider"], r["status"], format_ogpu(r["payment"]), r["data"]
                )
            cli.out.print(table)

        cli.emit(rows, human)
