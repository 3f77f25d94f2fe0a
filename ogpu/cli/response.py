"""``ogpu response``: inspect a provider's response, read its data, confirm it (client role).

Example::

    ogpu --network devnet response show 0x8464135c8F25Da09e49BC8782676a84730C318bC
    ogpu --network devnet response data 0x8464135c8F25Da09e49BC8782676a84730C318bC
    ogpu --network devnet response confirm 0x8464135c8F25Da09e49BC8782676a84730C318bC
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from ogpu.cli._common import (
    Cli,
    ResponseArg,
    Write,
    command,
    format_ogpu,
    format_time,
    parse_address,
    write_command,
)
from ogpu.types import ResponseSnapshot, Role

app = typer.Typer(
    add_completion=False,
    help="Responses: a provider's answer to a task (data URL, claimed payment, status).\n\n"
    "Example: ogpu --network devnet response data 0x8464135c8F25Da09e49BC8782676a84730C318bC",
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


@app.command(epilog="Example: ogpu response show 0x8464135c8F25Da09e49BC8782676a84730C318bC")
@command
def show(
    address: ResponseArg,
) -> None:
    """Show a response: task, provider, status, claimed payment and data URL."""
    from ogpu.protocol import Response

    addr = parse_address(address, "response address")
    with Cli() as cli:
        data = snapshot_json(Response.load(addr, cli.session).snapshot())
        cli.emit(
            data,
            lambda: cli.fields(
                f"response {addr}",
                [
                    ("task", data["task"]),
                    ("provider", data["provider"]),
                    ("status", data["status"]),
                    ("payment", format_ogpu(data["payment"])),
                    ("submitted", format_time(data["timestamp"])),
                    ("data", data["data"]),
                ],
            ),
        )


@app.command(
    epilog="Example: ogpu --network devnet response data 0x8464135c8F25Da09e49BC8782676a84730C318bC"
)
@command
def data(
    address: ResponseArg,
    url_only: Annotated[
        bool, typer.Option("--url", help="Print the data URL only (no IPFS fetch).")
    ] = False,
) -> None:
    """Fetch a response's data from IPFS (verified against its CID) and print it as JSON."""
    from ogpu.protocol import Response

    addr = parse_address(address, "response address")
    with Cli() as cli:
        response = Response.load(addr, cli.session)
        url = response.get_data()
        if url_only:
            cli.emit({"response": addr, "url": url}, lambda: typer.echo(url))
            return
        payload = response.fetch_data()
        if cli.json:
            typer.echo(json.dumps(payload, indent=2))
        else:
            typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))


@app.command(
    epilog="Example: ogpu --network devnet response confirm "
    "0x8464135c8F25Da09e49BC8782676a84730C318bC --dry-run"
)
@write_command(Role.CLIENT)
def confirm(address: ResponseArg) -> Write:
    """Confirm a response (manual-confirmation tasks): finalizes the task and pays the provider."""
    from ogpu.protocol import controller

    addr = parse_address(address, "response address")
    return Write(
        "Controller.confirmResponse",
        "response confirmed",
        effect=lambda me: f"confirm response {addr}: finalize its task and pay its provider",
        send=lambda **kw: controller.confirm_response(
            addr, context=f"Controller.confirmResponse(response={addr})", **kw
        ),
        extra={"response": addr, "status": "CONFIRMED"},
        signer_field="client",
    )
