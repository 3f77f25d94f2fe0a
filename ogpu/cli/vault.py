"""``ogpu vault``: balances, deposits, withdrawals and stake (lock, unbond, claim).

Amounts are OGPU (``1.5``) unless suffixed (``1000wei``, ``2gwei``). The signer is the role's key
(``--role``, default client), or ``--key-file``.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer

from ogpu.cli._common import (
    AmountArg,
    Cli,
    KeyFileOpt,
    RoleOpt,
    Write,
    command,
    format_ogpu,
    format_time,
    parse_address,
    parse_amount,
    write_command,
)
from ogpu.types import Role

app = typer.Typer(
    add_completion=False,
    help="The Vault: liquid balance (pays for tasks), lockup (stake), unbonding and claims.\n\n"
    "Example: ogpu --network devnet vault deposit 1.5 && ogpu --network devnet vault balance",
    no_args_is_help=True,
)

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
    cli: Cli,
    address: Annotated[
        str | None,
        typer.Argument(help="Account to show (default: the address of the --role key)."),
    ] = None,
    role: RoleOpt = Role.CLIENT,
    key_file: KeyFileOpt = None,
) -> None:
    """Show an account's Vault state: balance, lockup, unbonding, earnings, escrow, eligibility."""
    session = cli.session
    who = cli.account(address, "account address", role, key_file)
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
@write_command()
def deposit(
    amount: AmountArg,
    to: Annotated[
        str | None, typer.Option(help="Credit this account (default: the signer).")
    ] = None,
) -> Write:
    """Deposit OGPU from the signer's wallet into a Vault balance (the signer's by default)."""
    from ogpu.protocol import vault

    wei = parse_amount(amount)
    target = parse_address(to, "--to address") if to is not None else None
    return Write(
        "Vault.deposit",
        "deposited",
        effect=lambda me: (
            f"deposit {format_ogpu(wei)} from {me}'s wallet into the Vault balance of {target or me}"
        ),
        send=lambda *, signer, **kw: vault.deposit(
            target or signer.address, wei, signer=signer, **kw
        ),
        extra={"amount": wei, "to": target},
    )


def _vault_write(name: str, title: str, effect: str, doc: str, example: str) -> None:
    """Register ``vault NAME [AMOUNT]``, a call of ``ogpu.protocol.vault.NAME`` signed by the
    ``--role`` key; ``effect`` is worded from ``{amount}`` and ``{me}`` (the signer). Without
    ``{amount}`` in ``effect`` the command takes no amount."""

    def with_amount(amount: AmountArg) -> Write:
        from ogpu.protocol import vault

        wei = parse_amount(amount)
        return Write(
            f"Vault.{name}",
            title,
            effect=lambda me: effect.format(amount=format_ogpu(wei), me=me),
            send=lambda **kw: getattr(vault, name)(wei, **kw),
            extra={"amount": wei},
        )

    def without() -> Write:
        from ogpu.protocol import vault

        return Write(
            f"Vault.{name}",
            title,
            effect=lambda me: effect.format(me=me),
            send=lambda **kw: getattr(vault, name)(**kw),
        )

    body = with_amount if "{amount}" in effect else without
    body.__doc__ = doc
    app.command(name=name, epilog=f"Example: ogpu --network devnet vault {example}")(
        write_command()(body)
    )


_vault_write(
    "withdraw",
    "withdrawn",
    "withdraw {amount} from the Vault balance of {me} to its wallet",
    "Withdraw from the signer's liquid Vault balance back to its wallet.",
    "withdraw 0.5",
)
_vault_write(
    "lock",
    "locked",
    "lock {amount} of {me}'s Vault balance as stake",
    "Move part of the signer's balance into its lockup (stake).",
    "lock 1 --role provider",
)
_vault_write(
    "unbond",
    "unbonding",
    "unbond {amount} of {me}'s lockup (claimable after the unbonding period)",
    "Start unbonding part of the signer's lockup; claim it after the unbonding period.",
    "unbond 1 --role provider",
)
_vault_write(
    "claim",
    "claimed",
    "claim the matured unbonding of {me} into its Vault balance",
    "Move the signer's matured unbonding back to its liquid balance.",
    "claim --role provider",
)
