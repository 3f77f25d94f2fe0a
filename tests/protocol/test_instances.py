"""Source, Task, Response, Provider and Master against the real contracts on anvil."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from eth_account import Account
from eth_utils.crypto import keccak
from support.world import ETH, RpcCounter, World, acct, key, make_session

import ogpu.protocol._base as base
from ogpu.chain.networks import Network
from ogpu.chain.session import Session
from ogpu.devnet.deploy import Deployment
from ogpu.devnet.node import AnvilNode
from ogpu.ipfs.client import IPFSClient
from ogpu.protocol import (
    ZERO_ADDRESS,
    Master,
    Provider,
    Response,
    Source,
    Task,
    nexus,
    terminal,
)
from ogpu.types import (
    DeliveryMethod,
    Environment,
    MasterNotFoundError,
    MasterSnapshot,
    MissingSignerError,
    ProviderNotFoundError,
    ProviderSnapshot,
    ResponseNotFoundError,
    ResponseParams,
    ResponseSnapshot,
    ResponseStatus,
    SourceNotFoundError,
    SourceSnapshot,
    SourceStatus,
    TaskNotFoundError,
    TaskParams,
    TaskSnapshot,
    TaskStatus,
)

ADDR = "0x5fbdb2315678afecb367f032d93f642f64180aa3"

# --------------------------------------------------------------------------------------------
# Identity: no I/O


def test_identity_does_no_io(session: Session, rpc_counter: RpcCounter) -> None:
    a, b = Task(ADDR, session), Task(ADDR.upper().replace("0X", "0x"), session)
    assert a.address == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert str(a) == a.address
    assert repr(a) == "<Task 0x5FbDB2...0aa3 @devnet>"
    assert a != Source(ADDR, session)  # same address, other kind
    assert a != ADDR
    for cls in (Source, Response, Provider, Master):
        obj = cls(ADDR, session)
        assert repr(obj).startswith(f"<{cls.__name__} 0x5FbDB2") and str(obj) == a.address
    assert rpc_counter.round_trips == 0


def test_identity_includes_the_chain(session: Session) -> None:
    other_chain = Session(
        Network(
            name="other",
            chain_id=999,
            rpc_url="http://127.0.0.1:1",
            addresses=session.network.addresses,
        )
    )
    assert Task(ADDR, session) != Task(ADDR, other_chain)
    assert repr(Task(ADDR, other_chain)).endswith("@other>")


def test_invalid_address_is_rejected(session: Session) -> None:
    with pytest.raises(ValueError, match="Task address"):
        Task("0x1234", session)


# --------------------------------------------------------------------------------------------
# load()


def test_load_errors(world: World, session: Session) -> None:
    source, task = world.ready_task()
    stranger = acct("stranger").address
    with pytest.raises(SourceNotFoundError) as info:
        Source.load(stranger, session)
    assert info.value.address == stranger
    with pytest.raises(SourceNotFoundError):
        Source.load(task.address, session)
    with pytest.raises(TaskNotFoundError):
        Task.load(stranger, session)
    with pytest.raises(TaskNotFoundError):
        Task.load(source.address, session)
    with pytest.raises(ResponseNotFoundError):
        Response.load(task.address, session)
    with pytest.raises(ProviderNotFoundError):
        Provider.load(stranger, session)
    with pytest.raises(MasterNotFoundError):
        Master.load(stranger, session)


def test_load_happy(world: World, session: Session) -> None:
    source, task = world.ready_task()
    world.attempt(task)
    response = world.respond(task)
    assert Source.load(source.address, session) == source
    assert Task.load(task.address, session) == task
    assert Response.load(response.address, session) == response
    assert Provider.load(acct("provider").address, session).address == acct("provider").address
    assert Master.load(acct("master").address, session).address == acct("master").address


def test_load_falls_back_to_ownership_without_registry_views(
    world: World, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On deployments without Nexus.isTask (official contracts) membership is ``owner() == Nexus``."""
    _, task = world.ready_task()
    import ogpu.protocol._membership as membership

    real_call = membership.call

    def without_registry(
        s: Session, contract: str, function: str, *args: object, **kw: object
    ) -> object:
        if function in ("isTask", "isResponse"):
            # a selector Nexus does not have: the call reverts like on the official contracts
            return real_call(s, "Task", "getSource", address=s.address_of("Nexus"))
        return real_call(s, contract, function, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(membership, "call", without_registry)
    assert Task.load(task.address, session) == task
    with pytest.raises(TaskNotFoundError):
        Task.load(acct("stranger").address, session)


# --------------------------------------------------------------------------------------------
# Source


def test_source_reads(world: World, session: Session, rpc_counter: RpcCounter) -> None:
    source, task = world.ready_task(providers=("provider", "provider2"))
    client = acct("client").address
    assert source.get_client() == client
    assert source.get_status() is SourceStatus.ACTIVE
    assert source.get_params().client == client
    assert source.get_task_count() == 1
    assert source.get_tasks() == [task] and isinstance(source.get_tasks()[0], Task)
    assert source.get_task_at(0) == task
    assert source.get_registrant_count() == 2
    assert source.get_registrants() == [acct("provider").address, acct("provider2").address]
    assert source.get_registrants(1) == [acct("provider2").address]
    assert source.get_registrant_at(1) == acct("provider2").address
    assert source.get_registrant_id(acct("provider2").address) == 2
    assert source.get_preferred_environment_of(acct("provider").address) is Environment.CPU
    assert source.get_preferred_environment_of(acct("stranger").address) == Environment(0)
    assert source.get_owner() == session.address_of("Nexus")
    assert source.get_nexus() == session.address_of("Nexus")

    rpc_counter.reset()
    snap = source.snapshot()
    assert rpc_counter.round_trips == 1
    assert isinstance(snap, SourceSnapshot)
    assert (snap.client, snap.status, snap.task_count, snap.registrant_count) == (
        client,
        SourceStatus.ACTIVE,
        1,
        2,
    )
    assert snap.params == source.get_params()
    assert snap.block_number == session.block_number()


def test_source_pagination_drops_holes(world: World, session: Session) -> None:
    world.pair()
    world.pair("provider2", "master2")
    source = world.publish_source()
    world.register(source, "provider")
    world.register(source, "provider2")
    nexus.unregister(
        source.address, acct("provider").address, signer=key("provider"), session=session
    )
    assert source.get_registrants() == [acct("provider2").address]
    assert source.get_registrants(0, 1) == []  # only the hole
    assert source.get_registrants(5, 9) == []


def test_source_writes(world: World, session: Session, deployment: Deployment) -> None:
    source = world.publish_source()
    source.set_params(world.source_params(minPayment=3), signer=key("client"))
    assert source.get_params().minPayment == 3
    with pytest.raises(MissingSignerError):
        source.set_status(SourceStatus.ACTIVE)  # admin route needs an explicit signer
    source.set_status(SourceStatus.INACTIVE)  # Nexus.inactivateSource, CLIENT fallback
    assert source.get_status() is SourceStatus.INACTIVE
    source.set_status(SourceStatus.ACTIVE, signer=key("admin"))  # Nexus owner: admin route
    assert source.get_status() is SourceStatus.ACTIVE
    source.inactivate(signer=key("client"))
    assert source.get_status() is SourceStatus.INACTIVE


# --------------------------------------------------------------------------------------------
# Task


def test_task_reads(world: World, session: Session, rpc_counter: RpcCounter) -> None:
    source, task = world.ready_task(providers=("provider", "provider2"))
    p1, p2 = acct("provider").address, acct("provider2").address
    params = task.get_params()
    assert isinstance(params, TaskParams) and params.source == source.address
    assert task.get_source() == source
    assert task.get_status() is TaskStatus.NEW
    assert task.get_payment() == 10**16
    assert task.get_expiry_time() == params.expiryTime
    assert task.get_delivery_method() is DeliveryMethod.MANUAL_CONFIRMATION
    assert task.get_response_of(p1) is None
    assert task.get_winning_provider() is None
    assert task.get_confirmed_response() is None
    assert task.get_responses() == []
    assert task.get_attempters() == []
    assert task.get_owner() == session.address_of("Nexus")

    world.attempt(task, "provider")
    world.attempt(task, "provider2")
    r2 = world.respond(task, "provider2", data="https://data.test/two.json")
    assert task.get_attempt_count() == 2
    assert task.get_attempters() == [p1, p2]
    assert task.get_attempters(1, 2) == [p2]
    assert task.get_attempter_at(0) == p1
    assert task.get_attempter_id(p2) == 2
    stamps = task.get_attempt_timestamps()
    assert len(stamps) == 2 and all(isinstance(t, int) and t > 0 for t in stamps)
    assert task.get_attempt_timestamp_at(1) == stamps[1]
    assert task.get_response_of(p2) == r2
    assert task.get_responses() == [r2]  # p1 has not responded: skipped
    assert task.is_already_submitted(keccak(text="https://data.test/two.json")) is True
    assert task.is_already_submitted(keccak(text="other")) is False

    rpc_counter.reset()
    snap = task.snapshot()
    assert rpc_counter.round_trips == 1
    assert isinstance(snap, TaskSnapshot)
    assert (
        snap.status is TaskStatus.RESPONDED
        and snap.attempt_count == 2
        and snap.winning_provider is None
    )
    assert snap.delivery_method is DeliveryMethod.MANUAL_CONFIRMATION and snap.params == params

    r2.confirm(signer=key("client"))
    rpc_counter.reset()
    assert task.get_confirmed_response() == r2
    assert rpc_counter.round_trips <= 3
    assert task.get_winning_provider() == p2


def test_task_cancel(world: World) -> None:
    _, task = world.ready_task()
    task.cancel(signer=key("client"))
    assert task.get_status() is TaskStatus.CANCELED


def test_snapshot_pinned_to_a_past_block(world: World, session: Session) -> None:
    _, task = world.ready_task()
    before = session.block_number()
    world.attempt(task)
    assert task.snapshot(block=before).status is TaskStatus.NEW
    assert task.snapshot(block=before).block_number == before
    assert task.snapshot().status is TaskStatus.ATTEMPTED


def _many_responses(world: World, session: Session, n: int) -> Task:
    """A MANUAL task answered by ``n`` fresh providers of one master (master signs as operator)."""
    source = world.publish_source()
    world.fund()
    task = world.publish_task(source)
    master = key("master")
    for i in range(n):
        account = Account.create(f"p{i}")
        session.rpc("anvil_setBalance", [account.address, hex(ETH)])
        terminal.announce_master(acct("master").address, signer=account, session=session)
        terminal.announce_provider(account.address, 0, signer=master, session=session)
        nexus.register(source.address, account.address, 1, signer=master, session=session)
        nexus.attempt(task.address, account.address, 10**15, signer=master, session=session)
        if i % 4 != 3:  # every fourth provider never answers: holes in getResponsesOf
            params = ResponseParams(
                task.address, account.address, f"https://data.test/{i}.json", 10**15
            )
            nexus.submit_response(params, signer=master, session=session)
    return task


def test_get_responses_many_in_bounded_round_trips(
    world: World, session: Session, rpc_counter: RpcCounter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(base, "CHUNK_SIZE", 4)  # 14 attempts -> 4 pages, still one batch
    task = _many_responses(world, session, 14)
    rpc_counter.reset()
    responses = task.get_responses()
    assert rpc_counter.round_trips <= 3
    assert rpc_counter.round_trips == 2
    assert rpc_counter.methods[-1] == ["eth_call"] * 4  # all four pages in one batch, pinned
    assert len(responses) == 11 and all(isinstance(r, Response) for r in responses)
    assert len(set(responses)) == 11
    datas = {r.get_data() for r in responses}
    assert datas == {f"https://data.test/{i}.json" for i in range(14) if i % 4 != 3}
    # half-open windows over attempts
    assert task.get_responses(0, 4) == responses[:3]
    assert task.get_responses(12) == responses[9:]
    assert len(task.get_attempters()) == 14
    rpc_counter.reset()
    assert task.get_confirmed_response() is None
    assert rpc_counter.round_trips == 3  # count, pages, all confirmed flags


# --------------------------------------------------------------------------------------------
# Response


@pytest.fixture
def ipfs_session(anvil: AnvilNode, deployment: Deployment) -> Iterator[Session]:
    """A session whose IPFS client answers from an in-memory map (httpx MockTransport)."""
    docs = {
        "/two.json": {"result": 2},
        "/task.json": {"function_name": "run", "data": {}},
        "/source.json": {"name": "demo", "cpu": "https://compose.test/cpu.yml"},
    }

    def handler(request: httpx.Request) -> httpx.Response:
        doc = docs.get(request.url.path)
        if doc is None:
            return httpx.Response(404)
        return httpx.Response(200, content=json.dumps(doc).encode())

    client = IPFSClient(
        http=httpx.Client(transport=httpx.MockTransport(handler)), verify=False, retries=0
    )
    s = make_session(anvil.url, deployment, ipfs=client)
    try:
        yield s
    finally:
        s.close()


def test_response_reads_and_fetch(ipfs_session: Session, rpc_counter: RpcCounter) -> None:
    world = World(ipfs_session)
    source, task = world.ready_task()
    world.attempt(task)
    response = world.respond(task, data="https://data.test/two.json", payment=7)
    params = response.get_params()
    assert params == ResponseParams(
        task.address, acct("provider").address, "https://data.test/two.json", 7
    )
    assert response.get_task() == task
    assert response.get_provider() == acct("provider").address
    assert response.get_data() == "https://data.test/two.json"
    assert response.fetch_data() == {"result": 2}
    assert task.get_metadata() == {"function_name": "run", "data": {}}
    assert source.get_metadata()["name"] == "demo"
    assert response.get_status() is ResponseStatus.SUBMITTED
    assert response.get_timestamp() > 0
    assert response.is_confirmed() is False
    assert response.get_owner() == ipfs_session.address_of("Nexus")
    snap = response.snapshot()
    assert isinstance(snap, ResponseSnapshot)
    assert (snap.task, snap.data, snap.status, snap.confirmed) == (
        task.address,
        params.data,
        ResponseStatus.SUBMITTED,
        False,
    )
    response.confirm(signer=key("client"))
    assert response.get_status() is ResponseStatus.CONFIRMED and response.is_confirmed()


def test_response_snapshot_is_one_round_trip(world: World, rpc_counter: RpcCounter) -> None:
    _, task = world.ready_task()
    world.attempt(task)
    response = world.respond(task)
    rpc_counter.reset()
    response.snapshot()
    assert rpc_counter.round_trips == 1


# --------------------------------------------------------------------------------------------
# Provider / Master


def test_provider(world: World, session: Session, rpc_counter: RpcCounter) -> None:
    provider = Provider(acct("provider").address, session)
    master = acct("master").address
    provider.announce_master(master, signer=key("provider"))
    Master(master, session).announce_provider(provider.address, 500, signer=key("master"))
    assert provider.get_master() == master
    assert provider.is_provider() is True
    provider.set_base_data("base", signer=key("provider"))
    provider.set_live_data("live", signer=key("provider"))
    assert (provider.get_base_data(), provider.get_live_data()) == ("base", "live")
    provider.set_default_agent_disabled(True, signer=key("provider"))
    assert provider.get_default_agent_disabled() is True

    source = world.publish_source()
    provider.register_to(source.address, 1, signer=key("master"))
    assert source.get_registrant_id(provider.address) == 1
    world.fund()
    task = world.publish_task(source)
    provider.attempt(task.address, 10**15, signer=key("provider"))
    assert task.get_attempters() == [provider.address]
    provider.unregister_from(source.address, signer=key("provider"))
    assert source.get_registrant_id(provider.address) == 0

    provider.deposit_to_vault(1000, signer=key("client"))  # anyone may fund
    provider.stake(400, signer=key("provider"))
    provider.unstake(100, signer=key("provider"))
    assert (provider.get_balance(), provider.get_lockup(), provider.get_unbonding()) == (
        600,
        800,
        100,
    )
    assert provider.get_unbonding_timestamp() > 0
    provider.cancel_unbonding(signer=key("provider"))
    assert provider.get_unbonding() == 0
    provider.withdraw_from_vault(600, signer=key("provider"))
    assert provider.get_balance() == 0
    assert provider.get_total_earnings() == 0 and provider.get_frozen_payment() == 0
    assert provider.get_sanction() == 0
    assert provider.is_eligible() is True and provider.is_whitelisted() is False
    provider.unstake(900, signer=key("provider"))
    with pytest.raises(Exception) as info:
        provider.claim_earnings(signer=key("provider"))
    assert type(info.value).__name__ == "UnbondingPeriodNotElapsedError"

    rpc_counter.reset()
    snap = provider.snapshot()
    assert rpc_counter.round_trips == 1
    assert isinstance(snap, ProviderSnapshot)
    assert (snap.master, snap.base_data, snap.lockup, snap.unbonding, snap.is_provider) == (
        master,
        "base",
        0,
        900,
        True,
    )


def test_master(world: World, session: Session, rpc_counter: RpcCounter) -> None:
    master = Master(acct("master").address, session)
    provider = acct("provider").address
    terminal.announce_master(master.address, signer=key("provider"), session=session)
    master.announce_provider(provider, 0, signer=key("master"))
    assert master.get_provider() == provider
    assert master.is_master() is True
    master.set_agent(acct("stranger").address, True, signer=key("master"))
    assert master.is_agent(acct("stranger").address) is True
    assert master.is_agent(acct("agent").address) is True  # default agent
    master.set_default_agent_disabled(True, signer=key("master"))
    assert master.get_default_agent_disabled() is True
    assert master.is_agent(acct("agent").address) is False
    source = world.publish_source()
    assert master.remove_container(provider, source.address, signer=key("master")).ok
    master.deposit_to_vault(300, signer=key("master"))
    master.stake(100, signer=key("master"))
    assert (master.get_balance(), master.get_lockup()) == (200, 100)
    assert master.get_unbonding() == 0 and master.get_total_earnings() == 0
    assert master.get_frozen_payment() == 0 and master.is_eligible() and not master.is_whitelisted()

    rpc_counter.reset()
    snap = master.snapshot()
    assert rpc_counter.round_trips == 1
    assert isinstance(snap, MasterSnapshot)
    assert (snap.provider, snap.is_master, snap.balance, snap.lockup) == (provider, True, 200, 100)

    master.remove_provider(provider, signer=key("master"))
    assert master.is_master() is False
    assert Provider(provider, session).get_master() == ZERO_ADDRESS


# --------------------------------------------------------------------------------------------
# Read errors and ranges


def test_reads_of_a_missing_object_raise_sdk_errors(session: Session) -> None:
    from ogpu.types import OGPUError

    ghost = Task(acct("stranger").address, session)  # an EOA: no code, eth_call returns 0x
    with pytest.raises(OGPUError, match="returned no data"):
        ghost.get_status()
    with pytest.raises(OGPUError, match="returned no data"):
        ghost.snapshot()


def test_reverting_read_is_typed(session: Session) -> None:
    from ogpu.types import OGPUError

    # Nexus has no getSource(): the node reverts, the session decodes it into an SDK error
    wrong = Task(session.address_of("Nexus"), session)
    with pytest.raises(OGPUError):
        wrong.get_source()


def test_large_bounded_range_is_clamped(
    world: World, session: Session, rpc_counter: RpcCounter
) -> None:
    sources = [world.publish_source() for _ in range(3)]
    rpc_counter.reset()
    assert nexus.get_sources(1, 10**9, session=session) == [s.address for s in sources[1:]]
    assert rpc_counter.round_trips == 2  # length first, then the (clamped) pages
    rpc_counter.reset()
    assert nexus.get_sources(0, 2, session=session) == [s.address for s in sources[:2]]
    assert rpc_counter.round_trips == 1  # small window: length and page in one batch
    with pytest.raises(ValueError):
        nexus.get_sources(3, 1, session=session)
