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
    DryRunOpt,
    KeyFileOpt,
    RoleName,
    RoleOpt,
    TimeoutOpt,
    YesOpt,
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


def _set(
    agent: str,
    value: bool,
    *,
    role: RoleName,
    key_file: Any,
    dry_run: bool,
    yes: bool,
    timeout: float,
) -> None:
    from ogpu.protocol import terminal

    who = parse_address(agent, "agent address")
    verb = "grant" if value else "revoke"
    write_command(
        action="Terminal.setAgent",
        title="agent set" if value else "agent revoked",
        effect=lambda me: f"{verb} agent rights of {who} for {me}",
        send=lambda **kw: terminal.set_agent(who, value, **kw),
        role=role.role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
        extra={"agent": who, "is_agent": value},
        signer_field="principal",
    )


@app.command(
    name="set",
    epilog="Example: ogpu --network devnet agent set 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
)
@command
def set_(
    agent: AgentArg,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Allow AGENT to act for the signer (Terminal.setAgent(agent, true))."""
    _set(
        agent,
        True,
        role=role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
    )


@app.command(
    epilog="Example: ogpu --network devnet agent revoke 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"
)
@command
def revoke(
    agent: AgentArg,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Withdraw AGENT's right to act for the signer (Terminal.setAgent(agent, false))."""
    _set(
        agent,
        False,
        role=role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
    )


@app.command(
    epilog="Example: ogpu agent check 0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc "
    "--principal 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
)
@command
def check(
    agent: AgentArg,
    principal: Annotated[
        str | None,
        typer.Option("--principal", help="Whose agent (default: the address of the --role key)."),
    ] = None,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
) -> None:
    """Whether AGENT may act for the principal: explicit grant, and the default agent for masters.

    Exit code 0 either way; read "is_agent" (explicit grant) in the JSON output.
    """
    who = parse_address(agent, "agent address")
    with Cli() as cli:
        session = cli.session
        owner = (
            parse_address(principal, "--principal address")
            if principal is not None
            else cli.signer(role.role, key_file).address
        )
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
