"""Terminal: identities, master/provider pairing, agents and provider self-reported data
(docs/protocol.md, "Contracts and roles").

Example::

    from ogpu.protocol import terminal
    terminal.announce_master(master_address, signer=provider_key)
    terminal.announce_provider(provider_address, 0, signer=master_key)
    terminal.get_master_of(provider_address)
    # '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ogpu.protocol._base import BlockId, Signer, call, checksum, send
from ogpu.protocol._wrappers import Wrappers
from ogpu.types import InvalidArgumentError, InvalidSignerError, Role

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.chain import Session
    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.types import Receipt

__all__ = [
    "announce_master",
    "announce_provider",
    "get_announced_master_of",
    "get_base_data_of",
    "get_default_agent",
    "get_is_agent_of",
    "get_live_data_of",
    "get_manager",
    "get_master_of",
    "get_owner",
    "get_provider_count_of",
    "get_provider_of",
    "get_provider_role",
    "get_vault",
    "is_agent_of",
    "is_default_agent_disabled",
    "is_master",
    "is_provider",
    "remove_container",
    "remove_provider",
    "renounce_ownership",
    "revoke_agent",
    "set_agent",
    "set_base_data",
    "set_default_agent",
    "set_default_agent_disabled",
    "set_live_data",
    "set_manager",
    "set_vault",
    "transfer_ownership",
]

_T = "Terminal"

# Wrappers every singleton shares, built by protocol._wrappers: wiring, owner, roles, views.
_wrap = Wrappers(_T, __name__)
set_manager = _wrap.setter("setManager")
set_vault = _wrap.setter("setVault")
transfer_ownership, renounce_ownership = _wrap.ownership()
get_default_agent = _wrap.address(
    "defaultAgent",
    "The default scheduling agent (devnet extension ``defaultAgent()``; zero = none).",
)
get_provider_role = _wrap.role("PROVIDER")
get_manager = _wrap.address("manager")
get_vault = _wrap.address("vault")
get_owner = _wrap.address("owner", "The owner (admin) of the Terminal.")
is_master = _wrap.account(
    "isMaster",
    bool,
    "Whether ``address`` is a master with at least one paired provider (``isMaster``/``getIsMaster``).",
)
is_provider = _wrap.account(
    "isProvider", bool, "Whether ``address`` is a paired provider (``isProvider``)."
)
is_default_agent_disabled = _wrap.account(
    "defaultAgentDisabled",
    bool,
    "Whether ``address`` opted out of the default agent (``defaultAgentDisabled``).",
    "is_default_agent_disabled",
)


# ----------------------------------------------------------------------------------------------
# Agents


def set_agent(
    agent: str,
    value: bool,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Terminal.setAgent(agent, value)`` for the signer (role fallback CLIENT; masters pass their key).

    An invalid ``agent`` address raises :class:`~ogpu.types.InvalidSignerError` (official behaviour).
    """
    try:
        agent = checksum(agent, what="agent")
    except InvalidArgumentError as exc:
        raise InvalidSignerError(str(exc)) from None
    return send(session, _T, "setAgent", agent, value, signer=signer, role=Role.CLIENT, **tx)


