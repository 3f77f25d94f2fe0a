"""``ogpu job``: run a function of a source over a file of inputs, exactly once, resumable."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from ogpu.cli._common import (
    EXIT_INTERRUPTED,
    EXIT_STATE,
    Cli,
    CliError,
    ExpiresInOpt,
    FunctionOpt,
    KeyFileOpt,
    PaymentOpt,
    SourceArg,
    YesOpt,
    command,
    fail,
    format_ogpu,
    parse_address,
    parse_amount,
    parse_duration,
)
from ogpu.types import Role

app = typer.Typer(
    add_completion=False,
    help="Jobs: one task per input line, each published exactly once, resumable after a crash "
    "(a journal in ~/.ogpu/jobs.sqlite3 or $OGPU_JOURNAL).\n\n"
    "Example: ogpu --network devnet job run SOURCE -f sentiment --inputs in.jsonl "
    "--payment 0.01 --out out.jsonl",
    no_args_is_help=True,
)

#: bounds on an inputs file: a line, and the number of lines
MAX_LINE_BYTES = 1 << 20
MAX_INPUTS = 1_000_000

JobArg = Annotated[str, typer.Argument(help="Job id.")]
JournalOpt = Annotated[
    Path | None,
    typer.Option(
        "--journal",
        help="Journal file. Default: $OGPU_JOURNAL, else ~/.ogpu/jobs.sqlite3.",
        dir_okay=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Write one JSON line per input (index, input, result or error) when the job ends.",
        dir_okay=False,
    ),
]


def read_inputs(path: Path) -> list[dict[str, Any]]:
    """JSON objects, one per non-empty line (bounded: 1 MiB a line, 1,000,000 lines)."""
    out: list[dict[str, Any]] = []
    try:
        with path.open("rb") as f:
            for number, raw in enumerate(f, 1):
                if len(raw) > MAX_LINE_BYTES:
                    raise CliError(f"{path}:{number}: line longer than {MAX_LINE_BYTES} bytes")
                if not raw.strip():
                    continue
                try:
                    value = json.loads(raw)
                except ValueError as exc:
                    raise CliError(f"{path}:{number}: not valid JSON ({exc})") from None
                if not isinstance(value, dict):
                    raise CliError(
                        f"{path}:{number}: each line must be a JSON object, got "
                        f"{type(value).__name__}"
                    )
                out.append(value)
                if len(out) > MAX_INPUTS:
                    raise CliError(f"{path}: more than {MAX_INPUTS} inputs; split the file")
    except OSError as exc:
        raise CliError(f"cannot read --inputs file {path}: {exc.strerror or exc}") from None
    if not out:
        raise CliError(f"{path}: no inputs (one JSON object per line)")
    return out


def _journal(path: Path | None, job: str | None = None) -> Any:
    """The journal at ``path`` (default location); with ``job``, one that must already exist (a
    read does not create an empty journal)."""
    from ogpu.jobs import Journal, default_journal_path
    from ogpu.types import JobNotFoundError

    target = path if path is not None else default_journal_path()
    if job is not None and not target.exists():
        raise JobNotFoundError(job, str(target))
    return Journal(target)


def _open(cli: Cli, job: str, journal: Path | None, key_file: Path | None) -> Any:
    """The journaled job ``job``, to be carried on with the client key."""
    from ogpu.jobs import Job

    return Job.open(
        job,
        journal=_journal(journal, job),
        session=cli.session,
        signer=cli.signer(Role.CLIENT, key_file),
    )


def _status_line(st: Any) -> str:
    eta = "" if st.eta is None else f" · ETA {int(st.eta)} s"
    return (
        f"published {st.published}/{st.total} · attempted {st.attempted} · answered "
        f"{st.answered} · confirmed {st.confirmed} · failed {st.failed} · spent "
        f"{format_ogpu(st.spent)} · refunded {format_ogpu(st.refunded)}{eta}"
    )


_COUNTS = ("published", "attempted", "answered", "confirmed", "failed", "canceled", "pending")
_AMOUNTS = ("spent", "paid", "refunded", "escrowed")


def _show_status(cli: Cli, st: Any) -> None:
    rows = [
        ("inputs", st.total),
        *((k, getattr(st, k)) for k in _COUNTS),
        *((k, format_ogpu(getattr(st, k))) for k in _AMOUNTS),
    ]
    cli.emit(st.to_dict(), lambda: cli.fields(f"job {st.job_id} ({st.state})", rows))


def _write_out(job: Any, path: Path) -> None:
    from ogpu.files import atomic_write

    lines = []
    for item in job.journal.items(job.id):
        row: dict[str, Any] = {"index": item.idx, "input": item.input, "state": item.state}
        if item.state == "done":
            row["result"] = item.result
        elif item.error is not None:
            row["error"] = item.error
        lines.append(json.dumps(row, sort_keys=True))
    atomic_write(path, "\n".join(lines) + "\n", mode=0o644)


def _drive(cli: Cli, job: Any, out: Path | None) -> None:
    """Follow a started job with a live line (terminal, no --json) until it ends."""
    try:
        if cli.json or not cli.err.is_terminal:
            st = job.wait()
        else:
            from rich.live import Live
            from rich.text import Text

            with Live(Text(_status_line(job.status())), console=cli.err, transient=True) as live:
                while True:
                    st = job.wait(timeout=0.5)
                    live.update(Text(_status_line(st)))
                    if st.finished or not any(t.is_alive() for t in job._threads):
                        break
    except KeyboardInterrupt:
        job.stop()
        cli.err.print(
            f"stopped; nothing is lost: ogpu job resume {job.id}"
            + (f" --journal {job.journal.path}" if job.journal.path else ""),
            markup=False,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    st = job.wait(timeout=5)
    if out is not None:
        _write_out(job, out)
    _show_status(cli, st)
    if not st.finished:
        fail(f"job {job.id} stopped before the end; run: ogpu job resume {job.id}", EXIT_STATE)
    if st.failed:
        fail(f"{st.failed} of {st.total} inputs failed (see --out or ogpu job status)", EXIT_STATE)


@app.command(
    epilog="Example: ogpu --network devnet job run 0x5FbDB2315678afecb367f032d93F642f64180aa3 "
    "-f sentiment --inputs reviews.jsonl --payment 0.01 --out results.jsonl"
)
@command
def run(
    cli: Cli,
    source: SourceArg,
    function: FunctionOpt,
    inputs: Annotated[
        Path,
        typer.Option(
            "--inputs", "-i", help="JSON lines file: one input object per line.", dir_okay=False
        ),
    ],
    payment: PaymentOpt,
    expires_in: ExpiresInOpt = "10m",
    retries: Annotated[
        int, typer.Option(min=0, max=100, help="Re-publishes of an expired task.")
    ] = 1,
    budget: Annotated[
        str | None,
        typer.Option(help="Most the job may commit (payments not refunded), OGPU."),
    ] = None,
    policy: Annotated[
        str,
        typer.Option(help="MANUAL_CONFIRMATION sources: first, cheapest[:k] or quorum:k."),
    ] = "first",
    max_in_flight: Annotated[
        int, typer.Option(min=1, max=1024, help="Inputs in progress at once.")
    ] = 16,
    stuck_after: Annotated[
        float,
        typer.Option(min=0.1, help="Seconds before a publish is re-sent at a higher fee."),
    ] = 30.0,
    max_fee: Annotated[
        str | None,
        typer.Option(help="Cap on the fee per gas of replacements (e.g. 50gwei)."),
    ] = None,
    out: OutOpt = None,
    journal: JournalOpt = None,
    job_id: Annotated[str | None, typer.Option(help="Name the job (default: a random id).")] = None,
    key_file: KeyFileOpt = None,
    yes: YesOpt = False,
) -> None:
    """Publish one task per input line and collect the verified results."""
    from ogpu.jobs import run_job

    src = parse_address(source, "source address")
    amount = parse_amount(payment, "--payment")
    lifetime = parse_duration(expires_in, "--expires-in")
    cap = parse_amount(budget, "--budget") if budget is not None else None
    fee_cap = parse_amount(max_fee, "--max-fee") if max_fee is not None else None
    data = read_inputs(inputs)
    session = cli.session
    signer = cli.signer(Role.CLIENT, key_file)
    most = amount * len(data) if cap is None else cap
    cli.confirm(
        yes,
        lambda: (
            f"{len(data)} tasks of {format_ogpu(amount)} on {src} from {signer.address}; "
            f"up to {format_ogpu(most)} escrowed"
        ),
        "Run the job on",
    )
    job = run_job(
        src,
        function,
        data,
        payment=amount,
        expires_in=lifetime,
        retries=retries,
        budget=cap,
        policy=policy,
        max_in_flight=max_in_flight,
        stuck_after=stuck_after,
        max_fee_per_gas=fee_cap,
        journal=_journal(journal),
        job_id=job_id,
        session=session,
        signer=signer,
    )
    if not cli.json:
        cli.err.print(f"job {job.id}: {len(data)} inputs", markup=False)
    _drive(cli, job, out)


@app.command(epilog="Example: ogpu --json job status 3f2a9c0d1e2b4c5d")
@command
def status(cli: Cli, job: JobArg, journal: JournalOpt = None) -> None:
    """Counts and money of a job, from its journal (no network needed)."""
    from ogpu.jobs import Job

    _show_status(cli, Job.open(job, journal=_journal(journal, job)).status())


@app.command(epilog="Example: ogpu --network devnet job resume 3f2a9c0d1e2b4c5d --out out.jsonl")
@command
def resume(
    cli: Cli,
    job: JobArg,
    out: OutOpt = None,
    journal: JournalOpt = None,
    key_file: KeyFileOpt = None,
) -> None:
    """Carry on a stopped or crashed job; nothing is published twice.

    Publishes whose fate is unknown are settled first: their recorded bytes are sent again.
    """
    opened = _open(cli, job, journal, key_file)
    opened.start()
    _drive(cli, opened, out)


@app.command(epilog="Example: ogpu --network devnet job cancel 3f2a9c0d1e2b4c5d")
@command
def cancel(
    cli: Cli,
    job: JobArg,
    journal: JournalOpt = None,
    key_file: KeyFileOpt = None,
    timeout: Annotated[
        float, typer.Option(min=0.0, help="Seconds to wait for the refunds.")
    ] = 120.0,
) -> None:
    """Publish nothing more; tasks no provider has taken are cancelled and refunded."""
    opened = _open(cli, job, journal, key_file)
    started = time.monotonic()
    st = opened.cancel(timeout=timeout)
    opened.stop(max(1.0, timeout - (time.monotonic() - started)))
    _show_status(cli, st)


@app.command(name="list", epilog="Example: ogpu --json job list")
@command
def list_jobs(cli: Cli, journal: JournalOpt = None) -> None:
    """Jobs in the journal, newest first."""
    from ogpu.jobs import default_journal_path

    target = journal if journal is not None else default_journal_path()
    found = _journal(target).jobs() if target.exists() else []
    rows = [{"job_id": i, "state": s, "created": int(c)} for i, s, c in found]

    def human() -> None:
        for r in rows:
            cli.out.print(f"{r['job_id']}  {r['state']}", markup=False)

    cli.emit(rows, human)
