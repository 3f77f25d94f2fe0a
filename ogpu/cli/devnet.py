"""``ogpu devnet``: run the whole OpenGPU marketplace on this machine (``ogpu devnet up``)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ogpu.cli._common import EXIT_INPUT, EXIT_NETWORK, errors, fail, options
from ogpu.devnet import manager
from ogpu.types.errors import OGPUError

app = typer.Typer(
    add_completion=False,
    help="A local OpenGPU network: anvil node, deployed protocol, IPFS store and funded development "
    "accounts, running in the background.\n\n"
    "Example: ogpu devnet up && ogpu devnet status",
    no_args_is_help=True,
)

_out = Console(highlight=False)

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        help="Devnet directory (manifest, logs, data). Default: $OGPU_DEVNET_HOME or ~/.ogpu/devnet.",
    ),
]


def _describe(exc: BaseException) -> str:
    """The devnet's own errors by their message; anything else points at the logs."""
    if isinstance(exc, OGPUError):
        return str(exc)
    return f"unexpected {type(exc).__name__}: {exc}; see the logs with `ogpu devnet logs`"


ProviderOpt = Annotated[
    bool,
    typer.Option(
        "--provider/--no-provider",
        help="Also publish the demo sources and start a provider that answers their tasks.",
    ),
]


def _start(start: Any, home: Path | None, *args: Any, provider: bool) -> None:
    """``manager.up`` or ``manager.reset`` (port, IPFS port, block time, state file; with the
    devnet's provider unless not ``provider``), then what runs where."""
    from ogpu.devnet import provider_service

    port, ipfs_port, block_time, state = args
    with errors(_describe):
        info = start(
            home,
            port=port,
            ipfs_port=ipfs_port,
            block_time=block_time,
            state_path=state,
            services=[provider_service.service()] if provider else [],
        )
        _print_info(info)


def _print_info(info: manager.DevnetInfo) -> None:
    m = info.manifest
    if info.already_running:
        _out.print(
            f"[bold]devnet already running[/] at {m['rpc_url']} (pids: "
            + ", ".join(f"{k} {v}" for k, v in (m.get("pids") or {}).items())
            + f"); manifest {info.manifest_path}"
        )
        return
    how = "restored from state" if info.restored else "deployed"
    _out.print(f"[bold green]devnet up[/] in {info.elapsed_s:.1f} s (protocol {how})")
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("rpc", str(m["rpc_url"]))
    table.add_row("ws", str(m["ws_url"]))
    table.add_row("chain id", str(m["chain_id"]))
    table.add_row("block time", f"{m['block_time']} s" if m.get("block_time") else "automine")
    for name, addr in (m.get("addresses") or {}).items():
        table.add_row(name, str(addr))
    ipfs = m.get("ipfs") or {}
    table.add_row("ipfs api", str(ipfs.get("api_url")))
    table.add_row("ipfs gateway", str(ipfs.get("gateway_url")))
    for role, addr in (m.get("accounts") or {}).items():
        table.add_row(f"account {role}", str(addr))
    for kind, addr in (m.get("demo_sources") or {}).items():
        table.add_row(f"demo source ({kind})", str(addr))
    if m.get("state_path"):
        table.add_row("state", str(m["state_path"]))
    table.add_row("manifest", str(info.manifest_path))
    _out.print(table)
    _out.print(
        f"Development keys (public anvil test keys) are in {info.manifest_path}. "
        "Use the SDK with network='devnet'."
    )


@app.command(
    epilog="Example: ogpu devnet up --port 8545 --ipfs-port 5055 --block-time 2 --state ~/ogpu-chain.json"
)
def up(
    home: HomeOpt = None,
    port: Annotated[
        int, typer.Option(help="anvil JSON-RPC port (HTTP and WebSocket).")
    ] = manager.DEFAULT_PORT,
    ipfs_port: Annotated[int, typer.Option(help="IPFS store port.")] = manager.DEFAULT_IPFS_PORT,
    block_time: Annotated[
        int | None,
        typer.Option(
            min=1, help="Mine a block every N seconds (default: a block per transaction)."
        ),
    ] = None,
    state: Annotated[
        Path | None,
        typer.Option(help="Persist the chain in this file across restarts (anvil --state)."),
    ] = None,
    provider: ProviderOpt = True,
) -> None:
    """Start the devnet in the background (reuses one that is already running).

    Logs go to <home>/logs, the manifest (URLs, addresses, dev keys) to <home>/manifest.json;
    stop everything with `ogpu devnet down`.
    """
    _start(manager.up, home, port, ipfs_port, block_time, state, provider=provider)


