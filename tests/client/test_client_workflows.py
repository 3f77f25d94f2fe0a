"""ogpu.client against anvil + the devnet IPFS store: every workflow and its documented errors."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from client_helpers import COMPOSE, ETH, now, source_info, task_info
from eth_account import Account
from support.world import network_from_deployment

import ogpu.client as client
from ogpu.chain import Session
from ogpu.client import (
    PendingPublish,
    Response,
    Source,
    Task,
    cancel_task,
    confirm_response,
    get_task_responses,
    inactivate_source,
    publish_source,
    publish_task,
    set_agent,
    update_source,
    wait_all,
)
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import controller, nexus, terminal, vault
from ogpu.types import (
    DeliveryMethod,
    DryRunResult,
    Environment,
    InsufficientBalanceError,
    IPFSGatewayError,
    MissingSignerError,
    NotSourceOwnerError,
    NotTaskOwnerError,
    PublishTimeoutError,
    ResponseAlreadyConfirmedError,
    ResponseParams,
    SourceInactiveError,
    SourceNotFoundError,
    SourceStatus,
    TaskAlreadyFinalizedError,
    TaskExpiredError,
    TaskStatus,
    TxRevertError,
)

STRANGER = dev_account("stranger")


def nonce(cs: Session, address: str) -> int:
    return int(cs.w3.eth.get_transaction_count(address, "pending"))


class Unchanged:
    """Asserts that a block sends no transaction from ``address`` and uploads at most ``pins``
    objects (``publish_task`` uploads its config while the chain checks it: a task the chain
    refuses may leave its config pinned)."""

    def __init__(
        self, cs: Session, address: str, uploads: Callable[[], int], pins: int = 0
    ) -> None:
        self.cs, self.address, self.uploads, self.pins = cs, address, uploads, pins

    def __enter__(self) -> Unchanged:
        self.nonce, self.count = nonce(self.cs, self.address), self.uploads()
        return self

    def __exit__(self, *exc: object) -> None:
        assert nonce(self.cs, self.address) == self.nonce, "a transaction was sent"
        assert self.uploads() - self.count <= self.pins, "something was uploaded"


# ---------------------------------------------------------------------------------- surface


def test_public_surface() -> None:
    expected = {
        "publish_source",
        "publish_task",
        "get_task_responses",
        "confirm_response",
        "cancel_task",
        "update_source",
        "inactivate_source",
        "set_agent",
        "SourceInfo",
        "TaskInfo",
        "TaskInput",
        "SourceMetadata",
        "ImageEnvironments",
        "DeliveryMethod",
        "Environment",
        "combine_environments",
        "environment_names",
        "parse_environments",
        "Source",
        "Task",
        "Response",
        "PendingPublish",
        "wait_all",
        "run_job",
        "Job",
    }
    assert set(client.__all__) == expected
    for name in expected:
        assert getattr(client, name) is not None


# ---------------------------------------------------------------------------------- publish_source


def test_publish_source_returns_live_source(cs: Session, client_key: str, client_addr: str) -> None:
    info = source_info(
        imageEnvs=client.ImageEnvironments(
            cpu=COMPOSE, amd="ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"
        ),
        deliveryMethod=DeliveryMethod.FIRST_RESPONSE,
    )
    source = publish_source(info, client_key, session=cs)
    assert isinstance(source, Source)
    snap = source.snapshot()
    assert snap.client == client_addr
    assert snap.status is SourceStatus.ACTIVE
    assert snap.params.imageEnvironments == Environment.CPU | Environment.AMD == 5
    assert snap.params.minPayment == info.minPayment
    assert snap.params.maxExpiryDuration == 3600
    assert snap.params.deliveryMethod == DeliveryMethod.FIRST_RESPONSE
    assert snap.params.lastUpdateTime == cs.timestamp("latest")
    assert cs.ipfs.fetch_json(snap.params.imageMetadataUrl) == info.metadata().to_dict()
    assert nexus.get_sources(session=cs)[-1] == source.address


def test_publish_source_accepts_local_account_and_signer_keyword(
    cs: Session, uploads: Callable[[], int]
) -> None:
    account = Account.from_key(dev_key("client2"))
    s1 = publish_source(source_info(name="a"), account, session=cs)
    s2 = publish_source(source_info(name="b"), signer=dev_key("client2"), session=cs)
    assert s1.get_client() == s2.get_client() == account.address


def test_publish_source_dry_run_sends_and_uploads_nothing(
    cs: Session, client_key: str, client_addr: str, uploads: Callable[[], int]
) -> None:
    with Unchanged(cs, client_addr, uploads):
        result = publish_source(source_info(name="dry"), client_key, session=cs, dry_run=True)
    assert isinstance(result, DryRunResult)
    assert result.gas > 0 and result.sender == client_addr


def test_publish_source_wait_false(cs: Session, client_key: str) -> None:
    pending = publish_source(source_info(), client_key, session=cs, wait=False)
    assert isinstance(pending, PendingPublish)
    assert pending.tx_hash.startswith("0x") and len(pending.tx_hash) == 66
    source = pending.wait(30)
    assert source.get_status() is SourceStatus.ACTIVE
    assert pending.done


def test_publish_source_ipfs_gateway_error_sends_nothing(
    anvil: Any, deployment: Any, ipfs_store: Any, client_key: str, client_addr: str
) -> None:
    net = network_from_deployment(
        deployment, anvil.url, store_url=ipfs_store.url, dev_keys=False
    ).replace(pinning_url=f"{ipfs_store.url}/no-such-endpoint")
    s = Session(net)
    before = nonce(s, client_addr)
    with pytest.raises(IPFSGatewayError) as info:
        publish_source(source_info(), client_key, session=s)
    assert info.value.status_code == 404
    assert nonce(s, client_addr) == before


# ---------------------------------------------------------------------------------- signer resolution


def test_missing_signer(
    cs: Session, funded: int, source: Source, uploads: Callable[[], int]
) -> None:
    with Unchanged(cs, dev_account("client").address, uploads), pytest.raises(MissingSignerError):
        publish_task(task_info(source, cs), session=cs)
    with pytest.raises(MissingSignerError):
        publish_source(source_info(), session=cs)
    with pytest.raises(MissingSignerError):
        cancel_task(source.address, session=cs)


def test_env_key_and_devnet_key_fallback(
    cs: Session,
    source: Source,
    anvil: Any,
    deployment: Any,
    ipfs_store: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CLIENT_PRIVATE_KEY", dev_key("client"))
    task = publish_task(task_info(source, cs), session=cs)
    assert task.get_source() == source
    monkeypatch.delenv("CLIENT_PRIVATE_KEY")
    dev = Session(network_from_deployment(deployment, anvil.url, store_url=ipfs_store.url))
    task2 = publish_task(task_info(source, dev, payment=2 * 10**16), session=dev)
    assert task2.get_payment() == 2 * 10**16


def test_keyword_checks(cs: Session, source: Source, client_key: str) -> None:
    with pytest.raises(TypeError, match="'paymnet'"):
        publish_task(task_info(source, cs), client_key, session=cs, paymnet=1)
    with pytest.raises(TypeError, match="'wait'"):
        cancel_task(source.address, client_key, session=cs, wait=False)
    with pytest.raises(TypeError, match="both private_key and signer"):
        publish_task(task_info(source, cs), client_key, signer=dev_key("client2"), session=cs)


def test_official_keywords_warn_and_are_honoured(
    cs: Session, source: Source, client_key: str, client_addr: str, uploads: Callable[[], int]
) -> None:
    with pytest.warns(DeprecationWarning, match="ipfs_timeout"):
        task = publish_task(
            task_info(source, cs),
            client_key,
            session=cs,
            ipfs_timeout=5,
            ipfs_retries=0,
            ipfs_backoff=0.1,
            receipt_timeout=30,
        )
    assert task.get_status() is TaskStatus.NEW
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with Unchanged(cs, client_addr, uploads), pytest.raises(PublishTimeoutError) as err:
            publish_task(
                task_info(source, cs, payment=3 * 10**16), client_key, session=cs, total_timeout=0
            )
    assert err.value.budget == 0


# ---------------------------------------------------------------------------------- publish_task


def test_publish_task_returns_live_task(
    cs: Session, source: Source, client_key: str, client_addr: str
) -> None:
    info = task_info(source, cs)
    balance = vault.get_balance_of(client_addr, session=cs)
    task = publish_task(info, client_key, session=cs)
    assert isinstance(task, Task)
    snap = task.snapshot()
    assert snap.status is TaskStatus.NEW
    assert snap.source == source.address
    assert snap.payment == info.payment and snap.expiry_time == info.expiryTime
    assert cs.ipfs.fetch_json(snap.params.config) == {
        "function_name": "analyze",
        "data": {"text": "great"},
        "priority": 1,
    }
    assert vault.get_balance_of(client_addr, session=cs) == balance - info.payment
    assert source.get_tasks() == [task]


def test_publish_task_by_agent_of_the_client(cs: Session, source: Source, client_key: str) -> None:
    agent = dev_account("client2")
    tx = set_agent(agent.address, True, client_key, session=cs)
    assert tx.startswith("0x") and len(tx) == 66
    assert terminal.is_agent_of(dev_account("client").address, agent.address, session=cs)
    task = publish_task(task_info(source, cs), dev_key("client2"), session=cs)
    assert task.get_source() == source


@pytest.mark.parametrize(
    "case",
    [
        "unknown_source",
        "inactive",
        "stranger",
        "expired",
        "expires_next_block",
        "too_long",
        "underpaid",
        "unfunded",
    ],
)
def test_publish_task_prechecks(
    case: str, cs: Session, source: Source, client_key: str, uploads: Callable[[], int]
) -> None:
    signer = client_key
    info = task_info(source, cs)
    t = now(cs)
    if case == "unknown_source":
        info = task_info(STRANGER.address, cs)
    elif case == "inactive":
        inactivate_source(source, client_key, session=cs)
    elif case == "stranger":
        signer = dev_key("stranger")
    elif case == "expired":
        info = task_info(source, cs, expiryTime=t)
    elif case == "expires_next_block":  # would revert when mined (block.timestamp >= t + 1)
        info = task_info(source, cs, expiryTime=t + 1)
    elif case == "too_long":
        info = task_info(source, cs, expiryTime=t + 3601)
    elif case == "underpaid":
        info = task_info(source, cs, payment=10**15 - 1)
    elif case == "unfunded":
        info = task_info(source, cs, payment=ETH + 1)
    sender = Account.from_key(signer).address
    with Unchanged(cs, sender, uploads, pins=1), pytest.raises(Exception) as caught:
        publish_task(info, signer, session=cs)
    err = caught.value
    if case == "unknown_source":
        assert isinstance(err, SourceNotFoundError) and err.address == STRANGER.address
    elif case == "inactive":
        assert isinstance(err, SourceInactiveError) and err.source == source.address
    elif case == "stranger":
        assert isinstance(err, NotSourceOwnerError)
        assert (err.source, err.caller) == (source.address, STRANGER.address)
    elif case == "expired":
        assert isinstance(err, TaskExpiredError) and err.expiry == t
        assert err.task == "(not published)"
    elif case == "expires_next_block":
        assert isinstance(err, TaskExpiredError) and err.expiry == t + 1
    elif case == "too_long":
        assert isinstance(err, TxRevertError) and err.error_name == "ExpiryTooLong"
        assert err.error_args == {"expiryTime": t + 3601, "latestAllowed": t + 3600}
    elif case == "underpaid":
        assert isinstance(err, TxRevertError) and err.error_name == "InsufficientPayment"
        assert err.error_args == {"payment": 10**15 - 1, "minPayment": 10**15}
    elif case == "unfunded":
        assert isinstance(err, InsufficientBalanceError)
        assert (err.required, err.available) == (ETH + 1, ETH)


def test_publish_task_simulation_agrees_with_prechecks(
    cs: Session, source: Source, client_key: str
) -> None:
    """Without the pre-check the chain raises the same typed errors (simulated, not sent)."""
    from ogpu.types import TaskParams

    params = TaskParams(source.address, "ipfs://x", now(cs) + 600, ETH + 1)
    with pytest.raises(InsufficientBalanceError) as err:
        controller.publish_task(
            params, signer=client_key, session=cs, context="Controller.publishTask(source)"
        )
    assert (err.value.required, err.value.available) == (ETH + 1, ETH)
    params = TaskParams(source.address, "ipfs://x", now(cs) + 600, 10**16)
    with pytest.raises(NotSourceOwnerError):
        controller.publish_task(
            params, signer=dev_key("stranger"), session=cs, context="Controller.publishTask(source)"
        )


def test_publish_task_wait_false_and_wait_all(cs: Session, source: Source, client_key: str) -> None:
    pending = [
        publish_task(task_info(source, cs, payment=10**16 + i), client_key, session=cs, wait=False)
        for i in range(5)
    ]
    tasks = wait_all(pending, timeout=30)
    assert [t.get_payment() for t in tasks] == [10**16 + i for i in range(5)]
    assert len(set(tasks)) == 5


def test_publish_task_dry_run(
    cs: Session, source: Source, client_key: str, client_addr: str, uploads: Callable[[], int]
) -> None:
    with Unchanged(cs, client_addr, uploads):
        result = publish_task(task_info(source, cs), client_key, session=cs, dry_run=True)
    assert isinstance(result, DryRunResult) and result.gas > 0


# ---------------------------------------------------------------------------------- responses


def _respond(cs: Session, task: Task, provider: str, data: dict[str, Any], payment: int) -> str:
    url = cs.ipfs.publish(data, "response.json")
    receipt = nexus.submit_response(
        ResponseParams(task.address, provider, url, payment), signer=dev_key("provider"), session=cs
    )
    return nexus.extract_response_address(receipt, session=cs)


def test_responses_confirm_and_errors(
    cs: Session, source: Source, client_key: str, client_addr: str, paired: tuple[str, str]
) -> None:
    from ogpu.agent import attempt, register_to

    provider, _master = paired
    register_to(source.address, provider, 1, dev_key("agent"), session=cs)
    task = publish_task(task_info(source, cs), client_key, session=cs)
    assert get_task_responses(task.address, session=cs) == []
    attempt(task.address, provider, 8 * 10**15, dev_key("agent"), session=cs)
    response_address = _respond(cs, task, provider, {"result": "positive"}, 8 * 10**15)

    responses = get_task_responses(task.address, session=cs)
    assert responses == [Response(response_address, cs)]
    assert responses[0].fetch_data() == {"result": "positive"}
    assert get_task_responses(task.address, 1, None, session=cs) == []

    with pytest.raises(NotTaskOwnerError):
        confirm_response(response_address, dev_key("stranger"), session=cs)
    with pytest.raises(TaskAlreadyFinalizedError):
        cancel_task(task, client_key, session=cs)  # attempted, not overdue

    before = vault.get_balance_of(client_addr, session=cs)
    tx = confirm_response(response_address, client_key, session=cs)
    assert tx.startswith("0x") and len(tx) == 66
    assert cs.w3.eth.get_transaction_receipt(tx)["status"] == 1
    assert task.get_status() is TaskStatus.FINALIZED
    assert task.get_winning_provider() == provider
    assert vault.get_balance_of(client_addr, session=cs) == before + 10**16 - 8 * 10**15

    with pytest.raises(ResponseAlreadyConfirmedError) as err:
        confirm_response(response_address, client_key, session=cs)
    assert err.value.response == response_address


# ---------------------------------------------------------------------------------- cancel


def test_cancel_task(cs: Session, source: Source, client_key: str, client_addr: str) -> None:
    task = publish_task(task_info(source, cs), client_key, session=cs)
    with pytest.raises(NotTaskOwnerError) as err:
        cancel_task(task, dev_key("stranger"), session=cs)
    assert err.value.caller == STRANGER.address
    balance = vault.get_balance_of(client_addr, session=cs)
    receipt = cancel_task(task.address, client_key, session=cs)
    assert receipt.ok and receipt.tx_hash.startswith("0x")
    assert task.get_status() is TaskStatus.CANCELED
    assert vault.get_balance_of(client_addr, session=cs) == balance + 10**16
    with pytest.raises(TaskAlreadyFinalizedError):
        cancel_task(task, client_key, session=cs)


def test_cancel_overdue_then_expired(
    cs: Session, anvil: Any, source: Source, client_key: str, paired: tuple[str, str]
) -> None:
    from ogpu.agent import attempt, register_to

    provider, _ = paired
    register_to(source.address, provider, 1, dev_key("agent"), session=cs)
    task = publish_task(task_info(source, cs, expiryTime=now(cs) + 60), client_key, session=cs)
    attempt(task.address, provider, 10**16, dev_key("agent"), session=cs)
    anvil.rpc("evm_increaseTime", [120])
    anvil.rpc("evm_mine")
    cancel_task(task, client_key, session=cs)
    assert task.get_status() is TaskStatus.EXPIRED
    with pytest.raises(TaskExpiredError) as err:
        cancel_task(task, client_key, session=cs)
    assert err.value.expiry == task.get_expiry_time()


# ---------------------------------------------------------------------------------- sources


def test_update_source(
    cs: Session, source: Source, client_key: str, uploads: Callable[[], int]
) -> None:
    new = source_info(
        description="v2", minPayment=5 * 10**15, imageEnvs=client.ImageEnvironments(nvidia=COMPOSE)
    )
    receipt = update_source(source, new, client_key, session=cs)
    assert receipt.ok
    params = source.get_params()
    assert params.minPayment == 5 * 10**15 and params.imageEnvironments == 2
    assert cs.ipfs.fetch_json(params.imageMetadataUrl)["description"] == "v2"

    with Unchanged(cs, STRANGER.address, uploads), pytest.raises(NotSourceOwnerError):
        update_source(
            source.address, source_info(description="v3"), dev_key("stranger"), session=cs
        )
    with Unchanged(cs, dev_account("client").address, uploads), pytest.raises(SourceNotFoundError):
        update_source(STRANGER.address, source_info(description="v4"), client_key, session=cs)


def test_update_source_dry_run_sends_and_uploads_nothing(
    cs: Session, source: Source, client_key: str, uploads: Callable[[], int]
) -> None:
    before = source.get_params()
    new = source_info(description="v2", minPayment=5 * 10**15)
    with Unchanged(cs, dev_account("client").address, uploads):
        result = update_source(source, new, client_key, session=cs, dry_run=True)
    assert isinstance(result, DryRunResult) and result.gas > 0
    assert source.get_params() == before
    receipt = update_source(source, new, client_key, session=cs)
    assert receipt.ok and source.get_params().minPayment == 5 * 10**15
    with Unchanged(cs, STRANGER.address, uploads), pytest.raises(NotSourceOwnerError):
        update_source(source, new, dev_key("stranger"), session=cs, dry_run=True)


def test_update_source_by_agent(cs: Session, source: Source, client_key: str) -> None:
    set_agent(dev_account("client2").address, True, client_key, session=cs)
    update_source(source, source_info(description="by agent"), dev_key("client2"), session=cs)
    assert source.get_client() == dev_account("client").address
    assert cs.ipfs.fetch_json(source.get_params().imageMetadataUrl)["description"] == "by agent"


def test_inactivate_source(cs: Session, source: Source, client_key: str) -> None:
    with pytest.raises(NotSourceOwnerError):
        inactivate_source(source, dev_key("stranger"), session=cs)
    receipt = inactivate_source(source.address, client_key, session=cs)
    assert receipt.ok
    assert source.get_status() is SourceStatus.INACTIVE
    with pytest.raises(SourceInactiveError):
        inactivate_source(source, client_key, session=cs)


def test_set_agent_revoke(cs: Session, client_key: str) -> None:
    agent = dev_account("client2").address
    set_agent(agent, True, client_key, session=cs)
    set_agent(agent, False, client_key, session=cs)
    assert not terminal.is_agent_of(dev_account("client").address, agent, session=cs)
    with pytest.raises(TypeError):
        set_agent(agent, 1, client_key, session=cs)  # type: ignore[arg-type]


def test_store_health_reachable(ipfs_store: Any) -> None:
    assert httpx.get(f"{ipfs_store.url}/health", timeout=5).json()["status"] == "ok"


def test_publish_task_ipfs_unreachable_sends_nothing(
    anvil: Any, deployment: Any, ipfs_store: Any, source: Source, client_key: str, client_addr: str
) -> None:
    import socket

    from ogpu.ipfs import IPFSClient, PinningBackend
    from ogpu.types import IPFSFetchError

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    ipfs = IPFSClient(PinningBackend(f"{dead}/file/create"), gateway=dead, retries=0, timeout=2)
    s = Session(
        network_from_deployment(deployment, anvil.url, store_url=ipfs_store.url, dev_keys=False),
        ipfs=ipfs,
    )
    before = nonce(s, client_addr)
    with pytest.raises(IPFSFetchError):
        publish_task(task_info(source, s), client_key, session=s)
    assert nonce(s, client_addr) == before


def test_publish_source_simulated_before_upload(
    cs: Session, client_key: str, client_addr: str, uploads: Callable[[], int]
) -> None:
    """A revert the input checks cannot see (stake floor) is found by simulation, before upload."""
    from ogpu.types import InsufficientLockupError

    vault.set_min_lockup_per_source(10**18, signer=dev_key("admin"), session=cs)
    with Unchanged(cs, client_addr, uploads), pytest.raises(InsufficientLockupError) as err:
        publish_source(source_info(name="needs stake"), client_key, session=cs)
    assert (err.value.required, err.value.available) == (10**18, 0)


def test_publish_task_from_threads_one_key(cs: Session, source: Source, client_key: str) -> None:
    from concurrent.futures import ThreadPoolExecutor

    infos = [task_info(source, cs, payment=10**16 + i) for i in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        tasks = list(pool.map(lambda i: publish_task(i, client_key, session=cs), infos))
    assert sorted(t.get_payment() for t in tasks) == [10**16 + i for i in range(8)]
    assert source.get_task_count() == 8


def test_budget_keyword(cs: Session, source: Source, client_key: str) -> None:
    task = publish_task(task_info(source, cs), client_key, session=cs, budget=60, timeout=30)
    assert task.get_status() is TaskStatus.NEW
    with pytest.raises(TypeError, match="budget"):
        publish_task(task_info(source, cs), client_key, session=cs, budget=-1)
