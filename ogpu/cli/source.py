"""``ogpu source``: publish, inspect, update and inactivate sources (client role), and read the
handler schemas a source declares (``handlers``, ``stubs``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ogpu.cli._common import (
    Cli,
    CliError,
    KeyFileOpt,
    LimitOpt,
    SourceArg,
    Write,
    WriteOptions,
    client_write,
    command,
    format_ogpu,
    parse_address,
    parse_amount,
    parse_duration,
    publish_write,
    write_command,
)
from ogpu.types import DeliveryMethod, Role, SourceParams, SourceSnapshot, SourceStatus
from ogpu.types.enums import environment_names

app = typer.Typer(
    add_completion=False,
    help="Sources: the Docker images providers run, with their price and limits (client role).\n\n"
    "Example: ogpu --network devnet source list --mine",
    no_args_is_help=True,
)
EXAMPLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3"  # a source address for the examples
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
        data["handlers"] = (
            None
            if document is None
            else [
                {
                    **document.functions[name].to_dict(),
                    "input_fields": [
                        {"name": f, "type": t, "required": r}
                        for f, t, r in document.functions[name].input_fields()
                    ],
                }
                for name in document.names()
            ]
        )
    if isinstance(data.get("metadata"), dict):
        data["metadata"].pop(METADATA_FIELD, None)  # shown parsed, under "handlers"


def show_handlers(cli: Cli, data: dict[str, Any]) -> None:
    """Human listing: each handler with its input fields."""
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


@app.command(epilog=f"Example: ogpu --network devnet source handlers {EXAMPLE}")
@command
def handlers(cli: Cli, address: SourceArg) -> None:
    """List the functions a source declares, with their input fields (--json: the schemas)."""
    addr = parse_address(address, "source address")
    data: dict[str, Any] = {"address": addr}
    add_handlers(cli, addr, data)
    cli.emit(data, lambda: show_handlers(cli, data))


@app.command(epilog=f"Example: ogpu --network devnet source stubs {EXAMPLE} -o my_client.py")
@command
def stubs(
    cli: Cli,
    address: SourceArg,
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
    output.write_text(generate_stubs(document, source=addr), encoding="utf-8")
    data = {"source": addr, "output": str(output), "functions": document.names()}
    cli.emit(
        data,
        lambda: cli.out.print(f"wrote {output} ({', '.join(document.names())})", markup=False),
    )


class Delivery(str, Enum):
    """How a task's winner is chosen."""

    manual = "manual"
    first = "first"

    @property
    def method(self) -> DeliveryMethod:
        return (
            DeliveryMethod.MANUAL_CONFIRMATION
            if self is Delivery.manual
            else DeliveryMethod.FIRST_RESPONSE
        )


