"""The transaction executor against a real anvil node with the real contracts."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from eth_account import Account

from ogpu.chain import Network, Session
from ogpu.chain.receipts import decode_logs
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.types import (
    GasError,
    InsufficientBalanceError,
    MissingSignerError,
    PendingTx,
    Receipt,
    Role,
)

CLIENT = dev_account("client")
CLIENT_KEY = dev_key("client")


def _nonce(session: Session, address: str) -> int:
    return int(session.rpc("eth_getTransactionCount", [address, "latest"]), 16)


def _eth(session: Session, address: str) -> int:
    return int(session.rpc("eth_getBalance", [address, "latest"]), 16)


def _vault_balance(session: Session, address: str) -> int:
    return int(session.call(session.contract("Vault").functions.balanceOf(address)))


def test_typed_error_with_real_values_raised_before_sending(session: Session) -> None:
    vault = session.contract("Vault")
    session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1000)
    nonce, eth = _nonce(session, CLIENT.address), _eth(session, CLIENT.address)
    with pytest.raises(InsufficientBalanceError) as info:
        session.transact(vault.functions.withdraw(5000), CLIENT_KEY)
    err = info.value
    assert (err.account, err.required, err.available) == (CLIENT.address, 5000, 1000)
    assert err.tx_hash is None and err.error_name == "InsufficientBalance"
    assert err.context == "Vault.withdraw"
    # nothing was sent: no nonce used, no gas paid
    assert _nonce(session, CLIENT.address) == nonce
    assert _eth(session, CLIENT.address) == eth


def test_receipt_fields_and_eip1559_fees(session: Session) -> None:
    vault = session.contract("Vault")
    r = session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=7)
    assert isinstance(r, Receipt) and r.ok
    assert r.tx_hash.startswith("0x") and len(r.tx_hash) == 66
    assert r.from_address == CLIENT.address and r.to == vault.address
    assert r.timestamp == session.timestamp(r.block_number)
    tx = session.rpc("eth_getTransactionByHash", [r.tx_hash])
    assert tx["type"] == "0x2"
    block = session.rpc("eth_getBlockByNumber", [hex(r.block_number - 1), False])
    base = int(block["baseFeePerGas"], 16)
    assert int(tx["maxFeePerGas"], 16) >= 2 * base
    assert int(tx["maxPriorityFeePerGas"], 16) > 0
    (event,) = decode_logs("Vault", "Deposited", r.logs, emitter=vault.address)
    assert event == {"account": CLIENT.address, "amount": 7}


def test_wait_false_then_wait_all(session: Session) -> None:
    vault = session.contract("Vault")
    before = _vault_balance(session, CLIENT.address)
    pending = [
        session.transact(
            vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=i + 1, wait=False
        )
        for i in range(6)
    ]
    assert all(isinstance(p, PendingTx) for p in pending)
    assert [p.nonce for p in pending] == list(
        range(pending[0].nonce or 0, (pending[0].nonce or 0) + 6)
    )
    receipts = session.wait_all(pending)
    assert all(r.ok for r in receipts)
    assert len({r.tx_hash for r in receipts}) == 6
    assert _vault_balance(session, CLIENT.address) == before + sum(range(1, 7))


def test_many_threads_one_key_distinct_nonces(session: Session) -> None:
    terminal = session.contract("Terminal")
    start = _nonce(session, CLIENT.address)
    threads_n, per_thread = 16, 25
    hashes: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(t: int) -> None:
        try:
            for i in range(per_thread):
                agent = Account.create().address if (t + i) % 2 else dev_account("agent").address
                r = session.transact(terminal.functions.setAgent(agent, bool(i % 2)), CLIENT_KEY)
                with lock:
                    hashes.append(r.tx_hash)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:3]
    total = threads_n * per_thread
    assert len(set(hashes)) == total
    assert _nonce(session, CLIENT.address) == start + total
    nonces = sorted(int(session.rpc("eth_getTransactionByHash", [h])["nonce"], 16) for h in hashes)
    assert nonces == list(range(start, start + total))


class WrappedSigner:
    """A signer that is not a LocalAccount; reading ``.key`` is an error."""

    def __init__(self, key: str) -> None:
        self._acct = Account.from_key(key)
        self.signed = 0

    @property
    def address(self) -> str:
        return str(self._acct.address)

    @property
    def key(self) -> bytes:
        raise AssertionError("the SDK must never read a signer's key")

    def sign_transaction(self, tx: dict[str, Any]) -> Any:
        self.signed += 1
        return self._acct.sign_transaction(tx)


def test_custom_signer_object(session: Session) -> None:
    signer = WrappedSigner(CLIENT_KEY)
    vault = session.contract("Vault")
    r = session.transact(vault.functions.deposit(CLIENT.address), signer, value=3)
    assert r.ok and r.from_address == CLIENT.address and signer.signed == 1


def test_keys_never_appear_in_reprs_or_errors(session: Session, network: Network) -> None:
    key = CLIENT_KEY
    bare = key[2:]
    signer = session.resolve_signer(key)
    texts = [repr(session), str(session), repr(signer), str(signer), repr(network), str(network)]
    vault = session.contract("Vault")
    with pytest.raises(InsufficientBalanceError) as info:
        session.transact(vault.functions.withdraw(10**30), key)
    texts += [str(info.value), repr(info.value)]
    with pytest.raises(Exception) as bad:
        session.resolve_signer(key[:-2] + "zz")
    texts += [str(bad.value), repr(bad.value)]
    for text in texts:
        assert bare.lower() not in text.lower()


def test_role_fallbacks(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    vault = session.contract("Vault")
    fn = vault.functions.deposit(CLIENT.address)
    with pytest.raises(MissingSignerError):
        session.transact(fn, None, value=1)  # role=None (vault writes): no fallback
    r = session.transact(fn, None, role=Role.CLIENT, value=1)  # devnet dev key of the role
    assert r.from_address == CLIENT.address
    monkeypatch.setenv("CLIENT_PRIVATE_KEY", dev_key("client2"))  # env wins over dev keys
    r = session.transact(fn, None, role=Role.CLIENT, value=1)
    assert r.from_address == dev_account("client2").address


def test_dry_run_sends_nothing(session: Session) -> None:
    vault = session.contract("Vault")
    nonce = _nonce(session, CLIENT.address)
    result = session.dry_run(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=5)
    assert result.gas > 21000 and result.value == 5 and result.sender == CLIENT.address
    assert result.max_fee_per_gas is not None and result.max_cost > 5
    assert _nonce(session, CLIENT.address) == nonce


def test_mined_revert_is_replayed_and_typed(session: Session) -> None:
    vault = session.contract("Vault")
    session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=100)
    session.executor._skip_simulation = True
    nonce = _nonce(session, CLIENT.address)
    with pytest.raises(InsufficientBalanceError) as info:
        session.transact(vault.functions.withdraw(500), CLIENT_KEY, gas=200_000)
    err = info.value
    assert (err.required, err.available) == (500, 100)
    assert err.tx_hash is not None
    receipt = session.rpc("eth_getTransactionReceipt", [err.tx_hash])
    assert receipt["status"] == "0x0"
    assert _nonce(session, CLIENT.address) == nonce + 1  # it was mined (and paid for)


def test_conflicting_txs_in_one_block(session: Session, anvil: Any) -> None:
    vault = session.contract("Vault")
    session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=100)
    anvil.rpc("evm_setAutomine", [False])
    try:
        # explicit gas: anvil estimates against the pending block, which would catch the conflict
        first = session.send(vault.functions.withdraw(60), CLIENT_KEY, gas=150_000)
        second = session.send(vault.functions.withdraw(60), CLIENT_KEY, gas=150_000)
        anvil.rpc("evm_mine")
    finally:
        anvil.rpc("evm_setAutomine", [True])
    assert first.wait(10).ok
    with pytest.raises(InsufficientBalanceError) as info:
        second.wait(10)
    assert (info.value.required, info.value.available) == (60, 40)
    assert info.value.tx_hash == second.tx_hash


def test_stale_nonce_cache_resyncs(session: Session, w3: Any) -> None:
    vault = session.contract("Vault")
    session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    # another process uses the same key behind the session's back
    acct = Account.from_key(CLIENT_KEY)
    tx = {
        "to": CLIENT.address,
        "value": 0,
        "gas": 21000,
        "gasPrice": w3.eth.gas_price * 2,
        "nonce": w3.eth.get_transaction_count(CLIENT.address),
        "chainId": w3.eth.chain_id,
    }
    w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
    )
    r = session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    assert r.ok


def test_unfunded_sender_is_a_gas_error_not_a_send(session: Session) -> None:
    poor = Account.create()
    terminal = session.contract("Terminal")
    with pytest.raises(GasError):
        session.transact(terminal.functions.setAgent(CLIENT.address, True), poor)
    assert _nonce(session, poor.address) == 0


def test_no_key_in_logs(session: Session, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    vault = session.contract("Vault")
    session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    with pytest.raises(InsufficientBalanceError):
        session.transact(vault.functions.withdraw(10**30), CLIENT_KEY)
    assert "sent tx 0x" in caplog.text
    assert CLIENT_KEY[2:] not in caplog.text.lower()


def test_fix_nonce_replaces_a_stuck_transaction(
    session: Session, anvil: Any, w3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A transfer stuck in the pool (automine off) is replaced at its nonce by a 0-value
    self-transfer at a higher fee; one block is mined at the one moment both have been seen
    by the node (the replacement sent, not yet waited for), so only the replacement can be in it."""
    from ogpu.chain import fix_nonce, get_nonce_info, use_session
    from ogpu.chain.tx import Sent

    acct = Account.from_key(CLIENT_KEY)
    stranger = dev_account("stranger").address
    anvil.rpc("evm_setAutomine", [False])
    try:
        base = w3.eth.get_block("latest")["baseFeePerGas"]
        stuck = {
            "to": stranger,
            "value": 12345,
            "gas": 21000,
            "maxFeePerGas": 2 * base + 10**9,
            "maxPriorityFeePerGas": 10**9,
            "nonce": w3.eth.get_transaction_count(CLIENT.address),
            "chainId": w3.eth.chain_id,
            "type": 2,
        }
        stranger_before = w3.eth.get_balance(stranger)
        stuck_hash = (
            "0x"
            + bytes(w3.eth.send_raw_transaction(acct.sign_transaction(stuck).raw_transaction)).hex()
        )
        start_block = w3.eth.block_number

        replacements: list[Sent] = []
        pending = session.executor.pending

        def mine_once_sent(sent: Sent) -> PendingTx:
            # the replacement was accepted by the node: the stuck transfer must be gone from
            # its pool, the replacement in it at the same nonce, and nothing mined yet
            replacements.append(sent)
            assert session.rpc("eth_getTransactionByHash", [stuck_hash]) is None
            pooled = session.rpc("eth_getTransactionByHash", [sent.tx_hash])
            assert pooled is not None and pooled["blockNumber"] is None
            assert int(pooled["nonce"], 16) == stuck["nonce"]
            assert int(pooled["maxFeePerGas"], 16) > stuck["maxFeePerGas"]
            assert int(pooled["maxPriorityFeePerGas"], 16) > stuck["maxPriorityFeePerGas"]
            assert w3.eth.block_number == start_block
            anvil.rpc("evm_mine")
            return pending(sent)

        monkeypatch.setattr(session.executor, "pending", mine_once_sent)
        with use_session(session):
            info = get_nonce_info(CLIENT.address)
            assert info["has_pending"] and info["pending_count"] == 1
            assert info["pending_nonce"] == info["mined_nonce"] + 1
            next_nonce = fix_nonce(CLIENT.address, CLIENT_KEY)
    finally:
        anvil.rpc("evm_setAutomine", [True])
    assert next_nonce == stuck["nonce"] + 1
    assert len(replacements) == 1
    # exactly one of the two was mined, in the one block made: the replacement (a 0-value
    # self-transfer), so the stuck transfer never ran
    receipt = session.rpc("eth_getTransactionReceipt", [replacements[0].tx_hash])
    assert receipt is not None and receipt["status"] == "0x1"
    assert int(receipt["blockNumber"], 16) == start_block + 1
    assert receipt["from"].lower() == receipt["to"].lower() == CLIENT.address.lower()
    assert session.rpc("eth_getTransactionReceipt", [stuck_hash]) is None
    assert w3.eth.get_balance(stranger) == stranger_before


