"""Hostile input: Hypothesis fuzzing of public functions' inputs.

Only typed :class:`~ogpu.types.OGPUError` or ``TypeError``/``ValueError`` may escape; nothing
hangs past its timeout; nothing is sent on invalid input (the proxy sees no
``eth_sendRawTransaction`` and the signer's nonce is unchanged). Example counts come from the
``ogpu-reliability`` Hypothesis profile (``OGPU_FUZZ_EXAMPLES``, default 40 per test).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from faults.proxy import Fault, FaultProxy, Rule
from faults.stats import STATS
from hypothesis import given, settings
from hypothesis import strategies as st
from support.memory import memory_guard
from support.reliability import client_network

import ogpu.client as client
from ogpu.chain import Session
from ogpu.client import ImageEnvironments, SourceInfo, TaskInfo, TaskInput
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.ipfs import IPFSClient, cid_of
from ogpu.protocol import Response, Source, Task, controller, nexus, vault
from ogpu.types import OGPUError

settings.load_profile("ogpu-reliability")

ALLOWED = (OGPUError, TypeError, ValueError)
KEY = dev_key("client")
CLIENT = dev_account("client").address


@pytest.fixture
def guarded(anvil: Any, deployment: Any, store: Any) -> Iterator[tuple[Session, FaultProxy]]:
    """A client session through a (quiet) proxy that records every request."""
    with FaultProxy(anvil.url) as proxy:
        s = Session(client_network(deployment, proxy.url, store.url), request_timeout=5.0)
        try:
            yield s, proxy
        finally:
            s.close()


def nonce(session: Session) -> tuple[int, int]:
    return (
        int(session.rpc("eth_getTransactionCount", [CLIENT, "latest"]), 16),
        int(session.rpc("eth_getTransactionCount", [CLIENT, "pending"]), 16),
    )


def mark(session: Session, proxy: FaultProxy) -> tuple[tuple[int, int], int]:
    """Signer nonces and sends so far (the proxy lives across Hypothesis examples)."""
    return nonce(session), proxy.count("eth_sendRawTransaction")


def only_typed(fn: Callable[[], Any], *, budget: float = 20.0) -> BaseException | None:
    """Run ``fn``; return the (allowed) exception, fail on any other or on a slow call."""
    start = time.monotonic()
    try:
        fn()
    except ALLOWED as exc:
        return exc
    except BaseException as exc:  # pragma: no cover - a finding
        raise AssertionError(f"untyped {type(exc).__name__} escaped: {exc!r}") from exc
    finally:
        STATS.add(fuzz_examples=1)
        assert time.monotonic() - start < budget, "call took longer than its budget"
    return None


def assert_nothing_sent(
    session: Session, proxy: FaultProxy, before: tuple[tuple[int, int], int]
) -> None:
    assert proxy.count("eth_sendRawTransaction") == before[1]
    assert nonce(session) == before[0]


# ----------------------------------------------------------------------------------------------
# addresses

junk_addresses = st.one_of(
    st.text(max_size=60),
    st.binary(max_size=30).map(lambda b: "0x" + b.hex()),
    st.from_regex(r"0x[0-9a-fA-F]{40}", fullmatch=True),
    st.from_regex(r"[0-9a-fA-F]{40}", fullmatch=True),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.binary(max_size=40),
    st.none(),
    st.just("0x" + "0" * 40),
)


@given(address=junk_addresses, which=st.integers(0, 9))
def test_addresses(guarded: tuple[Session, FaultProxy], address: Any, which: int) -> None:
    s, proxy = guarded
    before = mark(s, proxy)
    calls: list[Callable[[], Any]] = [
        lambda: Task(address, s).get_status(),
        lambda: Source(address, s).snapshot(),
        lambda: Response(address, s).get_data(),
        lambda: vault.get_balance_of(address, session=s),
        lambda: client.get_task_responses(address, session=s),
        lambda: controller.cancel_task(address, signer=KEY, session=s),
        lambda: nexus.attempt(address, CLIENT, 1, signer=KEY, session=s),
        lambda: client.confirm_response(address, KEY, session=s),
        lambda: client.cancel_task(address, KEY, session=s),
        lambda: client.set_agent(address, "yes", KEY, session=s),  # type: ignore[arg-type]
    ]
    only_typed(calls[which])
    assert_nothing_sent(s, proxy, before)


# ----------------------------------------------------------------------------------------------
# amounts

# Fuzzed amounts: zero, too large for the signer, outside uint256, and non-integers (bools,
# floats, Decimals and numeric strings must be refused, never truncated with int() and sent).
bad_amounts = st.one_of(
    st.just(0),
    st.integers(min_value=10**24, max_value=2**256 - 1),
    st.integers(max_value=-1),
    st.integers(min_value=2**256),
    st.booleans(),
    st.floats(),
    st.decimals(),
    st.text(alphabet="0123456789", min_size=1, max_size=4),
    st.text(alphabet="abcxyz -_", max_size=12),
    st.none(),
    st.lists(st.integers(), max_size=2),
    st.binary(max_size=4),
)

WRITES = ("deposit", "withdraw", "lock", "unbond")


def _write(s: Session, name: str, amount: Any) -> Any:
    if name == "deposit":
        return vault.deposit(CLIENT, amount, signer=KEY, session=s)
    return getattr(vault, name)(amount, signer=KEY, session=s)


def _refused_unsent(guarded: tuple[Session, FaultProxy], values: list[Any]) -> None:
    s, proxy = guarded
    vault.deposit(CLIENT, 10**18, signer=KEY, session=s)  # something to withdraw/lock/unbond
    vault.lock(10**17, signer=KEY, session=s)
    problems = []
    for name in WRITES:
        for value in values:
            before = mark(s, proxy)
            try:
                _write(s, name, value)
                problems.append(f"{name}({value!r}) was SENT")
            except (TypeError, ValueError, OGPUError):
                if mark(s, proxy) != before:
                    problems.append(f"{name}({value!r}) sent something")
            except Exception as exc:
                problems.append(f"{name}({value!r}) raised untyped {type(exc).__name__}")
    assert not problems, problems


def test_non_integer_amounts_are_refused(guarded: tuple[Session, FaultProxy]) -> None:
    from decimal import Decimal

    _refused_unsent(guarded, [True, 1.5, Decimal("2"), "1", float("inf")])


def test_out_of_range_amounts_are_refused(guarded: tuple[Session, FaultProxy]) -> None:
    _refused_unsent(guarded, [-1, 2**256, 2**300])


@given(amount=bad_amounts, which=st.integers(0, 4))
def test_amounts(guarded: tuple[Session, FaultProxy], amount: Any, which: int) -> None:
    s, proxy = guarded
    before = mark(s, proxy)
    calls: list[Callable[[], Any]] = [
        lambda: vault.deposit(CLIENT, amount, signer=KEY, session=s),
        lambda: vault.withdraw(amount, signer=KEY, session=s),
        lambda: vault.lock(amount, signer=KEY, session=s),
        lambda: vault.unbond(amount, signer=KEY, session=s),
        lambda: s.transact(s.contract("Vault").functions.deposit(CLIENT), KEY, value=amount),
    ]
    only_typed(calls[which])
    assert_nothing_sent(s, proxy, before)


# ----------------------------------------------------------------------------------------------
# task configs and source infos (URLs, JSON payloads, huge and malformed)

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=30),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
weird = st.one_of(
    json_values, st.binary(max_size=8), st.sets(st.integers(), max_size=2), st.just(object())
)
urls = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "http://",
            "ftp://x",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "http://[::1",
            "ipfs://",
        ]
    ),
    st.from_regex(r"https?://[a-z]{1,10}\.[a-z]{2,3}/[ -~]{0,30}", fullmatch=True),
    st.just("https://x.test/" + "a" * 100_000),
)


@pytest.fixture
def funded_source(direct: Session) -> str:
    vault.deposit(CLIENT, 10**18, signer=KEY, session=direct)
    info = SourceInfo(
        name="fuzz",
        description="",
        logoUrl="",
        imageEnvs=ImageEnvironments(cpu="https://example.com/compose.yml"),
        minPayment=10**15,
        minAvailableLockup=0,
        maxExpiryDuration=3600,
    )
    return client.publish_source(info, KEY, session=direct).address


@given(
    fn=st.text(max_size=20),
    data=weird,
    extras=st.dictionaries(st.text(max_size=6), weird, max_size=2),
    expiry_delta=st.integers(min_value=-(10**6), max_value=10**6),
    payment=st.one_of(st.integers(min_value=-(10**20), max_value=10**15 - 1), bad_amounts),
)
def test_task_configs(
    guarded: tuple[Session, FaultProxy],
    funded_source: str,
    fn: Any,
    data: Any,
    extras: Any,
    expiry_delta: int,
    payment: Any,
) -> None:
    """Invalid payments (below minPayment, negative, non-integers) with arbitrary configs: typed
    errors only, nothing uploaded-and-sent."""
    s, proxy = guarded
    before = mark(s, proxy)

    def call() -> Any:
        info = TaskInfo(
            source=funded_source,
            config=TaskInput(fn, data, **{k: v for k, v in extras.items() if k.isidentifier()}),
            expiryTime=s.timestamp() + expiry_delta,
            payment=payment,
        )
        return client.publish_task(info, KEY, session=s, timeout=10)

    only_typed(call)
    assert_nothing_sent(s, proxy, before)


@given(logo=urls, compose=urls, name=st.text(max_size=300), expiry=st.integers(-5, 2**70))
def test_source_infos(
    guarded: tuple[Session, FaultProxy], logo: str, compose: str, name: str, expiry: int
) -> None:
    """Arbitrary URLs and names, dry run only: validation or simulation, never a send."""
    s, proxy = guarded
    before = mark(s, proxy)

    def call() -> Any:
        info = SourceInfo(
            name=name,
            description="",
            logoUrl=logo,
            imageEnvs=ImageEnvironments(cpu=compose),
            minPayment=1,
            minAvailableLockup=0,
            maxExpiryDuration=expiry,
        )
        return client.publish_source(info, KEY, session=s, dry_run=True)

    only_typed(call)
    assert_nothing_sent(s, proxy, before)


def _deep(depth: int) -> dict[str, Any]:
    d: dict[str, Any] = {}
    cur = d
    for _ in range(depth):
        cur["a"] = {}
        cur = cur["a"]
    return d


def test_deeply_nested_task_config_is_refused_with_a_typed_error(
    guarded: tuple[Session, FaultProxy], funded_source: str
) -> None:
    s, proxy = guarded
    before = mark(s, proxy)
    exc = only_typed(
        lambda: client.publish_task(
            TaskInfo(
                source=funded_source,
                config=TaskInput("f", _deep(5000)),
                expiryTime=s.timestamp() + 600,
                payment=10**15,
            ),
            KEY,
            session=s,
        )
    )
    assert exc is not None
    assert_nothing_sent(s, proxy, before)


def test_huge_task_config_is_published_or_refused_cleanly(
    guarded: tuple[Session, FaultProxy], funded_source: str
) -> None:
    """A 2 MB config is within the store's limit: it publishes exactly one task, or fails typed."""
    s, proxy = guarded
    info = TaskInfo(
        source=funded_source,
        config=TaskInput("f", {"blob": "x" * 2_000_000}),
        expiryTime=s.timestamp() + 600,
        payment=10**15,
    )
    exc = only_typed(lambda: client.publish_task(info, KEY, session=s, timeout=20), budget=30)
    sent = proxy.count("eth_sendRawTransaction")
    assert (exc is None and sent == 1) or (exc is not None and sent == 0)