def snapshot_json(snap: SourceSnapshot, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    p = snap.params
    data: dict[str, Any] = {
        "address": snap.address,
        "client": snap.client,
        "status": snap.status.name,
        "environments": environment_names(int(p.imageEnvironments)),
        "image_environments": int(p.imageEnvironments),
        "metadata_url": p.imageMetadataUrl,
        "min_payment": int(p.minPayment),
        "min_available_lockup": int(p.minAvailableLockup),
        "max_expiry_duration": int(p.maxExpiryDuration),
        "delivery_method": DeliveryMethod(int(p.deliveryMethod)).name,
        "last_update_time": int(p.lastUpdateTime),
        "task_count": snap.task_count,
        "registrant_count": snap.registrant_count,
        "block_number": snap.block_number,
    }
    if metadata is not None:
        data["metadata"] = metadata
    return data


def _show_source(cli: Cli, data: dict[str, Any]) -> None:
    rows: list[tuple[str, Any]] = [
        ("client", data["client"]),
        ("status", data["status"]),
        ("environments", ", ".join(data["environments"]) or "-"),
        ("min payment", format_ogpu(data["min_payment"])),
        ("min lockup", format_ogpu(data["min_available_lockup"])),
        ("max expiry", f"{data['max_expiry_duration']} s"),
        ("delivery", data["delivery_method"]),
        ("tasks", data["task_count"]),
        ("registrants", data["registrant_count"]),
        ("metadata", data["metadata_url"]),
    ]
    for key, value in (data.get("metadata") or {}).items():
        rows.append((f"  {key}", value))
    cli.fields(f"source {data['address']}", rows)
    show_handlers(cli, data)


# --name, --description, --logo-url and --delivery: required or defaulted by publish, optional
# (keep the current value) for update
_NAME = typer.Option("--name", help="Display name of the source.")
_DESCRIPTION = typer.Option("--description", help="Short description.")
_LOGO = typer.Option("--logo-url", help="http(s):// or ipfs:// logo URL.")
_DELIVERY = typer.Option(
    "--delivery", help="manual: the client confirms a response; first: the first response wins."
)
NameOpt = Annotated[str | None, _NAME]
DescOpt = Annotated[str | None, _DESCRIPTION]
LogoOpt = Annotated[str | None, _LOGO]
CpuOpt = Annotated[str | None, typer.Option("--cpu", help="docker-compose URL for CPU providers.")]
NvidiaOpt = Annotated[
    str | None, typer.Option("--nvidia", help="docker-compose URL for NVIDIA GPU providers.")
]
AmdOpt = Annotated[
    str | None, typer.Option("--amd", help="docker-compose URL for AMD GPU providers.")
]
MinPaymentOpt = Annotated[
    str | None,
    typer.Option(
        "--min-payment",
        help="Lowest task payment accepted, OGPU (or 1000wei, 2gwei). Publish default: 0.",
    ),
]
MinLockupOpt = Annotated[
    str | None,
    typer.Option(
        "--min-lockup", help="Stake a provider must have available, OGPU. Publish default: 0."
    ),
]
MaxExpiryOpt = Annotated[
    str | None,
    typer.Option(
        "--max-expiry",
        help="Longest task lifetime: seconds or 90s, 10m, 2h, 1d. Publish default: 1h.",
    ),
]
DeliveryOpt = Annotated[Delivery | None, _DELIVERY]


@app.command(
    epilog="Example: ogpu --network devnet source publish --name sentiment "
    "--cpu https://example.com/compose.yml --min-payment 0.01 --max-expiry 1h"
)
@write_command(Role.CLIENT, quiet=True)
def publish(
    name: Annotated[str, _NAME],
    description: Annotated[str, _DESCRIPTION] = "",
    logo_url: Annotated[str, _LOGO] = "",
    cpu: CpuOpt = None,
    nvidia: NvidiaOpt = None,
    amd: AmdOpt = None,
    min_payment: MinPaymentOpt = None,
    min_lockup: MinLockupOpt = None,
    max_expiry: MaxExpiryOpt = None,
    delivery: Annotated[Delivery, _DELIVERY] = Delivery.manual,
    handlers: HandlersOpt = None,
    *,
    w: WriteOptions,
) -> Write:
    """Publish a source: pin its metadata to IPFS and call Nexus.publishSource.

    At least one of --cpu/--nvidia/--amd is required. Amounts are OGPU unless suffixed (wei, gwei).
    """
    from ogpu.client import ImageEnvironments, SourceInfo, publish_source

    info = SourceInfo(
        name=name,
        description=description,
        logoUrl=logo_url,
        imageEnvs=ImageEnvironments(cpu=cpu or "", nvidia=nvidia or "", amd=amd or ""),
        minPayment=parse_amount(min_payment or "0", "--min-payment"),
        minAvailableLockup=parse_amount(min_lockup or "0", "--min-lockup"),
        maxExpiryDuration=parse_duration(max_expiry or "3600", "--max-expiry"),
        deliveryMethod=delivery.method,
    )
    return publish_write(
        w,
        "source",
        "metadata_url",
        functools.partial(publish_source, handlers=handlers),
        info,
        action="Nexus.publishSource",
        title="source published",
        effect=lambda client: (
            f"publish source {name!r} ({', '.join(environment_names(info.environments))}; "
            f"min payment {format_ogpu(info.minPayment)}) for client {client}"
        ),
    )


@app.command(epilog=f"Example: ogpu source show {EXAMPLE}")
@command
def show(
    cli: Cli,
    address: SourceArg,
    metadata: Annotated[
        bool, typer.Option("--metadata", help="Also fetch the metadata JSON from IPFS.")
    ] = False,
) -> None:
    """Show a source: owner, status, price, limits, task and registrant counts."""
    source = cli.load("Source", address)
    data = snapshot_json(source.snapshot(), source.get_metadata() if metadata else None)
    add_handlers(cli, source.address, data)
    cli.emit(data, lambda: _show_source(cli, data))


@app.command(
    epilog=f"Example: ogpu --network devnet source update {EXAMPLE} "
    "--min-payment 0.02 --description 'v2'"
)
@write_command(Role.CLIENT)
def update(
    address: SourceArg,
    name: NameOpt = None,
    description: DescOpt = None,
    logo_url: LogoOpt = None,
    cpu: CpuOpt = None,
    nvidia: NvidiaOpt = None,
    amd: AmdOpt = None,
    min_payment: MinPaymentOpt = None,
    min_lockup: MinLockupOpt = None,
    max_expiry: MaxExpiryOpt = None,
    delivery: DeliveryOpt = None,
    handlers: HandlersOpt = None,
    *,
    w: WriteOptions,
) -> Write:
    """Change a source's parameters; options not given keep their current value.

    The current metadata (name, description, image URLs, handler schemas) is read from IPFS and
    re-pinned with your changes, then Nexus.updateSource is called. Pass '' to clear an image URL.
    """
    from ogpu.client import ImageEnvironments, SourceInfo, update_source
    from ogpu.service.schemas import METADATA_FIELD

    source = w.cli.load("Source", address)
    addr, p = source.address, source.snapshot().params
    meta: dict[str, Any] = {}
    try:
        meta = source.get_metadata()
    except Exception as exc:
        # unreadable metadata declares no handler schemas to keep; the other fields must be given
        if any(v is None for v in (name, description, logo_url, cpu, nvidia, amd)):
            raise CliError(
                f"cannot read the current metadata of source {addr} from "
                f"{p.imageMetadataUrl} ({type(exc).__name__}: {exc}); pass every one of "
                "--name --description --logo-url --cpu --nvidia --amd"
            ) from None

    def pick(given: str | None, key: str) -> str:
        return given if given is not None else str(meta.get(key) or "")

    def or_current(parse: Callable[[str, str], int], given: str | None, what: str, now: int) -> int:
        return parse(given, what) if given is not None else int(now)

    info = SourceInfo(
        name=pick(name, "name"),
        description=pick(description, "description"),
        logoUrl=pick(logo_url, "logoUrl"),
        imageEnvs=ImageEnvironments(
            cpu=pick(cpu, "cpu"), nvidia=pick(nvidia, "nvidia"), amd=pick(amd, "amd")
        ),
        minPayment=or_current(parse_amount, min_payment, "--min-payment", p.minPayment),
        minAvailableLockup=or_current(
            parse_amount, min_lockup, "--min-lockup", p.minAvailableLockup
        ),
        maxExpiryDuration=or_current(
            parse_duration, max_expiry, "--max-expiry", p.maxExpiryDuration
        ),
        deliveryMethod=(
            delivery.method if delivery is not None else DeliveryMethod(int(p.deliveryMethod))
        ),
    )
    kept = handlers if handlers is not None else meta.get(METADATA_FIELD)

    def send(*, signer: Any, session: Any, dry_run: bool = False, wait: bool = True) -> Any:
        if dry_run:
            return update_source(addr, info, signer, handlers=kept, session=session, dry_run=True)
        return update_source(addr, info, signer, handlers=kept, session=session, timeout=w.timeout)

    return Write(
        "Nexus.updateSource",
        "source updated",
        effect=lambda _: (
            f"update source {addr} (min payment {format_ogpu(info.minPayment)}, "
            f"max expiry {info.maxExpiryDuration} s, "
            f"environments {', '.join(environment_names(info.environments))})"
        ),
        send=send,
        extra={"source": addr},
        signer_field="client",
    )


@app.command(epilog=f"Example: ogpu --network devnet source inactivate {EXAMPLE} --yes")
@write_command(Role.CLIENT)
def inactivate(address: SourceArg) -> Write:
    """Inactivate a source (one-way for clients): no new tasks or registrations."""
    from ogpu.protocol import nexus

    addr = parse_address(address, "source address")
    return client_write(
        "source",
        addr,
        "Nexus.inactivateSource",
        f"inactivate source {addr}",
        nexus.inactivate_source,
        title="source inactivated",
        extra={"status": "INACTIVE"},
    )


@app.command(name="list", epilog="Example: ogpu --network devnet source list --mine")
@command
def list_(
    cli: Cli,
    client: Annotated[
        str | None, typer.Option(help="Only the sources of this client address.")
    ] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="Only the sources of the client key (see --key-file).")
    ] = False,
    limit: LimitOpt = 50,
    key_file: KeyFileOpt = None,
) -> None:
    """List sources (newest last): address, client, status, environments, min payment, tasks."""
    from ogpu.protocol import nexus

    session = cli.session
    owner = None
    if client is not None or mine:
        owner = cli.account(client, "client address", Role.CLIENT, key_file)
    if owner is not None:
        addresses = nexus.get_sources_of(owner, session=session)[-limit:]
    else:
        count = nexus.get_source_count(session=session)
        addresses = nexus.get_sources(max(0, count - limit), count, session=session)
    views = ("getClient", "getStatus", "getSourceParams", "getTaskCount")
    functions = [session.contract("Source", a).functions for a in addresses]
    calls = [getattr(f, view)() for f in functions for view in views]
    values = session.batch_call(calls) if calls else []
    rows: list[dict[str, Any]] = []
    for i, a in enumerate(addresses):
        owner_, status, raw, tasks = values[4 * i : 4 * i + 4]
        params = SourceParams.from_tuple(raw)
        rows.append(
            {
                "address": a,
                "client": str(owner_),
                "status": SourceStatus(int(status)).name,
                "environments": environment_names(int(params.imageEnvironments)),
                "min_payment": int(params.minPayment),
                "delivery_method": DeliveryMethod(int(params.deliveryMethod)).name,
                "task_count": int(tasks),
            }
        )
    cli.table(
        rows,
        {
            "source": "address",
            "client": "client",
            "status": "status",
            "envs": lambda r: ",".join(r["environments"]),
            "min payment": lambda r: format_ogpu(r["min_payment"]),
            "tasks": "task_count",
        },
        empty="no sources",
    )