def test_receipt_timeout_then_wait_again(session: Session, anvil: Any) -> None:
    from ogpu.types import TxReceiptTimeoutError

    vault = session.contract("Vault")
    anvil.rpc("evm_setAutomine", [False])
    try:
        pending = session.send(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
        with pytest.raises(TxReceiptTimeoutError) as info:
            pending.wait(0.2)
        assert info.value.tx_hash == pending.tx_hash and not pending.done
        anvil.rpc("evm_mine")
    finally:
        anvil.rpc("evm_setAutomine", [True])
    assert pending.wait(5).ok and pending.done


def test_session_survives_a_chain_rollback(session: Session, anvil: Any) -> None:
    vault = session.contract("Vault")
    start = _nonce(session, CLIENT.address)
    snap = anvil.rpc("evm_snapshot")
    for _ in range(2):
        session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    anvil.rpc("evm_revert", [snap])
    assert _nonce(session, CLIENT.address) == start
    r = session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1, timeout=10)
    assert int(session.rpc("eth_getTransactionByHash", [r.tx_hash])["nonce"], 16) == start


def test_external_use_of_the_key_is_noticed_before_sending(session: Session, w3: Any) -> None:
    vault = session.contract("Vault")
    session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    acct = Account.from_key(CLIENT_KEY)
    for _ in range(3):  # three writes behind the session's back
        tx = {
            "to": CLIENT.address,
            "value": 0,
            "gas": 21000,
            "gasPrice": w3.eth.gas_price * 2,
            "nonce": w3.eth.get_transaction_count(CLIENT.address),
            "chainId": w3.eth.chain_id,
        }
        w3.eth.wait_for_transaction_receipt(
            w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction)
        )
    before = session.nonces.get_cached_nonce(CLIENT.address)
    r = session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    assert r.ok
    assert (
        int(session.rpc("eth_getTransactionByHash", [r.tx_hash])["nonce"], 16) == (before or 0) + 3
    )


def test_mined_out_of_gas_is_a_gas_error(session: Session) -> None:
    vault = session.contract("Vault")
    session.executor._skip_simulation = True
    with pytest.raises(GasError) as info:
        session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1, gas=30_000)
    assert info.value.tx_hash is not None and "out of gas" in str(info.value)


def test_send_mode_follows_the_wait(session: Session) -> None:
    """A waited-for write gets its receipt with the synchronous send. ``wait=False`` is a plain
    send that never blocks on mining: with manual mining the receipt arrives by polling once a
    block is mined."""
    vault = session.contract("Vault")
    first = session.transact(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=1)
    assert first.ok and session.executor.sends_sync
    session.rpc("evm_setAutomine", [False])
    try:
        t0 = time.monotonic()
        pending = session.send(vault.functions.deposit(CLIENT.address), CLIENT_KEY, value=2)
        assert not pending.done and time.monotonic() - t0 < 2.0
        timer = threading.Timer(0.2, lambda: session.rpc("evm_mine", []))
        timer.start()
        receipt = pending.wait(10)
        timer.join()
    finally:
        session.rpc("evm_setAutomine", [True])
    assert receipt.ok and receipt.block_number > first.block_number
