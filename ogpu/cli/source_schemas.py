"""``ogpu source`` commands for handler schemas: ``handlers`` and ``stubs``, and the handler
listing of ``ogpu source show``.

Example::

    ogpu --network devnet source handlers 0x5FbDB2315678afecb367f032d93F642f64180aa3 --json
    ogpu --network devnet source stubs 0x5FbDB2315678afecb367f032d93F642f64180aa3 -o my_client.py
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from ogpu.cli._common import Cli, CliError, command, parse_address

__all__ = ["HandlersOpt", "add_handlers", "register", "show_handlers"]

HandlersOpt = Annotated[
    str | None,
    typer.Option(
        "--handlers",
        help="Module with the source's @expose'd handlers (pkg.module, pkg.module:svc or a .py "
        "file): their input/output schemas are stored in the metadata so clients can check "
        "tasks before paying.",
    ),
]


def _document(cli: Cli, address: str) -> Any:
    from ogpu.client.schemas import source_handlers

    return source_handlers(address, session=cli.session)


def _summary(document: Any) -> list[dict[str, Any]]:
    return [
        {
            **document.functions[name].to_dict(),
            "input_fields": [
                {"name": f, "type": t, "required": r}
                for f, t, r in document.functions[name].input_fields()
            ],
        }
        for name in document.names()
    ]


def add_handlers(cli: Cli, address: str, data: dict[str, Any]) -> None:
    """Put the source's declared handlers in ``data["handlers"]`` (``None``: none declared or the
    metadata is unavailable, with ``data["handlers_error"]``)."""
    from ogpu.service.schemas import METADATA_FIELD
    from ogpu.types import IPFSError

    try:
        document = _document(cli, address)
    except IPFSError as exc:
        data["handlers"], data["handlers_error"] = None, str(exc)
    else:
        data["handlers"] = None if document is None else _summary(document)
    if isinstance(data.get("metadata"), dict):
        data["metadata"].pop(METADATA_FIELD, None)  # shown parsed, under "handlers"


def show_handlers(
    cli: Cli, data: dict[str, Any], before: Callable[[Cli, dict[str, Any]], None] | None = None
) -> None:
    """Human listing: each handler with its input fields (after ``before(cli, data)``)."""
    if before is not None:
        before(cli, data)
    handlers = data.get("handlers")
    if not handlers:
        why = data.get("handlers_error") or "none declared in the metadata"
        cli.fields("handlers", [("", why)])
        return
    rows: list[tuple[str, Any]] = []
    for h in handlers:
        fields = ", ".join(
            f"{f['name']}: {f['type']}" + ("" if f["required"] else "?") for f in h["input_fields"]
        )
        rows.append((h["name"], f"({fields})"))
    cli.fields("handlers", rows)


def handlers(
    cli: Cli,
    address: Annotated[str, typer.Argument(help="Source address.")],
) -> None:
    """List the functions a source declares, with their input fields (--json: the schemas)."""
    addr = parse_address(address, "source address")
    data: dict[str, Any] = {"address": addr}
    add_handlers(cli, addr, data)
    cli.emit(data, lambda: show_handlers(cli, data))


def stubs(
    cli: Cli,
    address: Annotated[str, typer.Argument(help="Source address.")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write the typed client module to.")
    ],
) -> None:
    """Write a typed client module: pydantic models of each handler's input/output and one
    function per handler returning a TypedTask (see docs/client-guide.md, "Typed sources")."""
    from ogpu.client.stubs import generate_stubs

    addr = parse_address(address, "source address")
    document = _document(cli, addr)
    if document is None:
        raise CliError(f"source {addr} declares no handler schemas in its metadata")
    source = generate_stubs(document, source=addr)
    output.write_text(source, encoding="utf-8")
    data = {"source": addr, "output": str(output), "functions": document.names()}
    cli.emit(
        data,
        lambda: cli.out.print(f"wrote {output} ({', '.join(document.names())})", markup=False),
    )


def register(app: typer.Typer) -> None:
    """Add ``handlers`` and ``stubs`` to the ``ogpu source`` app."""
    app.command(
        name="handlers",
        epilog="Example: ogpu --network devnet source handlers 0x5FbDB2315678afecb367f032d93F642f64180aa3",
    )(command(handlers))
    app.command(
        name="stubs",
        epilog="Example: ogpu --network devnet source stubs 0x5FbDB2315678afecb367f032d93F642f64180aa3 "
        "-o my_client.py",
    )(command(stubs))