def revoke_agent(
    agent: str, *, signer: Signer | None = None, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Terminal.setAgent(agent, False)`` (role fallback CLIENT)."""
    return set_agent(agent, False, signer=signer, session=session, **tx)


# ----------------------------------------------------------------------------------------------
# Pairing


def announce_master(
    master_address: str,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Terminal.announceMaster(master)`` by the provider (role fallback PROVIDER)."""
    return send(
        session, _T, "announceMaster", master_address, signer=signer, role=Role.PROVIDER, **tx
    )


def announce_provider(
    provider: str,
    amount: int,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Terminal.announceProvider(provider, amount)`` by the master with ``value=amount``
    (role fallback MASTER); ``amount`` is credited to the provider's Vault lockup."""
    return send(
        session,
        _T,
        "announceProvider",
        provider,
        amount,
        signer=signer,
        role=Role.MASTER,
        value=amount,
        **tx,
    )


def remove_provider(
    provider: str, *, signer: Signer | None = None, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Terminal.removeProvider(provider)`` (role fallback MASTER)."""
    return send(session, _T, "removeProvider", provider, signer=signer, role=Role.MASTER, **tx)


def remove_container(
    provider: str,
    source: str,
    *,
    signer: Signer | None = None,
    session: Session | None = None,
    **tx: Unpack[Tx],
) -> Receipt:
    """``Terminal.removeContainer(provider, source)`` (role fallback MASTER): a teardown signal."""
    return send(
        session, _T, "removeContainer", provider, source, signer=signer, role=Role.MASTER, **tx
    )


def set_default_agent_disabled(
    value: bool, *, signer: Signer | None = None, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Terminal.setDefaultAgentDisabled(value)`` for the signer (role fallback PROVIDER, as the
    official SDK; the flag is keyed by master on-chain, so masters pass their key)."""
    return send(
        session, _T, "setDefaultAgentDisabled", value, signer=signer, role=Role.PROVIDER, **tx
    )


def set_base_data(
    data: str, *, signer: Signer | None = None, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Terminal.setBaseData(data)`` for the signing provider (role fallback PROVIDER)."""
    return send(session, _T, "setBaseData", data, signer=signer, role=Role.PROVIDER, **tx)


def set_live_data(
    data: str, *, signer: Signer | None = None, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Terminal.setLiveData(data)`` for the signing provider (role fallback PROVIDER)."""
    return send(session, _T, "setLiveData", data, signer=signer, role=Role.PROVIDER, **tx)


# ----------------------------------------------------------------------------------------------
# Admin (no environment fallback)


def set_default_agent(
    agent: str, *, signer: Signer, session: Session | None = None, **tx: Unpack[Tx]
) -> Receipt:
    """``Terminal.setDefaultAgent(agent)`` (owner only; devnet extension, zero disables)."""
    return send(session, _T, "setDefaultAgent", agent, signer=signer, role=None, **tx)


# ----------------------------------------------------------------------------------------------
# Views


def get_master_of(
    provider: str, *, session: Session | None = None, block: BlockId = "latest"
) -> str:
    """Confirmed master of ``provider`` (zero address if unpaired) — ``masterOf``/``getMasterOf``."""
    return checksum(call(session, _T, "masterOf", provider, block=block))


def get_provider_of(
    master: str, *, session: Session | None = None, block: BlockId = "latest"
) -> str:
    """Provider most recently announced by ``master`` (zero address if none) — ``providerOf``."""
    return checksum(call(session, _T, "providerOf", master, block=block))


def get_base_data_of(
    provider: str, *, session: Session | None = None, block: BlockId = "latest"
) -> str:
    """Provider-reported base data (``baseDataOf``)."""
    return str(call(session, _T, "baseDataOf", provider, block=block))


def get_live_data_of(
    provider: str, *, session: Session | None = None, block: BlockId = "latest"
) -> str:
    """Provider-reported live data (``liveDataOf``)."""
    return str(call(session, _T, "liveDataOf", provider, block=block))


def is_agent_of(
    account: str, agent: str, *, session: Session | None = None, block: BlockId = "latest"
) -> bool:
    """The raw ``isAgentOf(account, agent)`` grant (explicit ``setAgent`` only)."""
    return bool(call(session, _T, "isAgentOf", account, agent, block=block))


def get_is_agent_of(
    master: str, agent: str, *, session: Session | None = None, block: BlockId = "latest"
) -> bool:
    """``getIsAgentOf(master, agent)``: the explicit grant or the default agent (provider-side checks)."""
    return bool(call(session, _T, "getIsAgentOf", master, agent, block=block))


def get_announced_master_of(
    provider: str, *, session: Session | None = None, block: BlockId = "latest"
) -> str:
    """The master ``provider`` announced (its side of the handshake; devnet extension)."""
    return checksum(call(session, _T, "announcedMasterOf", provider, block=block))


def get_provider_count_of(
    master: str, *, session: Session | None = None, block: BlockId = "latest"
) -> int:
    """Number of providers paired with ``master`` (``providerCountOf``, devnet extension)."""
    return int(call(session, _T, "providerCountOf", master, block=block))
