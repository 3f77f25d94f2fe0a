"""A master account (the human wallet that owns providers) seen through Terminal and Vault.

Example::

    from ogpu.protocol import Master
    master = Master(master_address)
    master.announce_provider(provider_address, 0, signer=master_key)
    master.snapshot().is_master
    # True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ogpu.protocol import terminal
from ogpu.protocol._base import BlockId, Signer, checksum
from ogpu.protocol.provider import _VAULT_FIELDS, _Account, _Field
from ogpu.types import MasterNotFoundError, MasterSnapshot

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.types import Receipt

__all__ = ["Master"]

#: The fields of :meth:`Master.snapshot`.
_SNAPSHOT: tuple[_Field, ...] = (
    ("provider", "Terminal.providerOf", checksum),
    ("is_master", "Terminal.isMaster", bool),
    *_VAULT_FIELDS,
)


class Master(_Account):
    """A master: its providers, agents and Vault state.

    ``Master.load(address)`` checks ``Terminal.isMaster`` (``MasterNotFoundError``).
    """

    __slots__ = ()

    _not_found = MasterNotFoundError

    def _exists(self) -> bool:
        return terminal.is_master(self.address, session=self.session)

    def get_provider(self, *, block: BlockId = "latest") -> str:
        """The provider this master most recently announced (zero address if none)."""
        return terminal.get_provider_of(self.address, session=self.session, block=block)

    def is_master(self, *, block: BlockId = "latest") -> bool:
        """Whether the account has at least one paired provider."""
        return terminal.is_master(self.address, session=self.session, block=block)

    def get_default_agent_disabled(self, *, block: BlockId = "latest") -> bool:
        """Whether this master opted out of the default agent."""
        return terminal.is_default_agent_disabled(self.address, session=self.session, block=block)

    def is_agent(self, agent: str, *, block: BlockId = "latest") -> bool:
        """Whether ``agent`` acts for this master (explicit grant or default agent)."""
        return terminal.get_is_agent_of(self.address, agent, session=self.session, block=block)

    def snapshot(self, *, block: BlockId = "latest") -> MasterSnapshot:
        """Terminal and Vault state, read at one block in one round trip."""
        return MasterSnapshot(**self._fields(_SNAPSHOT, block))

    # ------------------------------------------------------------------------------------------
    # Writes (role fallback MASTER unless stated)

    def announce_provider(
        self, provider: str, amount: int, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.announceProvider(provider, amount)`` with ``value=amount``."""
        return terminal.announce_provider(
            provider, amount, signer=signer, session=self.session, **tx
        )

    def remove_provider(
        self, provider: str, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.removeProvider(provider)``."""
        return terminal.remove_provider(provider, signer=signer, session=self.session, **tx)

    def remove_container(
        self, provider: str, source: str, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.removeContainer(provider, source)``."""
        return terminal.remove_container(
            provider, source, signer=signer, session=self.session, **tx
        )

    def set_agent(
        self, agent: str, value: bool, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.setAgent(agent, value)`` (fallback is CLIENT, as the official SDK: pass the
        master key explicitly)."""
        return terminal.set_agent(agent, value, signer=signer, session=self.session, **tx)

    def set_default_agent_disabled(
        self, value: bool, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Terminal.setDefaultAgentDisabled(value)`` signed by this master."""
        return terminal.set_default_agent_disabled(value, signer=signer, session=self.session, **tx)
