"""The root of the ``ogpu`` command: global options and the sub-commands.

Example::

    ogpu --network devnet vault balance --json
    OGPU_NETWORK=testnet ogpu task show 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be
"""

from __future__ import annotations

from typing import Annotated

import typer

from ogpu.cli import _common

app = typer.Typer(
    name="ogpu",
    help="OpenGPU from the shell: run a local devnet, publish sources and tasks, serve as a provider."
    "\n\nKeys: CLIENT_PRIVATE_KEY, PROVIDER_PRIVATE_KEY, MASTER_PRIVATE_KEY, AGENT_PRIVATE_KEY (on "
    "--network devnet the development keys) or --key-file PATH. Writes take --dry-run; on "
    "mainnet/testnet they ask before sending unless --yes. Reads take --json.",
    epilog="Example: ogpu --network devnet source list --json",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    network: Annotated[
        str | None,
        typer.Option(
            "--network",
            envvar="OGPU_NETWORK",
            help="mainnet, testnet, devnet or an RPC URL (default: mainnet).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Machine-readable JSON output for every command.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when a command fails.")
    ] = False,
) -> None:
    """OpenGPU from the shell.

    Keys come from CLIENT_PRIVATE_KEY / PROVIDER_PRIVATE_KEY / MASTER_PRIVATE_KEY /
    AGENT_PRIVATE_KEY (the devnet development keys on --network devnet) or --key-file PATH.
    Writes accept --dry-run; on mainnet/testnet they ask for confirmation unless --yes.
    """
    _common.set_global(network, as_json, debug)
    ctx.call_on_close(lambda: _common.set_global(None, False, False))  # no leak to the next run


def _register_subcommands() -> None:
    from ogpu.cli import agent, demo, devnet, provider, response, source, task, vault

    app.add_typer(devnet.app, name="devnet")
    app.add_typer(source.app, name="source")
    app.add_typer(task.app, name="task")
    app.add_typer(response.app, name="response")
    app.add_typer(vault.app, name="vault")
    app.add_typer(agent.app, name="agent")
    app.add_typer(provider.app, name="provider")
    app.command(name="demo", epilog="Example: ogpu demo --timeout 60")(demo.command)


_register_subcommands()


def main() -> None:
    """Entry point of the ``ogpu`` console script."""
    app()
