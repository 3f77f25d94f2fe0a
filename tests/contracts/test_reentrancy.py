"""A malicious receiver cannot withdraw or claim twice by re-entering the Vault."""

from __future__ import annotations

from typing import Any

import pytest
from web3 import Web3

from ogpu.chain.artifacts import load_artifact
from ogpu.devnet.accounts import dev_account

from .helpers import ETH, Protocol, decode_error, expect_error, send, send_raw


@pytest.fixture
def attacker(p: Protocol) -> Any:
    art = load_artifact("ReentrantReceiver")
    w3: Web3 = p.w3
    admin = dev_account("stranger").account
    factory = w3.eth.contract(abi=art.abi, bytecode=art.bytecode)
    tx = factory.constructor(p.d.vault).build_transaction(
        {
            "from": admin.address,
            "nonce": w3.eth.get_transaction_count(admin.address, "pending"),
            "gas": 3_000_000,
            "maxFeePerGas": 10**11,
            "maxPriorityFeePerGas": 10**9,
            "chainId": w3.eth.chain_id,
        }
    )
    receipt = send_raw(w3, admin, tx, label="deploy ReentrantReceiver")
    contract = w3.eth.contract(address=receipt["contractAddress"], abi=art.abi)
    send(w3, "stranger", contract.functions.fund(), value=ETH)
    return contract


def test_reentrant_withdraw_is_blocked(p: Protocol, attacker: Any) -> None:
    w3 = p.w3
    vault_before = w3.eth.get_balance(p.d.vault)
    send(w3, "stranger", attacker.functions.attack(1, ETH // 2, ETH // 2))
    assert attacker.functions.reentryAttempts().call() == 1
    assert attacker.functions.reentered().call() is False
    err = decode_error(attacker.functions.blockedData().call())
    assert err.name == "ReentrancyGuardReentrantCall"
    assert p.balance(attacker.address) == ETH // 2
    assert w3.eth.get_balance(attacker.address) == ETH // 2
    assert w3.eth.get_balance(p.d.vault) == vault_before - ETH // 2


def test_reentrant_claim_during_withdraw_is_blocked(p: Protocol, attacker: Any) -> None:
    w3 = p.w3
    send(w3, "stranger", attacker.functions.lockAndUnbond(ETH // 2, ETH // 4))
    p.advance(601)
    send(w3, "stranger", attacker.functions.attack(2, ETH // 10, 0))
    assert attacker.functions.reentered().call() is False
    assert (
        decode_error(attacker.functions.blockedData().call()).name == "ReentrancyGuardReentrantCall"
    )
    # the unbonding bucket is still intact and can be claimed exactly once
    assert p.vault.functions.unbondingOf(attacker.address).call() == ETH // 4
    send(w3, "stranger", attacker.functions.claim())
    assert p.balance(attacker.address) == ETH // 2 - ETH // 10 + ETH // 4
    assert p.vault.functions.unbondingOf(attacker.address).call() == 0
    expect_error(w3, "stranger", attacker.functions.claim(), "NothingToClaim", attacker.address)


def test_withdraw_to_a_rejecting_receiver_reverts_transfer_failed(
    p: Protocol, attacker: Any
) -> None:
    before = p.balance(attacker.address)
    expect_error(
        p.w3,
        "stranger",
        attacker.functions.attack(3, ETH // 4, 0),
        "TransferFailed",
        attacker.address,
        ETH // 4,
    )
    assert p.balance(attacker.address) == before
