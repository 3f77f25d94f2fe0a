"""ogpu.agent against anvil: register/unregister/attempt signed by the default agent of a master."""

from __future__ import annotations

import pytest
from client_helpers import task_info

from ogpu.agent import attempt, register_to, unregister_from
from ogpu.chain import Session
from ogpu.client import Source, publish_task
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import nexus
from ogpu.types import InvalidArgumentError, MissingSignerError, TaskStatus, TxRevertError


def test_register_attempt_unregister_with_env_fallback(
    cs: Session,
    source: Source,
    client_key: str,
    paired: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    provider, _ = paired
    with pytest.raises(MissingSignerError):
        register_to(source.address, provider, 1, session=cs)
    monkeypatch.setenv("AGENT_PRIVATE_KEY", dev_key("agent"))
    receipt = register_to(source.address, provider, 1, session=cs)
    assert receipt.ok and receipt.from_address == dev_account("agent").address
    assert source.get_registrants() == [provider]

    task = publish_task(task_info(source, cs), client_key, session=cs)
    receipt = attempt(task.address, provider, 5 * 10**15, session=cs)
    assert receipt.ok
    assert task.get_status() is TaskStatus.ATTEMPTED
    assert task.get_attempters() == [provider]

    unregister_from(source.address, provider, session=cs)
    assert source.get_registrants() == []


def test_agent_errors(cs: Session, source: Source, paired: tuple[str, str]) -> None:
    provider, _ = paired
    before = cs.w3.eth.get_transaction_count(dev_account("stranger").address)
    with pytest.raises(TxRevertError) as err:
        register_to(source.address, provider, 1, dev_key("stranger"), session=cs)
    assert err.value.error_name == "NotAgent"
    assert cs.w3.eth.get_transaction_count(dev_account("stranger").address) == before
    for env in (0, 3, 8, True):
        with pytest.raises(ValueError):
            register_to(source.address, provider, env, dev_key("agent"), session=cs)
    with pytest.raises(ValueError):
        attempt(source.address, provider, -1, dev_key("agent"), session=cs)
    # validated once, at the ABI boundary: the same error type as the protocol function
    with pytest.raises(InvalidArgumentError, match="suggestedPayment"):
        attempt(source.address, provider, 1.5, dev_key("agent"), session=cs)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="suggestedPayment"):
        nexus.attempt(source.address, provider, 1.5, signer=dev_key("agent"), session=cs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="'suggested'"):
        attempt(source.address, provider, 1, dev_key("agent"), session=cs, suggested=2)


def test_agent_register_needs_registration_env_in_mask(
    cs: Session, source: Source, paired: tuple[str, str]
) -> None:
    provider, _ = paired
    with pytest.raises(TxRevertError) as err:
        register_to(source.address, provider, 2, dev_key("agent"), session=cs)  # NVIDIA not offered
    assert err.value.error_name == "InvalidEnvironment"
