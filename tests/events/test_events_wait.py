"""Blocking waits on tasks and responses: success, progress callbacks, impossible states, timeouts."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from support.world import World, key

from ogpu.events import wait_for_confirmation, wait_for_response, wait_for_task_status
from ogpu.types import (
    DeliveryMethod,
    OGPUError,
    ResponseAlreadyConfirmedError,
    ResponseStatus,
    TaskAlreadyFinalizedError,
    TaskStatus,
    WaitTimeoutError,
)


def later(delay: float, fn: Any, *args: Any) -> threading.Thread:
    def go() -> None:
        time.sleep(delay)
        fn(*args)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    return t


def test_wait_for_status_times_out_with_the_last_state(lifecycle: Any) -> None:
    _, task = lifecycle.ready_task()
    seen: list[TaskStatus] = []
    t0 = time.monotonic()
    with pytest.raises(WaitTimeoutError) as info:
        wait_for_task_status(task, TaskStatus.FINALIZED, timeout=0.3, on_progress=seen.append)
    assert 0.3 <= time.monotonic() - t0 < 2.0
    assert info.value.last_state is TaskStatus.NEW
    assert isinstance(info.value, TimeoutError) and isinstance(info.value, OGPUError)
    assert seen == [TaskStatus.NEW]


def test_wait_for_status_reports_progress_until_reached(lifecycle: Any) -> None:
    _, task = lifecycle.ready_task()
    seen: list[TaskStatus] = []
    worker = later(0.3, lifecycle.attempt, task)
    status = wait_for_task_status(
        task, TaskStatus.ATTEMPTED, timeout=10, poll_interval=0.02, on_progress=seen.append
    )
    worker.join()
    assert status is TaskStatus.ATTEMPTED
    assert seen == [TaskStatus.NEW, TaskStatus.ATTEMPTED]


def test_wait_for_status_stops_when_the_state_cannot_happen(lifecycle: Any) -> None:
    _, task = lifecycle.ready_task()
    lifecycle.cancel(task)
    with pytest.raises(TaskAlreadyFinalizedError) as info:
        wait_for_task_status(task, TaskStatus.FINALIZED, timeout=5)
    assert info.value.status == TaskStatus.CANCELED
    # The default targets are the terminal states.
    assert wait_for_task_status(task, timeout=1) is TaskStatus.CANCELED


def test_wait_for_response_returns_the_submitted_response(lifecycle: Any) -> None:
    _, task = lifecycle.ready_task()
    lifecycle.attempt(task)
    box: list[Any] = []
    worker = later(0.2, lambda: box.append(lifecycle.respond(task)))
    response = wait_for_response(task, timeout=10, poll_interval=0.02)
    worker.join()
    assert response.address == box[0].address
    with pytest.raises(WaitTimeoutError) as info:
        wait_for_response(task, confirmed=True, timeout=0.2)
    assert info.value.last_state is TaskStatus.RESPONDED


def test_wait_for_response_on_canceled_task_raises(lifecycle: Any) -> None:
    _, task = lifecycle.ready_task()
    lifecycle.cancel(task)
    with pytest.raises(TaskAlreadyFinalizedError):
        wait_for_response(task, timeout=5)


def test_wait_for_confirmation(lifecycle: Any) -> None:
    _, task = lifecycle.ready_task()
    lifecycle.attempt(task)
    response = lifecycle.respond(task)
    with pytest.raises(WaitTimeoutError) as info:
        wait_for_confirmation(response, timeout=0.2)
    assert info.value.last_state is ResponseStatus.SUBMITTED
    seen: list[ResponseStatus] = []
    worker = later(0.2, lifecycle.confirm, response)
    assert wait_for_confirmation(response, timeout=10, on_progress=seen.append) == response
    worker.join()
    assert seen == [ResponseStatus.SUBMITTED, ResponseStatus.CONFIRMED]
    confirmed = wait_for_response(task, confirmed=True, timeout=1)
    assert confirmed.address == response.address


def test_wait_for_confirmation_of_a_losing_response_raises(lifecycle: Any) -> None:
    _, task = lifecycle.ready_task()
    lifecycle.attempt(task, "provider")
    lifecycle.attempt(task, "provider2")
    winner = lifecycle.respond(task, "provider")
    loser = lifecycle.respond(task, "provider2")
    lifecycle.confirm(winner)
    with pytest.raises(ResponseAlreadyConfirmedError):
        wait_for_confirmation(loser, timeout=5)
    assert wait_for_confirmation(winner, timeout=1) == winner


def test_instance_methods_wait_through_the_same_helpers(world: World) -> None:
    """``Task.wait_for_status``/``wait_for_response`` and ``Response.wait_for_confirmation``."""
    _, task = world.ready_task(DeliveryMethod.MANUAL_CONFIRMATION)
    world.attempt(task)
    submitted = world.respond(task)
    assert task.wait_for_status(TaskStatus.RESPONDED, timeout=10) is TaskStatus.RESPONDED
    assert task.wait_for_response(timeout=10) == submitted
    submitted.confirm(signer=key("client"))
    assert submitted.wait_for_confirmation(timeout=10) == submitted
    assert task.wait_for_status(timeout=10) is TaskStatus.FINALIZED