# ----------------------------------------------------------------------------------------------
# IPFS answers (httpx MockTransport)

CONTENT = b'{"result": 42}'
CID = cid_of(CONTENT)


@given(
    status=st.integers(min_value=100, max_value=599),
    body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: repr(v).encode())),
    ctype=st.sampled_from(["application/json", "text/html", "", "application/octet-stream"]),
    url=st.sampled_from(
        [f"http://gw.test/ipfs/{CID}", f"ipfs://{CID}", CID, "http://gw.test/other.json",
         f"http://gw.test/ipfs/{CID}/sub", "ipfs://not-a-cid"]
    ),
)  # fmt: skip
def test_ipfs_answers(status: int, body: bytes, ctype: str, url: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            status, content=body, headers={"Content-Type": ctype} if ctype else {}
        )

    http = httpx.Client(transport=httpx.MockTransport(answer))
    ipfs = IPFSClient(gateway="http://gw.test", http=http, retries=1, backoff=0.0, timeout=2.0)
    exc = only_typed(lambda: ipfs.fetch_json(url), budget=5)
    if exc is None:  # only verifiable-and-matching or unverifiable URLs may succeed
        assert body == CONTENT or "sub" in url or "other" in url


def test_ipfs_answer_that_never_ends_is_capped() -> None:
    chunk = b"x" * 65536

    def endless() -> Iterator[bytes]:
        for _ in range(10_000):  # 640 MB if nobody stops reading
            yield chunk

    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, content=endless()))
    )
    ipfs = IPFSClient(gateway="http://gw.test", http=http, retries=0, max_fetch_bytes=1 << 20)
    with memory_guard(32 << 20):  # a broken cap fails here, not at 640 MB
        exc = only_typed(lambda: ipfs.fetch_bytes("http://gw.test/big"), budget=10)
    assert isinstance(exc, OGPUError) and "limit" in str(exc).lower()


# ----------------------------------------------------------------------------------------------
# RPC answers (the proxy's malformed modes)

RPC_FAULTS = [
    Fault.MALFORMED,
    Fault.MALFORMED_AFTER_FORWARD,
    Fault.CLOSE_MID_BODY,
    Fault.DROP_REQUEST,
    Fault.HTTP_502,
    Fault.HTTP_429,
]


@pytest.mark.parametrize("fault", RPC_FAULTS, ids=lambda f: f.value)
def test_rpc_answers_that_stay_broken_end_in_a_typed_error(
    anvil: Any, deployment: Any, store: Any, fault: Fault
) -> None:
    with FaultProxy(anvil.url) as proxy:
        proxy.add_rule(Rule(fault, every=True))
        s = Session(client_network(deployment, proxy.url, store.url), request_timeout=2.0)
        for fn in (
            lambda: vault.get_balance_of(CLIENT, session=s),
            lambda: Task("0x" + "1" * 40, s).snapshot(),
            lambda: vault.deposit(CLIENT, 1, signer=KEY, session=s),
        ):
            exc = only_typed(fn, budget=15)
            assert isinstance(exc, OGPUError), repr(exc)
        s.close()
        assert proxy.count("eth_sendRawTransaction", forwarded=True) == 0
