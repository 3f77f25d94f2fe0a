"""ogpu.protocol.controller against the real contracts on anvil."""

from __future__ import annotations

import time

import pytest
from support.world import RpcCounter, World, acct, key

from ogpu.chain.session import Session, use_session
from ogpu.devnet.deploy import Deployment
from ogpu.protocol import ZERO_ADDRESS, Task, controller, vault
from ogpu.types import (
    DeliveryMethod,
    InsufficientBalanceError,
    NotTaskOwnerError,
    PublishTimeoutError,
    ResponseAlreadyConfirmedError,
    TaskAlreadyFinalizedError,
    TaskParams,
    TaskStatus,
)


def test_publish_task_escrows_payment(world: World, session: Session) -> None:
    source = world.publish_source()
    world.fund(amount=10**17)
    params = TaskParams(
        source.address, "https://cfg.test/t.json", session.timestamp() + 600, 10**16
    )
    receipt = controller.publish_task(params, signer=key("client"), session=session)
    task = Task(controller.extract_task_address(receipt, session=session), session)
    assert task.get_params() == params
    assert task.get_status() is TaskStatus.NEW
    assert vault.get_frozen_payment(task.address, session=session) == 10**16
    assert vault.get_balance_of(acct("client").address, session=session) == 9 * 10**16


def test_publish_task_takes_the_official_timeout_keywords(
    world: World, session: Session, rpc_counter: RpcCounter
) -> None:
    source = world.publish_source()
    world.fund(amount=10**17)
    params = TaskParams(
        source.address, "https://cfg.test/t.json", session.timestamp() + 600, 10**16
    )
    rpc_counter.reset()
    with pytest.raises(PublishTimeoutError) as info:  # deadline already passed: nothing is sent
        controller.publish_task(
            params, signer=key("client"), session=session, deadline=time.monotonic() - 1, budget=5
        )
    assert info.value.budget == 5 and rpc_counter.round_trips == 0
    with pytest.raises(TypeError, match="tiemout"):  # a misspelt keyword never goes unnoticed
        controller.publish_task(params, signer=key("client"), session=session, tiemout=3)  # type: ignore[call-arg]
    assert rpc_counter.round_trips == 0
    receipt = controller.publish_task(
        params,
        signer=key("client"),
        session=session,
        receipt_timeout=30,
        deadline=time.monotonic() + 60,
    )
    assert receipt.ok and controller.extract_task_address(receipt, session=session)


def test_publish_task_without_balance_is_typed(world: World, session: Session) -> None:
    source = world.publish_source()
    params = TaskParams(
        source.address, "https://cfg.test/t.json", session.timestamp() + 600, 10**16
    )
    with pytest.raises(InsufficientBalanceError) as info:
        controller.publish_task(params, signer=key("client"), session=session)
    assert info.value.required == 10**16 and info.value.available == 0


def test_extract_task_address_without_event(session: Session) -> None:
    receipt = vault.deposit(acct("client").address, 1, signer=key("client"), session=session)
    with pytest.raises(ValueError, match="TaskPublished"):
        controller.extract_task_address(receipt, session=session)


def test_cancel_task_then_again(world: World, session: Session) -> None:
    _, task = world.ready_task()
    # signer=None: CLIENT role fallback
    assert controller.cancel_task(task.address, session=session).ok
    assert task.get_status() is TaskStatus.CANCELED
    assert vault.get_balance_of(acct("client").address, session=session) == 10**18
    with pytest.raises(TaskAlreadyFinalizedError):
        controller.cancel_task(task.address, signer=key("client"), session=session)


def test_cancel_by_stranger_is_typed(world: World, session: Session) -> None:
    _, task = world.ready_task()
    with pytest.raises(NotTaskOwnerError):
        controller.cancel_task(task.address, signer=key("stranger"), session=session)


def test_confirm_response_pays_the_master(world: World, session: Session) -> None:
    _, task = world.ready_task()
    world.attempt(task, bid=6 * 10**15)
    response = world.respond(task, payment=6 * 10**15)
    controller.confirm_response(response.address, signer=key("client"), session=session)
    assert task.get_status() is TaskStatus.FINALIZED
    assert task.get_winning_provider() == acct("provider").address
    assert vault.get_balance_of(acct("master").address, session=session) == 6 * 10**15
    assert vault.get_balance_of(acct("client").address, session=session) == 10**18 - 6 * 10**15


def test_confirm_first_response_is_already_confirmed(world: World, session: Session) -> None:
    _, task = world.ready_task(delivery=DeliveryMethod.FIRST_RESPONSE)
    world.attempt(task)
    response = world.respond(task)
    assert task.get_status() is TaskStatus.FINALIZED
    with pytest.raises(ResponseAlreadyConfirmedError):
        controller.confirm_response(response.address, signer=key("client"), session=session)


def test_views_and_owner_setters(session: Session, deployment: Deployment) -> None:
    assert controller.get_nexus(session=session) == deployment.nexus
    assert controller.get_terminal(session=session) == deployment.terminal
    assert controller.get_vault(session=session) == deployment.vault
    assert controller.get_owner(session=session) == deployment.admin
    assert controller.get_task_implementation(session=session) == deployment.task_implementation
    admin = key("admin")
    assert controller.set_nexus(deployment.nexus, signer=admin, session=session).ok
    assert controller.set_terminal(deployment.terminal, signer=admin, session=session).ok
    assert controller.set_vault(deployment.vault, signer=admin, session=session).ok
    controller.transfer_ownership(acct("stranger").address, signer=admin, session=session)
    assert controller.get_owner(session=session) == acct("stranger").address
    controller.renounce_ownership(signer=key("stranger"), session=session)
    assert controller.get_owner(session=session) == ZERO_ADDRESS


def test_instance_classes_take_the_official_chain_argument(session: Session) -> None:
    from ogpu.chain.config import ChainId
    from ogpu.protocol import Source

    addr = session.address_of("Nexus")
    assert Task(addr, session).session is session
    assert Task(addr, session=session).session is session
    assert Source(addr, chain=session).session is session
    with use_session(session):
        assert Task(addr).session is session
        assert Task(addr, ChainId.DEVNET).session is session  # the current session's chain
    with pytest.raises(TypeError):
        Task(addr, chain=3.5)
