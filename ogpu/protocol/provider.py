"""A provider account seen through Terminal, Vault and Nexus (no contract of its own).

Example::

    from ogpu.protocol import Provider
    provider = Provider.load(provider_address)
    provider.register_to(source_address, 1, signer=master_key)
    provider.snapshot().master
    # '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ogpu.protocol import nexus, terminal, vault
from ogpu.protocol._base import BlockId, Signer, View, call, checksum, view
from ogpu.protocol._object import ProtocolObject
from ogpu.types import ProviderNotFoundError, ProviderSnapshot

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.types import Receipt

__all__ = ["Provider"]

#: A snapshot field: (field, ``"Contract.view"`` of the account, conversion).
_Field = tuple[str, str, Callable[[Any], Any]]

#: The Vault fields of both account snapshots.
_VAULT_FIELDS: tuple[_Field, ...] = (
    ("balance", "Vault.balanceOf", int),
    ("lockup", "Vault.lockupOf", int),
    ("unbonding", "Vault.unbondingOf", int),
    ("total_earnings", "Vault.totalEarningsOf", int),
    ("frozen_payment", "Vault.frozenPayment", int),
    ("is_eligible", "Vault.isEligible", bool),
    ("is_whitelisted", "Vault.isWhitelisted", bool),
)

#: The fields of :meth:`Provider.snapshot`.
_SNAPSHOT: tuple[_Field, ...] = (
    ("master", "Terminal.masterOf", checksum),
    ("base_data", "Terminal.baseDataOf", str),
    ("live_data", "Terminal.liveDataOf", str),
    ("is_provider", "Terminal.isProvider", bool),
    ("default_agent_disabled", "Terminal.defaultAgentDisabled", bool),
    ("unbonding_timestamp", "Vault.unbondingTimestamp", int),
    ("sanction", "Vault.sanctionOf", int),
    *_VAULT_FIELDS,
)


class _Account(ProtocolObject):
    """Vault reads and self-service writes shared by :class:`Provider` and :class:`Master`."""

    __slots__ = ()

    def _fn(self, function: str, *args: Any) -> View:
        """A view of this account on a singleton: ``function`` is ``"Vault.balanceOf"``."""
        contract, name = function.split(".")
        return view(self.session, contract, name, self.address, *args)

    def _vault_int(self, function: str, block: BlockId) -> int:
        return int(call(self.session, "Vault", function, self.address, block=block))

    def get_balance(self, *, block: BlockId = "latest") -> int:
        """Liquid Vault balance (``balanceOf``)."""
        return self._vault_int("balanceOf", block)

    def get_lockup(self, *, block: BlockId = "latest") -> int:
        """Staked amount (``lockupOf``)."""
        return self._vault_int("lockupOf", block)

    def get_unbonding(self, *, block: BlockId = "latest") -> int:
        """Amount cooling down (``unbondingOf``)."""
        return self._vault_int("unbondingOf", block)

    def get_unbonding_timestamp(self, *, block: BlockId = "latest") -> int:
        """Maturity of the unbonding bucket (0 = none)."""
        return self._vault_int("unbondingTimestamp", block)

    def get_total_earnings(self, *, block: BlockId = "latest") -> int:
        """Cumulative task income (``totalEarningsOf``)."""
        return self._vault_int("totalEarningsOf", block)

    def get_frozen_payment(self, *, block: BlockId = "latest") -> int:
        """Escrow held for this account (``frozenPayment``)."""
        return self._vault_int("frozenPayment", block)

    def get_sanction(self, *, block: BlockId = "latest") -> int:
        """Stake seized pending judgement (``sanctionOf``)."""
        return self._vault_int("sanctionOf", block)

    def is_eligible(self, *, block: BlockId = "latest") -> bool:
        """``Vault.isEligible``."""
        return bool(call(self.session, "Vault", "isEligible", self.address, block=block))

    def is_whitelisted(self, *, block: BlockId = "latest") -> bool:
        """``Vault.isWhitelisted``."""
        return bool(call(self.session, "Vault", "isWhitelisted", self.address, block=block))

    # Vault self-service: the signer acts on its own account (signer required, no fallback).

    def stake(self, amount: int, *, signer: Signer, **tx: Unpack[Tx]) -> Receipt:
        """``Vault.lock(amount)`` for the signer's own account."""
        return vault.lock(amount, signer=signer, session=self.session, **tx)

    def unstake(self, amount: int, *, signer: Signer, **tx: Unpack[Tx]) -> Receipt:
        """``Vault.unbond(amount)`` for the signer's own account."""
        return vault.unbond(amount, signer=signer, session=self.session, **tx)

    def cancel_unbonding(self, *, signer: Signer, **tx: Unpack[Tx]) -> Receipt:
        """``Vault.cancelUnbonding()`` for the signer's own account."""
        return vault.cancel_unbonding(signer=signer, session=self.session, **tx)

    def claim_earnings(self, *, signer: Signer, **tx: Unpack[Tx]) -> Receipt:
        """``Vault.claim()`` for the signer's own account."""
        return vault.claim(signer=signer, session=self.session, **tx)

    def deposit_to_vault(self, amount: int, *, signer: Signer, **tx: Unpack[Tx]) -> Receipt:
        """``Vault.deposit(self)`` with ``value=amount`` (anyone may fund this account)."""
        return vault.deposit(self.address, amount, signer=signer, session=self.session, **tx)

    def withdraw_from_vault(self, amount: int, *, signer: Signer, **tx: Unpack[Tx]) -> Receipt:
        """``Vault.withdraw(amount)`` for the signer's own account."""
        return vault.withdraw(amount, signer=signer, session=self.session, **tx)


