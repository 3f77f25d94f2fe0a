"""The root of the ``ogpu`` command: global options and the sub-commands.

Sub-command modules are imported only when their command runs, so a read such as
``ogpu vault balance`` does not pay for the devnet manager or the demo, and ``ogpu --help``
lists the sub-commands from :data:`SHORT_HELP` without importing any of them.

Example::

    ogpu --network devnet --json vault balance
    OGPU_NETWORK=testnet ogpu task show 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from ogpu.cli import _common

# Sub-command name → its module in ogpu.cli (which defines ``app``).
SUBCOMMANDS: dict[str, str] = {
    name: name
    for name in (
        "devnet",
        "source",
        "task",
        "response",
        "vault",
        "agent",
        "provider",
        "job",
        "demo",
    )
}

# The one-line help of each sub-command as ``ogpu --help`` lists it (the first paragraph of the
# module's help; tests/cli check that the two agree). A sub-command missing here is imported to
# list it.
SHORT_HELP: dict[str, str] = {
    "devnet": "A local OpenGPU network: anvil node, deployed protocol, IPFS store and funded "
    "development accounts, running in the background.",
    "source": "Sources: the Docker images providers run, with their price and limits "
    "(client role).",
    "task": "Tasks: jobs published on a source, paid from the client's Vault balance.",
    "response": "Responses: a provider's answer to a task (data URL, claimed payment, status).",
    "vault": "The Vault: liquid balance (pays for tasks), lockup (stake), unbonding and claims.",
    "agent": "Agents: addresses allowed to act for a client (or a master).",
    "provider": "Serve sources as a provider: watch tasks, run handlers, submit responses.",
    "job": "Jobs: one task per input line, each published exactly once, resumable after a crash "
    "(a journal in ~/.ogpu/jobs.sqlite3 or $OGPU_JOURNAL).",
    "demo": "Run the whole marketplace on the devnet, narrated, and exit non-zero if a step fails.",
}

_LISTING = "ogpu.cli.listing"  # ctx.meta key set while the root help is written


class LazyGroup(TyperGroup):
    """A command group that imports a sub-command's module on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(dict.fromkeys([*super().list_commands(ctx), *SUBCOMMANDS]))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        ctx.meta[_LISTING] = True
        try:
            super().format_help(ctx, formatter)
        finally:
            ctx.meta.pop(_LISTING, None)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in SUBCOMMANDS:
            return found
        if ctx is not None and ctx.meta.get(_LISTING) and cmd_name in SHORT_HELP:
            # a stand-in that only names the command for the listing; nothing is imported
            return TyperGroup(name=cmd_name, short_help=SHORT_HELP[cmd_name])
        module = importlib.import_module(f"ogpu.cli.{SUBCOMMANDS[cmd_name]}")
        command = typer.main.get_command(module.app)
        command.name = cmd_name
        self.add_command(command, cmd_name)
        return command


NETWORK_HELP = (
    "mainnet, testnet, devnet or an RPC URL. Default: $OGPU_NETWORK, else mainnet (said in "
    "errors that come from the network). On a local devnet: --network devnet."
)

app = typer.Typer(
    name="ogpu",
    cls=LazyGroup,
    help="OpenGPU from the shell: run a local devnet, publish sources and tasks, serve as a provider."
    "\n\nNetwork: --network or OGPU_NETWORK (devnet, testnet, mainnet or an RPC URL); without "
    "either the network is mainnet. Start a local one with `ogpu devnet up` and use "
    "--network devnet."
    "\n\nKeys: CLIENT_PRIVATE_KEY, PROVIDER_PRIVATE_KEY, MASTER_PRIVATE_KEY, AGENT_PRIVATE_KEY (on "
    "--network devnet the development keys) or --key-file PATH. Writes take --dry-run; on "
    "mainnet/testnet they ask before sending unless --yes. --json gives JSON on stdout, and "
    "errors as one JSON object on stderr; exit codes are listed in docs/troubleshooting.md.",
    epilog="Example: ogpu --network devnet --json source list",
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
            help=NETWORK_HELP,
            show_default=False,
            metavar="NAME",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON on stdout for every command; errors as one JSON object on stderr.",
            metavar="",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the full traceback when a command fails.", metavar=""),
    ] = False,
) -> None:
    """OpenGPU from the shell."""
    ctx.obj = _common.GlobalOptions(network=network, json=as_json, debug=debug)


def main() -> None:
    """Entry point of the ``ogpu`` console script."""
    app()
