"""ogpu.protocol.manager (roles) against the real contracts on anvil."""

from __future__ import annotations

import pytest
from eth_utils.crypto import keccak
from support.world import World, acct, key

from ogpu.chain.session import Session
from ogpu.devnet.deploy import Deployment
from ogpu.protocol import manager


def test_role_ids(session: Session) -> None:
    assert manager.get_controller_role(session=session) == keccak(text="CONTROLLER")
    assert manager.get_provider_role(session=session) == keccak(text="PROVIDER")
    assert manager.get_judge_role(session=session) == keccak(text="JUDGE")
    assert manager.get_default_admin_role(session=session) == bytes(32)
    assert manager.role_id("0x" + "11" * 32) == b"\x11" * 32
    with pytest.raises(ValueError):
        manager.role_id(b"short")


def test_role_views(world: World, session: Session, deployment: Deployment) -> None:
    assert manager.has_role("DEFAULT_ADMIN_ROLE", deployment.admin, session=session)
    assert manager.has_role("JUDGE", deployment.judge, session=session)
    assert manager.has_role("CONTROLLER", deployment.controller, session=session)
    assert manager.get_role_admin("PROVIDER", session=session) == keccak(text="CONTROLLER")
    assert not manager.has_role("PROVIDER", acct("provider").address, session=session)
    world.pair()
    assert manager.has_role(
        manager.get_provider_role(session=session), acct("provider").address, session=session
    )
    assert manager.supports_interface("0x7965db0b", session=session)  # IAccessControl
    assert not manager.supports_interface(b"\xff\xff\xff\xff", session=session)


def test_grant_revoke_renounce(session: Session) -> None:
    stranger = acct("stranger").address
    manager.grant_role("JUDGE", stranger, signer=key("admin"), session=session)
    assert manager.has_role("JUDGE", stranger, session=session)
    manager.revoke_role("JUDGE", stranger, signer=key("admin"), session=session)
    assert not manager.has_role("JUDGE", stranger, session=session)
    manager.grant_role("JUDGE", stranger, signer=key("admin"), session=session)
    manager.renounce_role("JUDGE", stranger, signer=key("stranger"), session=session)
    assert not manager.has_role("JUDGE", stranger, session=session)