@app.command(epilog="Example: ogpu devnet down")
def down(home: HomeOpt = None) -> None:
    """Stop every devnet service (also cleans up after a crash)."""
    with errors(_describe):
        h = manager.resolve_home(home)
        if not manager.manifest_path(h).exists():
            _out.print(f"no devnet in {h}; nothing to stop")
            return
        stopped = manager.down(h)
        if stopped:
            _out.print(f"devnet stopped ({', '.join(stopped)})")
        else:
            _out.print("devnet was not running; cleaned up")


@app.command(epilog="Example: ogpu devnet reset --block-time 1")
def reset(
    home: HomeOpt = None,
    port: Annotated[
        int | None, typer.Option(help="anvil port (default: the previous one).")
    ] = None,
    ipfs_port: Annotated[
        int | None, typer.Option(help="IPFS port (default: the previous one).")
    ] = None,
    block_time: Annotated[
        int | None, typer.Option(min=1, help="Block time in seconds (default: the previous one).")
    ] = None,
    state: Annotated[
        Path | None, typer.Option(help="State file (default: the previous one); it is wiped.")
    ] = None,
    provider: ProviderOpt = True,
) -> None:
    """Stop the devnet, wipe its chain and IPFS data, and start a fresh one."""
    _start(manager.reset, home, port, ipfs_port, block_time, state, provider=provider)


@app.command(epilog="Example: SOURCE=$(ogpu devnet status --field demo_source)")
def status(
    home: HomeOpt = None,
    field: Annotated[
        str | None,
        typer.Option(
            help="Print only this top-level field of the --json output (e.g. demo_source, "
            "rpc_url), for shell scripts.",
        ),
    ] = None,
) -> None:
    """Health of each service, block height, and counts of sources and tasks.

    With the root --json: the manifest and health as JSON (private keys are left out: they are in
    <home>/manifest.json). Exits 7 (network) when the devnet is not running or not healthy.
    """
    with errors(_describe):
        st = manager.status(home)
        if field is not None or options().json:
            data = st.to_json()
            if field is None:
                typer.echo(json.dumps(data, indent=2))
            elif field not in data:
                fail(f"no field {field!r}; fields: {', '.join(sorted(data))}", EXIT_INPUT)
            else:
                value = data[field]
                typer.echo(value if isinstance(value, str) else json.dumps(value))
            if not st.running:
                raise typer.Exit(EXIT_NETWORK)
            return
        problem = st.problem()
        if st.state in ("absent", "stopped"):
            fail(str(problem), EXIT_NETWORK)
        m = st.manifest or {}
        table = Table(title=f"devnet {st.home}", title_justify="left")
        for column in ("service", "pid", "url", "health"):
            table.add_column(column)
        for s in st.services:
            health = (
                "[green]ok[/]"
                if s.healthy
                else ("[red]not running[/]" if not s.process_alive else "[yellow]not answering[/]")
            )
            table.add_row(s.name, str(s.pid), s.url or "", health)
        _out.print(table)

        def show(v: Any) -> str:
            return "?" if v is None else str(v)

        _out.print(
            f"chain {m.get('chain_id')}  block {show(st.block_number)}  "
            f"sources {show(st.source_count)}  tasks {show(st.task_count)}  "
            f"started {m.get('started_at')}"
        )
        if problem:
            fail(str(problem), EXIT_NETWORK)


@app.command(epilog="Example: ogpu devnet logs anvil -n 100 --follow")
def logs(
    service: Annotated[
        str | None, typer.Argument(help="anvil, ipfs (or another service); default: all.")
    ] = None,
    home: HomeOpt = None,
    lines: Annotated[int, typer.Option("-n", "--lines", help="How many last lines to show.")] = 50,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines.")
    ] = False,
) -> None:
    """Show the devnet's logs (stored in <home>/logs/)."""
    with errors(_describe):
        h = manager.resolve_home(home)
        log_dir = h / "logs"
        if service is not None:
            names = [service]
        else:
            names = sorted(p.stem for p in log_dir.glob("*.log")) if log_dir.is_dir() else []
        paths = {n: manager.log_path(h, n) for n in names}
        if not paths:
            raise manager.DevnetNotRunningError(
                f"no log in {log_dir}; start the devnet with `ogpu devnet up`"
            )
        if service is not None and not paths[service].exists():
            raise manager.DevnetError(
                f"no {service + ' ' if service else ''}log in {log_dir}; start the devnet with "
                "`ogpu devnet up`"
            )
        prefix = len(paths) > 1
        for name, p in paths.items():
            for line in manager.tail_log(p, lines):
                typer.echo(f"[{name}] {line}" if prefix else line)
        if follow:
            with contextlib.suppress(KeyboardInterrupt):
                for name, line in manager.follow_logs(paths):
                    typer.echo(f"[{name}] {line}" if prefix else line)