class Provider(_Account):
    """A provider: pairing, self-reported data, Vault state, and provider-side Nexus actions.

    ``Provider.load(address)`` checks ``Terminal.isProvider`` (``ProviderNotFoundError``).
    """

    __slots__ = ()

    _not_found = ProviderNotFoundError

    def _exists(self) -> bool:
        return terminal.is_provider(self.address, session=self.session)

    def get_master(self, *, block: BlockId = "latest") -> str:
        """The confirmed master (zero address if unpaired)."""
        return terminal.get_master_of(self.address, session=self.session, block=block)

    def get_base_data(self, *, block: BlockId = "latest") -> str:
        """Self-reported base data."""
        return terminal.get_base_data_of(self.address, session=self.session, block=block)

    def get_live_data(self, *, block: BlockId = "latest") -> str:
        """Self-reported live data."""
        return terminal.get_live_data_of(self.address, session=self.session, block=block)

    def is_provider(self, *, block: BlockId = "latest") -> bool:
        """Whether the account is a paired provider."""
        return terminal.is_provider(self.address, session=self.session, block=block)

    def get_default_agent_disabled(self, *, block: BlockId = "latest") -> bool:
        """``Terminal.defaultAgentDisabled(self)``."""
        return terminal.is_default_agent_disabled(self.address, session=self.session, block=block)

    def snapshot(self, *, block: BlockId = "latest") -> ProviderSnapshot:
        """Terminal and Vault state, read at one block in one round trip."""
        return ProviderSnapshot(**self._fields(_SNAPSHOT, block))

    # ------------------------------------------------------------------------------------------
    # Writes

    def announce_master(
        self, master: str, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.announceMaster(master)`` signed by this provider (role fallback PROVIDER)."""
        return terminal.announce_master(master, signer=signer, session=self.session, **tx)

    def set_default_agent_disabled(
        self, value: bool, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.setDefaultAgentDisabled(value)`` (role fallback PROVIDER)."""
        return terminal.set_default_agent_disabled(value, signer=signer, session=self.session, **tx)

    def set_base_data(
        self, data: str, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.setBaseData(data)`` signed by this provider (role fallback PROVIDER)."""
        return terminal.set_base_data(data, signer=signer, session=self.session, **tx)

    def set_live_data(
        self, data: str, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.setLiveData(data)`` signed by this provider (role fallback PROVIDER)."""
        return terminal.set_live_data(data, signer=signer, session=self.session, **tx)

    def register_to(
        self, source: str, env: int, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Nexus.register(source, self, env)`` (role fallback PROVIDER)."""
        return nexus.register(source, self.address, env, signer=signer, session=self.session, **tx)

    def unregister_from(
        self, source: str, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Nexus.unregister(source, self)`` (role fallback PROVIDER)."""
        return nexus.unregister(source, self.address, signer=signer, session=self.session, **tx)

    def attempt(
        self, task: str, suggested_payment: int, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Nexus.attempt(task, self, suggested_payment)`` (role fallback PROVIDER)."""
        return nexus.attempt(
            task, self.address, suggested_payment, signer=signer, session=self.session, **tx
        )
