"""Well-known development accounts of the devnet.

These are the public anvil/hardhat test keys (mnemonic ``test test … junk``). They protect nothing
and must never hold value on a real network; the devnet hands them out so that nobody has to
create a wallet to try the protocol.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

# eth_account takes seconds to import; the devnet's process commands don't need it
if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

#: The mnemonic anvil derives its default accounts from.
DEV_MNEMONIC = "test test test test test test test test test test test junk"

#: Role names in a stable order (anvil account index = position).
DEV_ROLES: tuple[str, ...] = (
    "admin",
    "client",
    "provider",
    "master",
    "agent",
    "judge",
    "provider2",
    "master2",
    "client2",
    "stranger",
)


@dataclass(frozen=True)
class DevAccount:
    """A development account: its role name, address and signer. The repr never shows the key."""

    role: str
    address: str
    account: LocalAccount

    def __repr__(self) -> str:
        return f"DevAccount(role={self.role!r}, address={self.address})"


def dev_account(role: str) -> DevAccount:
    """The development account for ``role`` (``admin``, ``client``, ``provider``, …).

    >>> dev_account("client").address
    '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    """
    acct = _derive(role)
    return DevAccount(role=role, address=acct.address, account=acct)


@functools.cache
def _derive(role: str) -> LocalAccount:
    """The role's account, derived from the mnemonic as anvil does (BIP-44 ``m/44'/60'/0'/0/i``)."""
    if role not in DEV_ROLES:
        raise ValueError(f"unknown development role {role!r}; known: {', '.join(DEV_ROLES)}")
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    index = DEV_ROLES.index(role)
    acct: LocalAccount = Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    return acct


def dev_key(role: str) -> str:
    """The hex private key of a development role (public test key; for manifests and tests only)."""
    return "0x" + bytes(_derive(role).key).hex()


def dev_accounts() -> list[DevAccount]:
    """All development accounts in anvil's order."""
    return [dev_account(r) for r in DEV_ROLES]
