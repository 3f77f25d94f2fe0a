"""``ogpu provider``: serve sources as a provider, and inspect a provider on-chain."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from ogpu.cli import _common
from ogpu.types import Role
from ogpu.types.errors import OGPUError

app = typer.Typer(
    add_completion=False,
    help="Serve sources as a provider: watch tasks, run handlers, submit responses.\n\n"
    "Example: ogpu provider run --source 0xSOURCE=my_pkg.handlers --master 0xMASTER",
    no_args_is_help=True,
)

KeyFileOpt = Annotated[Path | None, _common.key_file_option(Role.PROVIDER)]


def _describe(exc: BaseException) -> str:
    """Bad input, key files and protocol errors by their message; the rest as every command."""
    if isinstance(exc, OGPUError | _common.CliError | ValueError | OSError):
        return str(exc)
    return _common.describe_error(exc)


def _devnet_provider_running() -> bool:
    """Whether the devnet's own provider (started by ``ogpu devnet up``) is alive."""
    from ogpu.devnet import manager
    from ogpu.devnet.node import pid_alive

    try:
        pid = int(manager.read_manifest().get("pids", {}).get("provider") or 0)
    except (OGPUError, OSError, ValueError):
        return False
    # not when the devnet's provider is this very process
    return pid > 0 and pid != os.getpid() and pid_alive(pid)


def _free_devnet_provider(
    session: Any, master: str, master_key: str | None
) -> tuple[str | None, str | None]:
    """On the devnet, when its own provider already serves with the provider development key,
    a second provider takes the free development account ``provider2`` (and says so) instead of
    sharing that key and overwriting its handler list."""
    if session.network.name != "devnet" or not _devnet_provider_running():
        return None, master_key
    from ogpu.devnet.accounts import dev_account, dev_key

    address = dev_account("provider2").address
    typer.echo(
        "the devnet's own provider already uses the provider development key; this provider "
        f"runs as the free development account provider2 ({address}). "
        "Pass --key-file to choose the key.",
        err=True,
    )
    if master_key is None and master == dev_account("master").address:
        master_key = dev_key("master")  # completes the pairing of provider2 with the dev master
    return dev_key("provider2"), master_key


