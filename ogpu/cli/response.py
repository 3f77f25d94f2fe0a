"""``ogpu response``: inspect a provider's response, read its data, confirm it (client role)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ogpu.cli._common import (
    Cli,
    ResponseArg,
    Write,
    client_write,
    command,
    format_ogpu,
    format_time,
    parse_address,
    write_command,
)
from ogpu.types import ResponseSnapshot, Role

EXAMPLE = "0x8464135c8F25Da09e49BC8782676a84730C318bC"  # a response address for the examples
app = typer.Typer(
    add_completion=False,
    help="Responses: a provider's answer to a task (data URL, claimed payment, status).\n\n"
    f"Example: ogpu --network devnet response data {EXAMPLE}",
    no_args_is_help=True,
)


def snapshot_json(snap: ResponseSnapshot) -> dict[str, Any]:
    return {
        "address": snap.address,
        "task": snap.task,
        "provider": snap.params.provider,
        "status": snap.status.name,
        "confirmed": snap.confirmed,
        "payment": int(snap.params.payment),
        "data": snap.data,
        "timestamp": snap.timestamp,
        "block_number": snap.block_number,
    }


@app.command(epilog=f"Example: ogpu response show {EXAMPLE}")
@command
def show(cli: Cli, address: ResponseArg) -> None:
    """Show a response: task, provider, status, claimed payment and data URL."""
    data = snapshot_json(cli.load("Response", address).snapshot())
    rows = [
        ("task", data["task"]),
        ("provider", data["provider"]),
        ("status", data["status"]),
        ("payment", format_ogpu(data["payment"])),
        ("submitted", format_time(data["timestamp"])),
        ("data", data["data"]),
    ]
    cli.emit(data, lambda: cli.fields(f"response {data['address']}", rows))


@app.command(epilog=f"Example: ogpu --network devnet response data {EXAMPLE}")
@command
def data(
    cli: Cli,
    address: ResponseArg,
    url_only: Annotated[
        bool, typer.Option("--url", help="Print the data URL only (no IPFS fetch).")
    ] = False,
) -> None:
    """Fetch a response's data from IPFS (verified against its CID) and print it as JSON."""
    response = cli.load("Response", address)
    url = response.get_data()
    if url_only:
        cli.emit({"response": response.address, "url": url}, lambda: typer.echo(url))
        return
    # JSON: ASCII-only (escaped); on a terminal the text as it is
    typer.echo(json.dumps(response.fetch_data(), indent=2, ensure_ascii=cli.json))


@app.command(epilog=f"Example: ogpu --network devnet response confirm {EXAMPLE} --dry-run")
@write_command(Role.CLIENT)
def confirm(address: ResponseArg) -> Write:
    """Confirm a response (manual-confirmation tasks): finalizes the task and pays the provider."""
    from ogpu.protocol import controller

    addr = parse_address(address, "response address")
    return client_write(
        "response",
        addr,
        "Controller.confirmResponse",
        f"confirm response {addr}: finalize its task and pay its provider",
        controller.confirm_response,
        title="response confirmed",
        extra={"status": "CONFIRMED"},
    )
