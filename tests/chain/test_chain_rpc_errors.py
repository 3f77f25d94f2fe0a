"""Transport failures that outlive the retries end in the typed ``TxRpcError`` (retry=True paths).

``retry=False`` (the executor's broadcast) keeps raising the raw exception: that is how an
ambiguous send is told apart (see test_chain_faults.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from faults.proxy import Fault, FaultProxy, Rule

from ogpu.chain import Network, RetryPolicy, RpcError, Session
from ogpu.chain.session import MalformedReplyError
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.protocol import vault
from ogpu.types import OGPUError, TxRpcError

CLIENT = dev_account("client").address
CLIENT_KEY = dev_key("client")
FAST = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.002)

#: persistent fault -> the raw exception type chained as ``__cause__``
PERSISTENT = [
    (Fault.HTTP_503, httpx.HTTPStatusError),
    (Fault.HTTP_429, httpx.HTTPStatusError),
    (Fault.MALFORMED, MalformedReplyError),
    (Fault.DROP_REQUEST, httpx.TransportError),
    (Fault.CLOSE_MID_BODY, httpx.TransportError),
]


@pytest.fixture
def proxy(anvil: Any) -> Iterator[FaultProxy]:
    with FaultProxy(anvil.url, seed=99) as p:
        yield p


@pytest.fixture
def proxied(network: Network, proxy: FaultProxy) -> Iterator[Session]:
    s = Session(network.replace(rpc_url=proxy.url), request_timeout=2, retry=FAST)
    try:
        yield s
    finally:
        s.close()


def _raises_typed(fn: Callable[[], Any], cause: type[BaseException], method: str) -> TxRpcError:
    with pytest.raises(TxRpcError) as info:
        fn()
    exc = info.value
    assert isinstance(exc, OGPUError)
    assert isinstance(exc.__cause__, cause), repr(exc.__cause__)
    assert method in str(exc) and "after retries" in str(exc)
    return exc


@pytest.mark.parametrize(("fault", "cause"), PERSISTENT, ids=lambda v: getattr(v, "value", ""))
def test_rpc_that_stays_broken_raises_typed_error(
    proxied: Session, proxy: FaultProxy, fault: Fault, cause: type[BaseException]
) -> None:
    proxy.add_rule(Rule(fault=fault, every=True))
    _raises_typed(lambda: proxied.rpc("eth_blockNumber"), cause, "eth_blockNumber")
    assert proxy.count("eth_blockNumber") == FAST.max_attempts  # retried, then typed


@pytest.mark.parametrize(("fault", "cause"), PERSISTENT[:3], ids=lambda v: getattr(v, "value", ""))
def test_reads_built_on_rpc_raise_typed_errors(
    proxied: Session, proxy: FaultProxy, fault: Fault, cause: type[BaseException]
) -> None:
    balance_of = proxied.contract("Vault").functions.balanceOf(CLIENT)
    proxy.add_rule(Rule(fault=fault, every=True))
    _raises_typed(lambda: proxied.call(balance_of), cause, "eth_call")
    _raises_typed(lambda: proxied.batch_call([balance_of, balance_of]), cause, "batch[")
    _raises_typed(lambda: proxied.rpc_batch([("eth_chainId", [])]), cause, "eth_chainId")
    _raises_typed(lambda: vault.get_balance_of(CLIENT, session=proxied), cause, "eth_call")


def test_retry_false_keeps_the_raw_transport_error(proxied: Session, proxy: FaultProxy) -> None:
    """The executor relies on the raw exception to detect an ambiguous broadcast."""
    proxy.add_rule(Rule(fault=Fault.HTTP_503, every=True))
    with pytest.raises(httpx.HTTPStatusError):
        proxied.rpc("eth_blockNumber", retry=False)
    proxy.clear_rules()
    proxy.add_rule(Rule(fault=Fault.MALFORMED, every=True))
    with pytest.raises(MalformedReplyError):
        proxied.rpc("eth_blockNumber", retry=False)
    assert proxy.count("eth_blockNumber") == 2  # one attempt each, no retries


def test_json_rpc_error_objects_are_not_wrapped(proxied: Session) -> None:
    """A node's error object is an answer, not a transport failure: still ``RpcError``."""
    with pytest.raises(RpcError) as info:
        proxied.rpc("ogpu_noSuchMethod", [])
    assert not isinstance(info.value, TxRpcError) and info.value.method == "ogpu_noSuchMethod"


def test_transient_fault_that_clears_is_still_retried(proxied: Session, proxy: FaultProxy) -> None:
    expected = proxied.chain_id
    before = proxy.count("eth_blockNumber")
    proxy.add_rule(Rule(fault=Fault.HTTP_502, every=True, times=FAST.max_attempts - 1))
    assert int(proxied.rpc("eth_blockNumber"), 16) >= 0
    assert proxy.count("eth_blockNumber") - before == FAST.max_attempts
    assert proxied.chain_id == expected


def test_write_through_a_dead_endpoint_is_typed_and_sends_nothing(
    proxied: Session, proxy: FaultProxy
) -> None:
    proxy.add_rule(Rule(fault=Fault.HTTP_503, every=True))
    with pytest.raises(TxRpcError):
        vault.deposit(CLIENT, 1, signer=CLIENT_KEY, session=proxied)
    assert proxy.count("eth_sendRawTransaction") == 0


def test_receipt_wait_outlasts_an_outage_longer_than_the_retries(
    session: Session, proxied: Session, proxy: FaultProxy
) -> None:
    """``wait`` keeps polling when a receipt poll ends in TxRpcError (a wrapped transport error)."""
    proxied.send_sync = False  # a plain send: the receipt comes from polling
    pending = proxied.send(proxied.contract("Vault").functions.deposit(CLIENT), CLIENT_KEY, value=5)
    # two polls exhaust their retries (TxRpcError), the third gets through
    proxy.add_rule(
        Rule(
            fault=Fault.HTTP_503,
            method="eth_getTransactionReceipt",
            every=True,
            times=2 * FAST.max_attempts,
        )
    )
    receipt = pending.wait(30)
    assert receipt.ok and receipt.tx_hash == pending.tx_hash
    assert proxy.count("eth_getTransactionReceipt") > 2 * FAST.max_attempts
    mined = session.rpc("eth_getTransactionByHash", [pending.tx_hash])
    assert int(mined["value"], 16) == 5


def test_no_devnet_running_says_how_to_start_one() -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    s = Session(Network(name="devnet", chain_id=31337, rpc_url=url), retry=FAST)
    try:
        with pytest.raises(TxRpcError) as info:
            s.block_number()
    finally:
        s.close()
    message = str(info.value)
    assert "\n" not in message
    assert f"no devnet is running at {url}" in message and "ogpu devnet up" in message
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_recovered_fault_logs_one_debug_line_and_no_traceback(
    proxied: Session, proxy: FaultProxy, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    proxy.add_rule(Rule(fault=Fault.HTTP_503, method="eth_blockNumber", nth=1))
    with caplog.at_level(logging.DEBUG):
        assert proxied.block_number() >= 0
    ours = [r for r in caplog.records if r.name.startswith("ogpu")]
    about = [r for r in ours if "eth_blockNumber" in r.getMessage()]
    assert len(about) == 1 and about[0].levelno == logging.DEBUG
    assert all(r.exc_info is None and r.levelno < logging.WARNING for r in ours)
    assert proxy.count("eth_blockNumber") == 2