@app.command(
    epilog="Example: ogpu --network devnet provider run --source 0xSRC=ogpu.devnet.demo_handlers "
    "--source 0xSRC2=http://127.0.0.1:5555 --slots 4"
)
def run(
    source: Annotated[
        list[str],
        typer.Option(
            help="SOURCE_ADDRESS=HANDLER, repeatable. HANDLER is a Python module (pkg.module) or "
            "a service URL (http://host:5555); append @nvidia/@amd to pick the environment.",
        ),
    ],
    master: Annotated[
        str | None,
        typer.Option(help="The master's address (devnet default: the master dev account)."),
    ] = None,
    slots: Annotated[int, typer.Option(min=1, help="Tasks handled concurrently.")] = 4,
    key_file: KeyFileOpt = None,
    master_key_file: Annotated[
        Path | None,
        typer.Option(help="Master's key file: completes the pairing if it is missing."),
    ] = None,
    bid: Annotated[
        str | None,
        typer.Option(
            help="Bid in OGPU (or 1000wei) for MANUAL_CONFIRMATION tasks (default: full payment)."
        ),
    ] = None,
    bid_fraction: Annotated[
        float, typer.Option(help="Bid as a fraction of the payment when --bid is not given.")
    ] = 1.0,
    state_dir: Annotated[
        Path | None,
        typer.Option(help="Where the state file lives. Default: ~/.ogpu/provider."),
    ] = None,
    from_block: Annotated[
        int | None,
        typer.Option(help="First block to scan when there is no saved cursor (default: head)."),
    ] = None,
    live_data_interval: Annotated[
        float, typer.Option(help="Seconds between live-data reports (0: never).")
    ] = 60.0,
    drain_timeout: Annotated[
        float, typer.Option(help="Seconds to finish in-flight tasks on SIGINT/SIGTERM.")
    ] = 30.0,
    poll_interval: Annotated[
        float | None, typer.Option(help="Event poll interval in seconds (default: automatic).")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning.")] = "info",
) -> None:
    """Serve the given sources until SIGINT/SIGTERM (then drain in-flight tasks)."""
    logging.basicConfig(
        level=getattr(logging, log_level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if log_level.lower() != "debug":
        logging.getLogger("httpx").setLevel(logging.WARNING)
    from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding

    with _common.errors(_describe):
        bid_wei = None if bid is None else _common.parse_amount(bid, "bid")
        session = _common.Cli().session  # never closed: abandoned handlers may still use it
        master_addr = master
        if not master_addr and session.network.name == "devnet":
            from ogpu.devnet.accounts import dev_account

            master_addr = dev_account("master").address
        if not master_addr:
            _common.fail("give the master's address with --master", _common.EXIT_INPUT)
        # keys: permissions checked, content never echoed; none → $PROVIDER_PRIVATE_KEY / dev key
        provider_key = _common.read_key_file(key_file) if key_file else None
        master_key = _common.read_key_file(master_key_file) if master_key_file else None
        if provider_key is None and not os.environ.get("PROVIDER_PRIVATE_KEY"):
            provider_key, master_key = _free_devnet_provider(session, master_addr, master_key)
        bindings = [SourceBinding.parse(spec) for spec in source]
        config = ProviderConfig(
            provider=provider_key,
            master=master_addr,
            master_signer=master_key,
            sources=bindings,
            slots=slots,
            bid=bid_wei,
            bid_fraction=bid_fraction,
            state_dir=state_dir,
            from_block=from_block,
            live_data_interval=live_data_interval,
            drain_timeout=drain_timeout,
            poll_interval=poll_interval,
        )
        runtime = ProviderRuntime(config, session=session)
        abandoned = runtime.run_forever()
    if abandoned:
        # Handler threads that outlived the drain cannot be interrupted: do not wait for them.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def provider_status(session: Any, provider: str) -> dict[str, Any]:
    """On-chain facts about ``provider``: master, registered sources, earnings, master's balance."""
    import asyncio

    from eth_utils.address import to_checksum_address

    from ogpu.events import RegisteredEvent, get_past_events
    from ogpu.protocol import ZERO_ADDRESS, Provider, Source, vault

    snap = Provider(provider, session).snapshot()
    events = asyncio.run(
        get_past_events(RegisteredEvent, where={"provider": provider}, session=session)
    )
    sources: list[str] = []
    for ev in events:
        src = to_checksum_address(ev.source)
        if src not in sources and Source(src, session).get_registrant_id(provider) != 0:
            sources.append(src)
    master = snap.master if snap.master != ZERO_ADDRESS else None
    return {
        "provider": snap.address,
        "is_provider": snap.is_provider,
        "master": master,
        "registered_sources": sources,
        "total_earnings": snap.total_earnings,
        "lockup": snap.lockup,
        "eligible": snap.is_eligible,
        "master_vault_balance": vault.get_balance_of(master, session=session) if master else None,
        "base_data": snap.base_data,
        "live_data": snap.live_data,
        "block_number": snap.block_number,
    }


@app.command(epilog="Example: ogpu --network devnet provider status")
def status(
    provider: Annotated[
        str | None,
        typer.Option(help="Provider address (default: the address of the provider key)."),
    ] = None,
    key_file: KeyFileOpt = None,
) -> None:
    """Show a provider's master, registered sources, earnings and its master's vault balance."""
    with _common.errors(_describe), _common.Cli() as cli:
        address = provider or cli.signer(Role.PROVIDER, key_file).address
        info = provider_status(cli.session, address)
        fmt = _common.format_ogpu
        vault = info["master_vault_balance"]
        rows = [
            ("provider", info["provider"]),
            ("paired", "yes" if info["is_provider"] else "no"),
            ("master", info["master"] or "-"),
            ("registered sources", len(info["registered_sources"])),
            *((f"  {src}", None) for src in info["registered_sources"]),
            ("total earnings", fmt(info["total_earnings"])),
            *([("master vault", fmt(vault))] if vault is not None else []),
            ("base data", info["base_data"] or "-"),
            ("live data", info["live_data"] or "-"),
        ]

        def human() -> None:
            for label, value in rows:
                typer.echo(label if value is None else f"{label:<19} {value}")

        cli.emit(info, human)


@app.command(
    epilog="Example: ogpu --network devnet provider announce 0x90F79bf6EB2c4f870365E785982E1f101E93b906 "
    "--key-file provider.key"
)
@_common.write_command(Role.PROVIDER)
def announce(master: Annotated[str, typer.Argument(help="The master's address.")]) -> _common.Write:
    """The provider names its master (Terminal.announceMaster); the master then runs
    `ogpu provider pair PROVIDER` to complete the pairing."""
    from ogpu.protocol import terminal

    who = _common.parse_address(master, "master address")
    return _common.Write(
        "Terminal.announceMaster",
        "master announced",
        effect=lambda me: f"provider {me} names {who} as its master",
        send=lambda **kw: terminal.announce_master(who, **kw),
        extra={"master": who},
        signer_field="signer",
    )


@app.command(
    epilog="Example: ogpu --network devnet provider pair 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC "
    "--stake 0"
)
@_common.write_command(Role.MASTER)
def pair(
    provider: Annotated[str, typer.Argument(help="The provider's address.")],
    stake: Annotated[str, typer.Option(help="OGPU sent to the provider's Vault lockup.")] = "0",
) -> _common.Write:
    """The master pairs a provider that announced it (Terminal.announceProvider), optionally
    locking --stake OGPU for it."""
    from ogpu.protocol import terminal

    who = _common.parse_address(provider, "provider address")
    amount = _common.parse_amount(stake, "--stake")
    return _common.Write(
        "Terminal.announceProvider",
        "provider paired",
        effect=lambda me: (
            f"master {me} pairs provider {who}, locking {_common.format_ogpu(amount)}"
        ),
        send=lambda **kw: terminal.announce_provider(who, amount, **kw),
        extra={"provider": who, "stake": amount},
        signer_field="signer",
    )
