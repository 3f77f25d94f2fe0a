"""ogpu.protocol.nexus against the real contracts on anvil."""

from __future__ import annotations

import pytest
from support.world import World, acct, key

from ogpu.chain.session import Session
from ogpu.devnet.deploy import Deployment
from ogpu.protocol import ZERO_ADDRESS, Source, manager, nexus, vault
from ogpu.types import (
    DryRunResult,
    NotSourceOwnerError,
    PendingTx,
    Receipt,
    ResponseStatus,
    SourceInactiveError,
    SourceStatus,
    TaskStatus,
    TxRevertError,
)


def test_publish_source_and_extract_address(world: World, session: Session) -> None:
    params = world.source_params()
    receipt = nexus.publish_source(params, signer=key("client"), session=session)
    assert isinstance(receipt, Receipt) and receipt.ok
    address = nexus.extract_source_address(receipt, session=session)
    assert address == Source(address, session).address  # checksummed
    assert nexus.get_source_id(address, session=session) == 1
    stored = Source(address, session).get_params()
    assert stored.imageMetadataUrl == params.imageMetadataUrl
    assert stored.lastUpdateTime == receipt.timestamp  # overwritten on-chain with block.timestamp


def test_extract_source_address_without_event_raises(session: Session) -> None:
    other = vault.deposit(acct("client").address, 1, signer=key("client"), session=session)
    with pytest.raises(ValueError, match="SourcePublished"):
        nexus.extract_source_address(other, session=session)
    with pytest.raises(ValueError, match="ResponseSubmitted"):
        nexus.extract_response_address(other, session=session)


def test_update_source(world: World, session: Session) -> None:
    source = world.publish_source()
    new = world.source_params(minPayment=7)
    receipt = nexus.update_source(source.address, new, signer=key("client"), session=session)
    assert receipt.ok
    assert source.get_params().minPayment == 7


def test_update_source_by_stranger_is_typed(world: World, session: Session) -> None:
    source = world.publish_source()
    with pytest.raises(NotSourceOwnerError):
        nexus.update_source(
            source.address, world.source_params(), signer=key("stranger"), session=session
        )


def test_inactivate_source_then_again(world: World, session: Session) -> None:
    source = world.publish_source()
    nexus.inactivate_source(source.address, signer=key("client"), session=session)
    assert source.get_status() is SourceStatus.INACTIVE
    assert nexus.get_active_source_count(acct("client").address, session=session) == 0
    with pytest.raises(SourceInactiveError):
        nexus.inactivate_source(source.address, signer=key("client"), session=session)


def test_register_unregister_role_fallback(world: World, session: Session) -> None:
    world.pair()
    source = world.publish_source()
    provider = acct("provider").address
    # signer=None: falls back to the PROVIDER key (devnet dev key)
    nexus.register(source.address, provider, 1, session=session)
    assert source.get_registrant_id(provider) == 1
    nexus.unregister(source.address, provider, signer=key("master"), session=session)
    assert source.get_registrant_id(provider) == 0
    assert source.get_registrants() == []  # the hole is dropped
    assert source.get_registrant_count() == 1


def test_attempt_and_submit_response(world: World, session: Session) -> None:
    _, task = world.ready_task()
    provider = acct("provider").address
    nexus.attempt(task.address, provider, 5 * 10**15, signer=key("master"), session=session)
    assert task.get_status() is TaskStatus.ATTEMPTED
    assert nexus.get_suggested_payment_of(task.address, provider, session=session) == 5 * 10**15
    response = world.respond(task)
    assert nexus.is_response(response.address, session=session)
    assert task.get_status() is TaskStatus.RESPONDED


def test_dry_run_and_no_wait(world: World, session: Session) -> None:
    params = world.source_params()
    dry = nexus.publish_source(params, signer=key("client"), session=session, dry_run=True)
    assert isinstance(dry, DryRunResult) and dry.gas > 0
    assert nexus.get_source_count(session=session) == 0
    pending = nexus.publish_source(params, signer=key("client"), session=session, wait=False)
    assert isinstance(pending, PendingTx)
    receipt = pending.wait(30)
    assert nexus.extract_source_address(receipt, session=session)
    assert nexus.get_source_count(session=session) == 1


