"""Well-known development accounts of the devnet.

These are the public anvil/hardhat test keys (mnemonic ``test test … junk``). They protect nothing
and must never hold value on a real network; the devnet hands them out so that nobody has to
create a wallet to try the protocol.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if (
    TYPE_CHECKING
):  # eth_account takes seconds to import; the devnet's process commands don't need it
    from eth_account.signers.local import LocalAccount

#: The mnemonic anvil derives its default accounts from.
DEV_MNEMONIC = "test test test test test test test test test test test junk"

_DEV_KEYS: dict[str, str] = {
    "admin": "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "client": "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "provider": "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    "master": "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
    "agent": "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
    "judge": "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
    "provider2": "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
    "master2": "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
    "client2": "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
    "stranger": "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
}

#: Role names in a stable order (anvil account index = position).
DEV_ROLES: tuple[str, ...] = tuple(_DEV_KEYS)


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
    try:
        key = _DEV_KEYS[role]
    except KeyError:
        raise ValueError(
            f"unknown development role {role!r}; known: {', '.join(DEV_ROLES)}"
        ) from None
    from eth_account import Account

    acct: LocalAccount = Account.from_key(key)
    return DevAccount(role=role, address=acct.address, account=acct)


def dev_key(role: str) -> str:
    """The hex private key of a development role (public test key; for manifests and tests only)."""
    dev_account(role)  # validates the role name
    return _DEV_KEYS[role]


def dev_accounts() -> list[DevAccount]:
    """All development accounts in anvil's order."""
    return [dev_account(r) for r in DEV_ROLES]
