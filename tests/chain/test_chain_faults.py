"""Writes and reads through a fault-injecting proxy: no double sends, same hash, retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from faults.proxy import Fault, FaultProxy, Rule

from ogpu.chain import Network, RetryPolicy, Session
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.types import TxRpcError

CLIENT = dev_account("client")
CLIENT_KEY = dev_key("client")


@pytest.fixture
def proxy(anvil: Any) -> Iterator[FaultProxy]:
    with FaultProxy(anvil.url, seed=1234) as p:
        yield p


@pytest.fixture
def proxied(network: Network, proxy: FaultProxy) -> Session:
    return Session(network.replace(rpc_url=proxy.url), request_timeout=5)


def _nonce(session: Session) -> int:
    return int(session.rpc("eth_getTransactionCount", [CLIENT.address, "latest"]), 16)


FORWARDED = {Fault.DROP_REPLY, Fault.MALFORMED_AFTER_FORWARD, Fault.CLOSE_MID_BODY}
SEND_FAULTS = [
    Fault.DROP_REPLY,
    Fault.DROP_REQUEST,
    Fault.HTTP_502,
    Fault.HTTP_503,
    Fault.HTTP_429,
    Fault.MALFORMED_AFTER_FORWARD,
    Fault.CLOSE_MID_BODY,
]


@pytest.mark.parametrize("fault", SEND_FAULTS, ids=lambda f: f.value)
def test_lost_send_reply_lands_exactly_once(
    fault: Fault, session: Session, proxied: Session, proxy: FaultProxy
) -> None:
    vault = proxied.contract("Vault")
    nonce = _nonce(session)
    before = int(session.call(session.contract("Vault").functions.balanceOf(CLIENT.address)))
    proxy.add_rule(Rule(fault=fault, method="eth_sendRawTransaction", nth=1))
    receipt = proxied.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=11)
    assert receipt.ok
    # exactly one transaction from the key, with the hash we reported
    assert _nonce(session) == nonce + 1
    mined = session.rpc("eth_getTransactionByHash", [receipt.tx_hash])
    assert int(mined["nonce"], 16) == nonce
    after = int(session.call(session.contract("Vault").functions.balanceOf(CLIENT.address)))
    assert after == before + 11
    # every broadcast carried the same signed bytes
    raws = {
        json.loads(e.body)["params"][0] for e in proxy.log if "eth_sendRawTransaction" in e.methods
    }
    assert len(raws) == 1
    assert proxy.count("eth_sendRawTransaction", forwarded=True) >= 1
    if fault not in FORWARDED:  # the first attempt never reached the node: it was re-sent
        assert proxy.count("eth_sendRawTransaction") >= 2


def test_send_that_never_reaches_the_node_raises_with_hash(
    session: Session, network: Network, proxy: FaultProxy
) -> None:
    s = Session(network.replace(rpc_url=proxy.url), request_timeout=2)
    s.executor.rebroadcast = RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.02)
    proxy.add_rule(Rule(fault=Fault.DROP_REQUEST, method="eth_sendRawTransaction", every=True))
    nonce = _nonce(session)
    with pytest.raises(TxRpcError) as info:
        s.transact(s.contract("Vault").functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    assert info.value.tx_hash is not None and info.value.tx_hash.startswith("0x")
    assert _nonce(session) == nonce
    # the session resyncs the nonce from the chain: the next write uses the free nonce
    proxy.clear_rules()
    r = s.transact(s.contract("Vault").functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    assert int(session.rpc("eth_getTransactionByHash", [r.tx_hash])["nonce"], 16) == nonce


@pytest.mark.parametrize(
    "fault",
    [Fault.HTTP_502, Fault.HTTP_429, Fault.MALFORMED, Fault.DROP_REPLY],
    ids=lambda f: f.value,
)
def test_reads_retry_transient_faults(fault: Fault, proxied: Session, proxy: FaultProxy) -> None:
    proxy.add_rule(Rule(fault=fault, method="eth_call", nth=1))
    value = proxied.call(proxied.contract("Vault").functions.balanceOf(CLIENT.address))
    assert value == 0
    assert proxy.count("eth_call") == 2


def test_random_faults_on_many_writes(
    session: Session, proxied: Session, proxy: FaultProxy
) -> None:
    proxy.random_faults(
        0.3,
        [Fault.DROP_REPLY, Fault.HTTP_502, Fault.DELAY, Fault.CLOSE_MID_BODY],
        method="eth_sendRawTransaction",
    )
    for rule in proxy.rules:
        rule.delay = 0.05
    vault = proxied.contract("Vault")
    nonce = _nonce(session)
    pending = [
        proxied.send(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
        for _ in range(20)
    ]
    receipts = proxied.wait_all(pending)
    assert all(r.ok for r in receipts)
    assert _nonce(session) == nonce + 20
    assert int(session.call(session.contract("Vault").functions.balanceOf(CLIENT.address))) == 20


def test_batch_call_is_one_request_pinned_to_one_block(proxied: Session, proxy: FaultProxy) -> None:
    vault = proxied.contract("Vault")
    fns = [vault.functions.balanceOf(a) for a in (CLIENT.address, dev_account("provider").address)]
    fns.append(vault.functions.UNBONDING_PERIOD())
    number, values = proxied.batch_call_at(fns)
    assert values[:2] == [0, 0] and values[2] > 0
    assert number == proxied.block_number()
    # one HTTP request: the calls bracketed by two eth_blockNumber that agree
    (batch,) = [e for e in proxy.log if "eth_call" in e.methods]
    assert batch.methods == ("eth_blockNumber", *["eth_call"] * 3, "eth_blockNumber")
    # an explicit block pins every call to it
    proxy.log.clear()
    _, again = proxied.batch_call_at(fns, block=number)
    assert again == values
    (pinned,) = [e for e in proxy.log if "eth_call" in e.methods]
    assert [p[1] for p in (m["params"] for m in json.loads(pinned.body))] == [hex(number)] * 3


def test_batch_falls_back_when_endpoint_refuses(anvil: Any, network: Network) -> None:
    with FaultProxy(anvil.url, reject_batches=True) as p:
        s = Session(network.replace(rpc_url=p.url))
        vault = s.contract("Vault")
        values = s.batch_call([vault.functions.balanceOf(CLIENT.address)] * 3)
        assert values == [0, 0, 0]
        assert p.count("eth_call") == 4  # one refused batch, then three single calls
