"""``ogpu agent``: let another address act for you (publish/cancel tasks, confirm responses).

Example::

    ogpu --network devnet agent set 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
    ogpu --network devnet --json agent check 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
    ogpu --network devnet agent revoke 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ogpu.cli._common import (
    Cli,
    KeyFileOpt,
    RoleName,
    RoleOpt,
    Write,
    command,
    parse_address,
    write_command,
)

app = typer.Typer(
    add_completion=False,
    help="Agents: addresses allowed to act for a client (or a master).\n\n"
    "Example: ogpu --network devnet agent check 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    no_args_is_help=True,
)

AgentArg = Annotated[str, typer.Argument(help="Agent address.")]


def _set_agent(value: bool) -> Any:
    """The body of ``agent set`` (``value`` true) or ``agent revoke``: Terminal.setAgent."""

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

    body.__doc__ = (
        "Allow AGENT to act for the signer (Terminal.setAgent(agent, true))."
        if value
        else "Withdraw AGENT's right to act for the signer (Terminal.setAgent(agent, false))."
    )
    return write_command()(body)


for _name, _value in (("set", True), ("revoke", False)):
    app.command(
        name=_name,
        epilog=f"Example: ogpu --network devnet agent {_name} "
        "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
    )(_set_agent(_value))


@app.command(
    epilog="Example: ogpu agent check 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc "
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
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
) -> None:
    """Whether AGENT may act for the principal: explicit grant, and the default agent for masters.

    Exit code 0 either way; read "is_agent" (explicit grant) in the JSON output.
    """
    who = parse_address(agent, "agent address")
    session = cli.session
    owner = cli.account(principal, "--principal address", role.role, key_file)
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
    cli.emit(
        data,
        lambda: cli.fields(
            f"agent {who} for {owner}",
            [
                ("explicit grant", "yes" if data["is_agent"] else "no"),
                (
                    "incl. default agent",
                    "yes" if data["is_agent_or_default"] else "no",
                ),
                ("default agent", "yes" if data["is_default_agent"] else "no"),
            ],
        ),
    )
