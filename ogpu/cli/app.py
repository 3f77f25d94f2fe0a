"""The root of the ``ogpu`` command: global options and the sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="ogpu",
    help="OpenGPU from the shell: run a local devnet, publish sources and tasks, serve as a provider.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _register_subcommands() -> None:
    from ogpu.cli import devnet

    app.add_typer(devnet.app, name="devnet")


def main() -> None:
    """Entry point of the ``ogpu`` console script."""
    _register_subcommands()
    app()