def test_registry_views(world: World, session: Session, deployment: Deployment) -> None:
    sources = [world.publish_source() for _ in range(3)]
    other = world.publish_source(client="client2")
    addresses = [s.address for s in sources]
    assert nexus.get_source_count(session=session) == 4
    assert nexus.get_sources(session=session) == [*addresses, other.address]
    assert nexus.get_sources(1, 3, session=session) == addresses[1:3]  # half-open
    assert nexus.get_sources(2, session=session) == [addresses[2], other.address]
    assert nexus.get_sources(4, session=session) == []
    assert nexus.get_source_at(0, session=session) == addresses[0]
    assert nexus.get_client_at(1, session=session) == acct("client2").address
    assert nexus.get_source_of(acct("client").address, 2, session=session) == addresses[2]
    assert nexus.get_active_source_count(acct("client").address, session=session) == 3
    assert nexus.get_client_count(session=session) == 2
    assert nexus.get_clients(session=session) == [acct("client").address, acct("client2").address]
    assert nexus.get_sources_of_count(acct("client").address, session=session) == 3
    assert nexus.get_sources_of(acct("client").address, session=session) == addresses
    assert nexus.get_source_id(ZERO_ADDRESS, session=session) == 0


def test_wiring_views(session: Session, deployment: Deployment) -> None:
    assert nexus.get_manager(session=session) == deployment.manager
    assert nexus.get_terminal(session=session) == deployment.terminal
    assert nexus.get_vault(session=session) == deployment.vault
    assert nexus.get_owner(session=session) == deployment.admin
    assert nexus.get_controller_role(session=session) == manager.role_id("CONTROLLER")
    assert nexus.get_provider_role(session=session) == manager.role_id("PROVIDER")
    assert nexus.is_controller(deployment.controller, session=session) is True
    assert nexus.is_controller(acct("stranger").address, session=session) is False
    assert nexus.get_source_implementation(session=session) == deployment.source_implementation
    assert nexus.get_response_implementation(session=session) == deployment.response_implementation


def test_membership_views(world: World, session: Session) -> None:
    _, task = world.ready_task()
    assert nexus.is_task(task.address, session=session) is True
    assert nexus.is_task(acct("stranger").address, session=session) is False
    assert nexus.is_response(task.address, session=session) is False


def test_admin_status_hooks(world: World, session: Session, deployment: Deployment) -> None:
    admin = key("admin")
    manager.grant_role("CONTROLLER", deployment.admin, signer=admin, session=session)
    source, task = world.ready_task()
    nexus.inactivate_source(source.address, signer=key("client"), session=session)
    nexus.set_source_status(source.address, SourceStatus.ACTIVE, signer=admin, session=session)
    assert source.get_status() is SourceStatus.ACTIVE
    nexus.set_task_status(task.address, TaskStatus.EXPIRED, signer=admin, session=session)
    assert task.get_status() is TaskStatus.EXPIRED


def test_set_response_status_and_emit_hook(
    world: World, session: Session, deployment: Deployment
) -> None:
    admin = key("admin")
    manager.grant_role("CONTROLLER", deployment.admin, signer=admin, session=session)
    source, task = world.ready_task()
    world.attempt(task)
    response = world.respond(task)
    nexus.set_response_status(
        response.address, ResponseStatus.CONFIRMED, signer=admin, session=session
    )
    assert response.is_confirmed() is True
    # emitTaskPublished for an address that is not a source of this deployment reverts, typed by name
    with pytest.raises(TxRevertError) as info:
        nexus.emit_task_published(
            task.address, acct("stranger").address, signer=admin, session=session
        )
    assert info.value.error_name == "UnknownSource"
    del source


def test_hooks_need_the_controller_role(world: World, session: Session) -> None:
    source, task = world.ready_task()
    with pytest.raises(TxRevertError) as info:
        nexus.set_task_status(
            task.address, TaskStatus.FINALIZED, signer=key("stranger"), session=session
        )
    assert info.value.error_name == "NotController"
    del source


def test_owner_setters(session: Session, deployment: Deployment) -> None:
    admin = key("admin")
    assert nexus.set_manager(deployment.manager, signer=admin, session=session).ok
    assert nexus.set_terminal(deployment.terminal, signer=admin, session=session).ok
    assert nexus.set_vault(deployment.vault, signer=admin, session=session).ok
    nexus.transfer_ownership(acct("stranger").address, signer=admin, session=session)
    assert nexus.get_owner(session=session) == acct("stranger").address
    nexus.renounce_ownership(signer=key("stranger"), session=session)
    assert nexus.get_owner(session=session) == ZERO_ADDRESS


def test_admin_writes_need_a_signer(session: Session) -> None:
    from ogpu.types import MissingSignerError

    with pytest.raises(MissingSignerError) as info:
        nexus.renounce_ownership(signer=None, session=session)  # type: ignore[arg-type]
    assert info.value.role is None
