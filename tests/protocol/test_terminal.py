"""ogpu.protocol.terminal against the real contracts on anvil."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from support.world import World, acct, key

from ogpu.chain.session import Session
from ogpu.devnet.deploy import Deployment
from ogpu.protocol import ZERO_ADDRESS, terminal, vault
from ogpu.types import InvalidSignerError, NotMasterError, TxRevertError


def test_pairing_handshake(session: Session) -> None:
    provider, master = acct("provider").address, acct("master").address
    terminal.announce_master(master, signer=key("provider"), session=session)
    assert terminal.get_announced_master_of(provider, session=session) == master
    assert terminal.get_master_of(provider, session=session) == ZERO_ADDRESS
    terminal.announce_provider(provider, 10**15, signer=key("master"), session=session)
    assert terminal.get_master_of(provider, session=session) == master
    assert terminal.get_provider_of(master, session=session) == provider
    assert terminal.is_provider(provider, session=session) is True
    assert terminal.is_master(master, session=session) is True
    assert terminal.get_provider_count_of(master, session=session) == 1
    assert vault.get_lockup_of(provider, session=session) == 10**15  # value went to lockup


def test_remove_provider_and_container(world: World, session: Session) -> None:
    world.pair()
    source = world.publish_source()
    provider = acct("provider").address
    receipt = terminal.remove_container(
        provider, source.address, signer=key("master"), session=session
    )
    assert receipt.ok and len(receipt.logs) == 1
    with pytest.raises(NotMasterError):
        terminal.remove_provider(provider, signer=key("stranger"), session=session)
    terminal.remove_provider(provider, signer=key("master"), session=session)
    assert terminal.is_provider(provider, session=session) is False
    assert terminal.is_master(acct("master").address, session=session) is False


def test_agents(world: World, session: Session, deployment: Deployment) -> None:
    client, agent = acct("client").address, acct("stranger").address
    terminal.set_agent(agent, True, signer=key("client"), session=session)
    assert terminal.is_agent_of(client, agent, session=session) is True
    terminal.set_agent(agent, True, session=session)  # CLIENT fallback, idempotent
    terminal.revoke_agent(agent, signer=key("client"), session=session)
    assert terminal.is_agent_of(client, agent, session=session) is False
    # the default agent acts for masters (getIsAgentOf) without an explicit grant
    world.pair()
    master = acct("master").address
    assert terminal.get_default_agent(session=session) == deployment.default_agent
    assert terminal.get_is_agent_of(master, acct("agent").address, session=session) is True
    assert terminal.is_agent_of(master, acct("agent").address, session=session) is False


def test_set_agent_rejects_bad_address(session: Session) -> None:
    with pytest.raises(InvalidSignerError):
        terminal.set_agent("not-an-address", True, signer=key("client"), session=session)


def test_provider_cannot_set_agent(world: World, session: Session) -> None:
    world.pair()
    with pytest.raises(TxRevertError) as info:
        terminal.set_agent(acct("agent").address, True, signer=key("provider"), session=session)
    assert info.value.error_name == "ProviderCannotSetAgent"


def test_default_agent_opt_out(world: World, session: Session) -> None:
    world.pair()
    master = acct("master").address
    terminal.set_default_agent_disabled(True, signer=key("master"), session=session)
    assert terminal.is_default_agent_disabled(master, session=session) is True
    assert terminal.get_is_agent_of(master, acct("agent").address, session=session) is False


def test_base_and_live_data(world: World, session: Session) -> None:
    world.pair()
    provider = acct("provider").address
    terminal.set_base_data('{"gpu": "none"}', signer=key("provider"), session=session)
    terminal.set_live_data('{"load": 0.5}', session=session)  # PROVIDER fallback
    assert terminal.get_base_data_of(provider, session=session) == '{"gpu": "none"}'
    assert terminal.get_live_data_of(provider, session=session) == '{"load": 0.5}'


def test_views_and_owner_setters(session: Session, deployment: Deployment) -> None:
    admin = key("admin")
    assert terminal.get_manager(session=session) == deployment.manager
    assert terminal.get_vault(session=session) == deployment.vault
    assert terminal.get_owner(session=session) == deployment.admin
    assert terminal.get_provider_role(session=session) == keccak(text="PROVIDER")
    terminal.set_default_agent(acct("stranger").address, signer=admin, session=session)
    assert terminal.get_default_agent(session=session) == acct("stranger").address
    assert terminal.set_manager(deployment.manager, signer=admin, session=session).ok
    assert terminal.set_vault(deployment.vault, signer=admin, session=session).ok
    terminal.transfer_ownership(acct("stranger").address, signer=admin, session=session)
    assert terminal.get_owner(session=session) == acct("stranger").address
    terminal.renounce_ownership(signer=key("stranger"), session=session)
    assert terminal.get_owner(session=session) == ZERO_ADDRESS
