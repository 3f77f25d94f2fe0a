"""``ogpu vault``: balances, deposits, withdrawals and stake (lock, unbond, claim).

Amounts are OGPU (``1.5``) unless suffixed (``1000wei``, ``2gwei``). The signer is the role's key
(``--role``, default client), or ``--key-file``.

Example::

    ogpu --network devnet vault deposit 1.5
    ogpu --network devnet --json vault balance
    ogpu --network devnet vault lock 1 --role provider
"""

from __future__ import annotations

import time
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
    format_ogpu,
    format_time,
    parse_address,
    parse_amount,
    write_command,
)

app = typer.Typer(
    add_completion=False,
    help="The Vault: liquid balance (pays for tasks), lockup (stake), unbonding and claims.\n\n"
    "Example: ogpu --network devnet vault deposit 1.5 && ogpu --network devnet vault balance",
    no_args_is_help=True,
)

AmountArg = Annotated[str, typer.Argument(help="Amount in OGPU (or 1000wei, 2gwei).")]

_VIEWS = (
    ("balance", "balanceOf"),
    ("lockup", "lockupOf"),
    ("unbonding", "unbondingOf"),
    ("unbonding_timestamp", "unbondingTimestamp"),
    ("total_earnings", "totalEarningsOf"),
    ("frozen_payment", "frozenPayment"),
    ("sanction", "sanctionOf"),
    ("eligible", "isEligible"),
    ("whitelisted", "isWhitelisted"),
)


@app.command(
    epilog="Example: ogpu --network devnet vault balance 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
)
@command
def balance(
    address: Annotated[
        str | None,
        typer.Argument(help="Account to show (default: the address of the --role key)."),
    ] = None,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
) -> None:
    """Show an account's Vault state: balance, lockup, unbonding, earnings, escrow, eligibility."""
    with Cli() as cli:
        session = cli.session
        who = (
            parse_address(address, "account address")
            if address is not None
            else cli.signer(role.role, key_file).address
        )
        vault = session.contract("Vault")
        # the wallet balance rides in the same batch, read at the same block as the views
        number, values = session.batch_call_at(
            [getattr(vault.functions, fn)(who) for _, fn in _VIEWS],
            extra=[("eth_getBalance", [who, "latest"])],
        )
        *views, wallet = values
        if isinstance(wallet, Exception):
            raise wallet
        data: dict[str, Any] = {"account": who, "block_number": number}
        for (key, _), value in zip(_VIEWS, views, strict=True):
            data[key] = value if isinstance(value, bool) else int(value)
        data["wallet"] = int(wallet, 16)

        def human() -> None:
            ts = data["unbonding_timestamp"]
            matures = ""
            if data["unbonding"]:
                left = ts - int(time.time())
                matures = " (claimable now)" if left <= 0 else f" (claimable {format_time(ts)})"
            cli.fields(
                f"vault {who} (block {number})",
                [
                    ("balance", format_ogpu(data["balance"])),
                    ("lockup", format_ogpu(data["lockup"])),
                    ("unbonding", format_ogpu(data["unbonding"]) + matures),
                    ("earnings", format_ogpu(data["total_earnings"])),
                    ("escrow", format_ogpu(data["frozen_payment"])),
                    ("sanctioned", format_ogpu(data["sanction"])),
                    ("eligible", "yes" if data["eligible"] else "no"),
                    ("whitelisted", "yes" if data["whitelisted"] else "no"),
                    ("wallet", format_ogpu(data["wallet"])),
                ],
            )

        cli.emit(data, human)


@app.command(
    epilog="Example: ogpu --network devnet vault deposit 1.5 --to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
)
@command
def deposit(
    amount: AmountArg,
    to: Annotated[
        str | None, typer.Option("--to", help="Credit this account (default: the signer).")
    ] = None,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Deposit OGPU from the signer's wallet into a Vault balance (the signer's by default)."""
    from ogpu.protocol import vault

    wei = parse_amount(amount)
    target = parse_address(to, "--to address") if to is not None else None

    def send(*, signer: Any, **kw: Any) -> Any:
        return vault.deposit(target or signer.address, wei, signer=signer, **kw)

    write_command(
        action="Vault.deposit",
        title="deposited",
        effect=lambda me: (
            f"deposit {format_ogpu(wei)} from {me}'s wallet into the Vault "
            f"balance of {target or me}"
        ),
        send=send,
        role=role.role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
        extra={"amount": wei, "to": target},
    )


@app.command(epilog="Example: ogpu --network devnet vault withdraw 0.5")
@command
def withdraw(
    amount: AmountArg,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Withdraw from the signer's liquid Vault balance back to its wallet."""
    from ogpu.protocol import vault

    wei = parse_amount(amount)
    write_command(
        action="Vault.withdraw",
        title="withdrawn",
        effect=lambda me: (
            f"withdraw {format_ogpu(wei)} from the Vault balance of {me} to its wallet"
        ),
        send=lambda **kw: vault.withdraw(wei, **kw),
        role=role.role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
        extra={"amount": wei},
    )


@app.command(epilog="Example: ogpu --network devnet vault lock 1 --role provider")
@command
def lock(
    amount: AmountArg,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Move part of the signer's balance into its lockup (stake)."""
    from ogpu.protocol import vault

    wei = parse_amount(amount)
    write_command(
        action="Vault.lock",
        title="locked",
        effect=lambda me: f"lock {format_ogpu(wei)} of {me}'s Vault balance as stake",
        send=lambda **kw: vault.lock(wei, **kw),
        role=role.role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
        extra={"amount": wei},
    )


@app.command(epilog="Example: ogpu --network devnet vault unbond 1 --role provider")
@command
def unbond(
    amount: AmountArg,
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Start unbonding part of the signer's lockup; claim it after the unbonding period."""
    from ogpu.protocol import vault

    wei = parse_amount(amount)
    write_command(
        action="Vault.unbond",
        title="unbonding",
        effect=lambda me: (
            f"unbond {format_ogpu(wei)} of {me}'s lockup (claimable after the unbonding period)"
        ),
        send=lambda **kw: vault.unbond(wei, **kw),
        role=role.role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
        extra={"amount": wei},
    )


@app.command(epilog="Example: ogpu --network devnet vault claim --role provider")
@command
def claim(
    role: RoleOpt = RoleName.client,
    key_file: KeyFileOpt = None,
    dry_run: DryRunOpt = False,
    yes: YesOpt = False,
    timeout: TimeoutOpt = 120.0,
) -> None:
    """Move the signer's matured unbonding back to its liquid balance."""
    from ogpu.protocol import vault

    write_command(
        action="Vault.claim",
        title="claimed",
        effect=lambda me: f"claim the matured unbonding of {me} into its Vault balance",
        send=lambda **kw: vault.claim(**kw),
        role=role.role,
        key_file=key_file,
        dry_run=dry_run,
        yes=yes,
        timeout=timeout,
        extra={},
    )
