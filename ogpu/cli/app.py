"""The root of the ``ogpu`` command: global options and the sub-commands.

Sub-command modules are imported only when their command runs, so a read such as
``ogpu vault balance`` does not pay for the devnet manager or the demo, and ``ogpu --help``
lists the sub-commands from :data:`SHORT_HELP` without importing any of them.

Example::

    ogpu --network devnet --json vault balance
    OGPU_NETWORK=testnet ogpu task show 0xa16E02E87b7454126E5E10d957A927A7F5B5d2be
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator, MutableMapping
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
        command = _sub_command(module.app)
        command.name = cmd_name
        self.add_command(command, cmd_name)
        return command


class LazyCommands(MutableMapping[str, Any]):
    """The commands of a sub-command module's group, each built (its parameters read from the
    function's signature, milliseconds per command) when first looked up: ``ogpu vault balance``
    builds ``balance`` only. The names, in their declared order, are known without building."""

    def __init__(self, infos: dict[str, Any], options: dict[str, Any]) -> None:
        self._infos = infos  # command name → typer's CommandInfo
        self._options = options
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        found = self._built.get(name)
        if found is None:
            info = self._infos[name]  # KeyError for an unknown name
            found = self._built[name] = typer.main.get_command_from_info(info, **self._options)
        return found

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        if self._infos.pop(name, None) is None:
            del self._built[name]
        else:
            self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._infos, *self._built]))

    def __len__(self) -> int:
        return len(self._infos.keys() | self._built.keys())

    def built(self) -> list[str]:
        """The names of the commands built so far."""
        return list(self._built)


def _sub_command(sub: typer.Typer) -> Any:
    """The click command of a sub-command module's ``app``: for a plain group of commands, the
    group typer builds with :class:`LazyCommands` as its commands; anything else as typer builds it."""
    infos = sub.registered_commands
    if sub.registered_groups or len(infos) < 2 or any(i.callback is None for i in infos):
        return typer.main.get_command(sub)
    shell = copy.copy(sub)  # the group itself (options, callback, help), without its commands
    shell.registered_commands = []
    group = typer.main.get_group(shell)
    group.commands = LazyCommands(
        {
            info.name or typer.main.get_command_name(getattr(info.callback, "__name__", "")): info
            for info in infos
        },
        {
            "pretty_exceptions_short": sub.pretty_exceptions_short,
            "rich_markup_mode": sub.rich_markup_mode,
        },
    )
    if sub._add_completion:
        group.params.extend(typer.main.get_install_completion_arguments())
    return group


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
            metavar="NAME",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="JSON on stdout for every command; errors as one JSON object on stderr.",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the full traceback when a command fails."),
    ] = False,
) -> None:
    """OpenGPU from the shell."""
    ctx.obj = _common.GlobalOptions(network=network, json=as_json, debug=debug)


def main() -> None:
    """Entry point of the ``ogpu`` console script."""
    app()
