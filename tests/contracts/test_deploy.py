"""deploy_protocol wires everything as docs/protocol.md, "Contracts and roles" describes;
ensure_wiring is idempotent."""

from __future__ import annotations

from web3 import Web3

from ogpu.devnet.accounts import dev_account
from ogpu.devnet.deploy import CONTROLLER_ROLE, JUDGE_ROLE, Deployment, ensure_wiring

from .helpers import Protocol, addr, send


def test_wiring_and_roles(p: Protocol) -> None:
    d = p.d
    assert p.nexus.functions.manager().call() == d.manager
    assert p.nexus.functions.terminal().call() == d.terminal
    assert p.nexus.functions.vault().call() == d.vault
    assert p.controller.functions.nexus().call() == d.nexus
    assert p.controller.functions.terminal().call() == d.terminal
    assert p.controller.functions.vault().call() == d.vault
    assert p.terminal.functions.manager().call() == d.manager
    assert p.terminal.functions.vault().call() == d.vault
    assert p.vault.functions.manager().call() == d.manager
    assert p.vault.functions.nexus().call() == d.nexus
    assert p.vault.functions.terminal().call() == d.terminal
    for holder in (d.controller, d.nexus, d.terminal):
        assert p.manager.functions.hasRole(CONTROLLER_ROLE, holder).call()
    assert p.manager.functions.hasRole(JUDGE_ROLE, addr("judge")).call()
    assert p.manager.functions.hasRole(b"\x00" * 32, addr("admin")).call()
    assert (
        p.manager.functions.getRoleAdmin(p.manager.functions.PROVIDER().call()).call()
        == CONTROLLER_ROLE
    )
    assert p.manager.functions.CONTROLLER().call() == CONTROLLER_ROLE
    assert p.nexus.functions.PROVIDER().call() == p.terminal.functions.PROVIDER().call()
    assert p.vault.functions.UNBONDING_PERIOD().call() == 600
    assert p.vault.functions.MIN_LOCKUP_PER_SOURCE().call() == 0
    assert p.terminal.functions.defaultAgent().call() == addr("agent")
    for owned in (p.nexus, p.controller, p.terminal):
        assert owned.functions.owner().call() == addr("admin")
    assert p.nexus.functions.sourceImplementation().call() == d.source_implementation
    assert p.nexus.functions.responseImplementation().call() == d.response_implementation
    assert p.controller.functions.taskImplementation().call() == d.task_implementation
    assert d.chain_id == p.w3.eth.chain_id
    assert Deployment.from_dict(d.to_dict()) == d


def test_ensure_wiring_sends_only_what_is_missing(w3: Web3, p: Protocol) -> None:
    admin = dev_account("admin").account
    assert ensure_wiring(w3, admin, p.d) == []
    send(w3, "admin", p.manager.functions.revokeRole(JUDGE_ROLE, addr("judge")))
    send(w3, "admin", p.vault.functions.setMaxUnbondingPeriod(5))
    send(w3, "admin", p.terminal.functions.setVault(addr("stranger")))
    sent = ensure_wiring(w3, admin, p.d)
    assert len(sent) == 3
    assert p.manager.functions.hasRole(JUDGE_ROLE, addr("judge")).call()
    assert p.vault.functions.UNBONDING_PERIOD().call() == 600
    assert p.terminal.functions.vault().call() == p.d.vault
    assert ensure_wiring(w3, admin, p.d) == []


def test_implementations_cannot_be_initialised(p: Protocol) -> None:
    from .helpers import expect_error, source_params

    impl = p.source(p.d.source_implementation)
    expect_error(
        p.w3,
        "stranger",
        impl.functions.initialize(source_params(addr("client")), addr("stranger")),
        "InvalidInitialization",
    )
