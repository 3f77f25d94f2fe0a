"""``ogpu agent``: let another address act for you (publish/cancel tasks, confirm responses)."""

from __future__ import annotations

from typing import Annotated

import typer

from ogpu.cli._common import (
    Cli,
    KeyFileOpt,
    RoleOpt,
    Write,
    command,
    parse_address,
    write_command,
)
from ogpu.types import Role

EXAMPLE = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"  # an agent address for the examples
app = typer.Typer(
    add_completion=False,
    help="Agents: addresses allowed to act for a client (or a master).\n\n"
    f"Example: ogpu --network devnet agent check {EXAMPLE}",
    no_args_is_help=True,
)

AgentArg = Annotated[str, typer.Argument(help="Agent address.")]


def _set_agent(name: str, value: bool, doc: str) -> None:
    """Register ``agent set`` (``value`` true) or ``agent revoke``: Terminal.setAgent."""

    def body(agent: AgentArg) -> Write:
        from ogpu.protocol import terminal

        who = parse_address(agent, "agent address")
        verb = "grant" if value else "revoke"
        return Write(
            "Terminal.setAgent",
            "agent set" if value else "agent revoked",
            effect=lambda me: f"{verb} agent rights of {who} for {me}",
            send=lambda **kw: terminal.set_agent(who, value, **kw),
            extra={"agent": who, "is_agent": value},
            signer_field="principal",
        )

    body.__doc__ = doc
    epilog = f"Example: ogpu --network devnet agent {name} {EXAMPLE}"
    app.command(name=name, epilog=epilog)(write_command()(body))


_set_agent("set", True, "Allow AGENT to act for the signer (Terminal.setAgent(agent, true)).")
_set_agent(
    "revoke",
    False,
    "Withdraw AGENT's right to act for the signer (Terminal.setAgent(agent, false)).",
)


@app.command(
    epilog=f"Example: ogpu agent check {EXAMPLE} "
    "--principal 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
)
@command
def check(
    cli: Cli,
    agent: AgentArg,
    principal: Annotated[
        str | None,
        typer.Option(help="Whose agent (default: the address of the --role key)."),
    ] = None,
    role: RoleOpt = Role.CLIENT,
    key_file: KeyFileOpt = None,
) -> None:
    """Whether AGENT may act for the principal: explicit grant, and the default agent for masters.

    Exit code 0 either way; read "is_agent" (explicit grant) in the JSON output.
    """
    who = parse_address(agent, "agent address")
    session = cli.session
    owner = cli.account(principal, "--principal address", role, key_file)
    t = session.contract("Terminal")
    number, (explicit, effective, default_agent) = session.batch_call_at(
        [
            t.functions.isAgentOf(owner, who),
            t.functions.getIsAgentOf(owner, who),
            t.functions.defaultAgent(),
        ],
        allow_failure=True,
    )
    for value in (explicit, effective):
        if isinstance(value, BaseException):
            raise value
    # defaultAgent() is a devnet extension: absent on other deployments.
    default = None if isinstance(default_agent, BaseException) else str(default_agent)
    data = {
        "principal": owner,
        "agent": who,
        "is_agent": bool(explicit),
        "is_agent_or_default": bool(effective),
        "is_default_agent": default is not None and default.lower() == who.lower(),
        "block_number": number,
    }
    labels = {
        "explicit grant": "is_agent",
        "incl. default agent": "is_agent_or_default",
        "default agent": "is_default_agent",
    }
    rows = [(label, "yes" if data[key] else "no") for label, key in labels.items()]
    cli.emit(data, lambda: cli.fields(f"agent {who} for {owner}", rows))
