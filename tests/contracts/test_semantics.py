"""Per-function semantics (docs/protocol.md, "The task state machine" and "Money flows"): check
order, error arguments, state and money effects."""

from __future__ import annotations

from web3 import Web3

from .helpers import (
    AMD,
    ATTEMPTED,
    CPU,
    ETH,
    FINALIZED,
    NVIDIA,
    ZERO,
    Protocol,
    addr,
    decode_events,
    expect_error,
    pair,
    publish_source,
    publish_task,
    send,
    source_params,
    submit,
)

PAY = 10**16


# ------------------------------------------------------------------------------ publishSource


def test_publish_source_validation(funded: Protocol) -> None:
    p, w3 = funded, funded.w3
    c = addr("client")
    f = p.nexus.functions.publishSource
    expect_error(w3, "client", f(source_params(ZERO)), "NotOwner", ZERO, c)
    expect_error(w3, "client", f(source_params(c, env=0)), "InvalidEnvironment", 0)
    expect_error(w3, "client", f(source_params(c, env=8)), "InvalidEnvironment", 8)
    expect_error(w3, "client", f(source_params(c, max_expiry=0)), "InvalidParams")
    expect_error(w3, "client", f(source_params(c, url="")), "InvalidParams")
    expect_error(w3, "client", f(source_params(c, delivery=2)), "InvalidParams")


def test_publish_source_lockup_floor_whitelist_and_sanction(funded: Protocol) -> None:
    p, w3 = funded, funded.w3
    c = addr("client")
    send(w3, "admin", p.vault.functions.setMinLockupPerSource(ETH // 10))
    expect_error(
        w3,
        "client",
        p.nexus.functions.publishSource(source_params(c)),
        "InsufficientLockup",
        c,
        ETH // 10,
        0,
    )
    send(w3, "client", p.vault.functions.lock(ETH // 10))
    publish_source(p)
    assert p.nexus.functions.activeSourceCountOf(c).call() == 1
    expect_error(
        w3,
        "client",
        p.nexus.functions.publishSource(source_params(c)),
        "InsufficientLockup",
        c,
        2 * ETH // 10,
        ETH // 10,
    )
    # unbonding below the floor of the active source is refused
    expect_error(
        w3, "client", p.vault.functions.unbond(1), "InsufficientLockup", c, ETH // 10 + 1, ETH // 10
    )
    send(w3, "judge", p.vault.functions.setWhitelist(c, True))
    publish_source(p)  # whitelisted: no floor
    send(w3, "judge", p.vault.functions.setWhitelist(c, False))
    send(w3, "admin", p.vault.functions.setMinLockupPerSource(0))
    send(w3, "judge", p.vault.functions.sanction(c, 1))
    expect_error(w3, "client", p.nexus.functions.publishSource(source_params(c)), "NotEligible", c)
    assert not p.vault.functions.isEligible(c).call()


def test_sources_registry_views(funded: Protocol) -> None:
    p = funded
    s1 = publish_source(p)
    s2 = publish_source(p)
    s3 = publish_source(p, client="client2")
    n = p.nexus.functions
    assert n.getSourceCount().call() == 3
    assert n.getSources(0, 2).call() == [s1, s2, s3]
    assert n.getSources(1, 100).call() == [s2, s3]
    assert n.getSources(2, 1).call() == []
    assert n.getSources(3, 5).call() == []
    assert n.getSourceId(s3).call() == 3 and n.getSourceId(addr("stranger")).call() == 0
    assert n.clients(0).call() == addr("client") and n.clients(1).call() == addr("client2")
    assert n.getClientCount().call() == 2
    assert n.sourcesOf(addr("client"), 1).call() == s2
    assert n.getSourcesOfCount(addr("client")).call() == 2
    assert n.getActiveSourceCount(addr("client2")).call() == 1
    assert p.source(s1).functions.nexus().call() == p.d.nexus


# ------------------------------------------------------------------------------ publishTask


def test_publish_task_check_order(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    f = p.controller.functions.publishTask
    now = p.now()
    stranger = addr("stranger")
    expect_error(w3, "client", f((stranger, "c", now + 100, PAY)), "UnknownSource", stranger)
    expect_error(
        w3, "client2", f((fr_source, "c", now + 100, PAY)), "NotOwner", fr_source, addr("client2")
    )
    expect_error(w3, "client", f((fr_source, "c", now - 1, PAY)), "Expired", ZERO, now - 1)
    err = expect_error(w3, "client", f((fr_source, "c", now + 86_400 + 100, PAY)), "ExpiryTooLong")
    assert err.args[0] == now + 86_500 and err.args[1] >= now + 86_400
    expect_error(
        w3, "client", f((fr_source, "c", now + 100, PAY - 1)), "InsufficientPayment", PAY - 1, PAY
    )
    expect_error(
        w3,
        "client",
        f((fr_source, "c", now + 100, 2 * ETH)),
        "InsufficientBalance",
        addr("client"),
        2 * ETH,
        ETH,
    )


def test_task_views(funded: Protocol, manual_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, manual_source, payment=3 * PAY, ttl=500, config="https://cfg")
    task = p.task(t).functions
    exp = task.getExpiryTime().call()
    assert task.taskParams().call() == [manual_source, "https://cfg", exp, 3 * PAY]
    assert task.getSource().call() == manual_source and task.getPayment().call() == 3 * PAY
    assert task.getDeliveryMethod().call() == 0 and task.deliveryMethod().call() == 0
    assert task.owner().call() == p.d.nexus
    assert p.source(manual_source).functions.getTasks(0, 0).call() == [t]
    assert p.source(manual_source).functions.getTaskCount().call() == 1
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    send(w3, "provider2", p.nexus.functions.attempt(t, addr("provider2"), PAY))
    assert task.getAttemptCount().call() == 2
    assert task.getAttempters(0, 9).call() == [addr("provider"), addr("provider2")]
    assert task.getAttempters(1, 1).call() == [addr("provider2")]
    stamps = task.getAttemptTimestamps(0, 9).call()
    assert len(stamps) == 2 and stamps[0] <= stamps[1] <= p.now()
    assert task.getAttempterId(addr("provider2")).call() == 2
    assert task.getResponsesOf(0, 1).call() == [ZERO, ZERO]
    r, _ = submit(p, t, "provider2", PAY, data="https://resp/x")
    assert task.getResponsesOf(0, 1).call() == [ZERO, r]
    assert task.responseOf(addr("provider2")).call() == r
    assert task.isAlreadySubmitted(Web3.keccak(text="https://resp/x")).call()
    resp = p.response(r).functions
    assert list(resp.getResponseParams().call()) == [t, addr("provider2"), "https://resp/x", PAY]
    assert resp.responseParams().call() == [t, addr("provider2"), "https://resp/x", PAY]
    assert resp.responseTimestamp().call() == p.now()
    assert task.winningProvider().call() == ZERO


# ------------------------------------------------------------------------------ register / unregister


def test_register_check_order(funded: Protocol) -> None:
    p, w3 = funded, funded.w3
    s = publish_source(p, env=CPU | AMD)
    f = p.nexus.functions.register
    stranger = addr("stranger")
    expect_error(w3, "master", f(stranger, addr("provider"), 1), "UnknownSource", stranger)
    expect_error(w3, "stranger", f(s, stranger, 1), "NotProvider", stranger)
    expect_error(
        w3, "master2", f(s, addr("provider"), 1), "NotAgent", addr("master2"), addr("provider")
    )
    expect_error(w3, "master", f(s, addr("provider"), NVIDIA), "InvalidEnvironment", NVIDIA)
    expect_error(w3, "master", f(s, addr("provider"), 3), "InvalidEnvironment", 3)
    rc = send(w3, "master", f(s, addr("provider"), AMD))
    assert decode_events(w3, rc)[0].args["preferredEnvironment"] == AMD
    assert p.source(s).functions.preferredEnvironmentOf(addr("provider")).call() == AMD
    expect_error(w3, "master", f(s, addr("provider"), 1), "AlreadyRegistered", s, addr("provider"))
    send(w3, "judge", p.vault.functions.setWhitelist(addr("provider2"), False))
    # sanctioned provider is not eligible
    send(w3, "provider2", p.vault.functions.deposit(addr("provider2")), value=10)
    send(w3, "provider2", p.vault.functions.lock(10))
    send(w3, "judge", p.vault.functions.sanction(addr("provider2"), 1))
    expect_error(w3, "master2", f(s, addr("provider2"), 1), "NotEligible", addr("provider2"))


def test_register_counts_provider_and_master_lockup(funded: Protocol) -> None:
    p, w3 = funded, funded.w3
    s = publish_source(p, min_lockup=3 * PAY)
    f = p.nexus.functions.register
    expect_error(
        w3, "master", f(s, addr("provider"), 1), "InsufficientLockup", addr("provider"), 3 * PAY, 0
    )
    send(w3, "master", p.vault.functions.deposit(addr("master")), value=2 * PAY)
    send(w3, "master", p.vault.functions.lock(2 * PAY))
    expect_error(
        w3,
        "master",
        f(s, addr("provider"), 1),
        "InsufficientLockup",
        addr("provider"),
        3 * PAY,
        2 * PAY,
    )
    # stake sent through the Terminal lands in the provider's lockup
    rc = send(w3, "master", p.terminal.functions.announceProvider(addr("provider"), PAY), value=PAY)
    assert [e.name for e in decode_events(w3, rc)] == ["ProviderAnnounced", "Deposited", "Locked"]
    assert p.lockup(addr("provider")) == PAY
    send(w3, "master", f(s, addr("provider"), 1))


def test_unregister_leaves_a_hole_and_reregistration_appends(
    funded: Protocol, fr_source: str
) -> None:
    p, w3 = funded, funded.w3
    src = p.source(fr_source).functions
    assert src.getRegistrants(0, 5).call() == [addr("provider"), addr("provider2")]
    rc = send(w3, "provider", p.nexus.functions.unregister(fr_source, addr("provider")))
    assert decode_events(w3, rc) == []
    assert src.getRegistrants(0, 5).call() == [ZERO, addr("provider2")]
    assert src.getRegistrantCount().call() == 2
    assert src.getRegistrantId(addr("provider")).call() == 0
    expect_error(
        w3,
        "provider",
        p.nexus.functions.unregister(fr_source, addr("provider")),
        "NotRegistered",
        fr_source,
        addr("provider"),
    )
    t = publish_task(p, fr_source)
    expect_error(
        w3,
        "provider",
        p.nexus.functions.attempt(t, addr("provider"), 0),
        "NotRegistered",
        fr_source,
        addr("provider"),
    )
    send(w3, "provider", p.nexus.functions.register(fr_source, addr("provider"), 1))
    assert src.getRegistrantId(addr("provider")).call() == 3
    assert src.getRegistrants(1, 2).call() == [addr("provider2"), addr("provider")]


# ------------------------------------------------------------------------------ attempt / submit


def test_attempt_check_order(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source, payment=PAY)
    f = p.nexus.functions.attempt
    expect_error(
        w3, "provider", f(addr("stranger"), addr("provider"), 0), "UnknownTask", addr("stranger")
    )
    expect_error(w3, "stranger", f(t, addr("stranger"), 0), "NotProvider", addr("stranger"))
    expect_error(
        w3, "stranger", f(t, addr("provider"), 0), "NotAgent", addr("stranger"), addr("provider")
    )
    expect_error(w3, "provider", f(t, addr("provider"), PAY + 1), "InvalidPayment", PAY + 1, PAY)
    send(w3, "provider", f(t, addr("provider"), PAY))
    expect_error(w3, "master", f(t, addr("provider"), PAY), "AlreadyAttempted", t, addr("provider"))
    rc = send(w3, "provider2", f(t, addr("provider2"), 1))  # T2: no status change
    assert [e.name for e in decode_events(w3, rc)] == ["Attempted"]
    assert p.task(t).functions.getStatus().call() == ATTEMPTED


def test_submit_response_check_order(funded: Protocol, manual_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, manual_source, payment=PAY)
    f = p.nexus.functions.submitResponse
    expect_error(
        w3, "provider", f((t, addr("provider"), "d", 1)), "NotAttempted", t, addr("provider")
    )
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    send(w3, "provider2", p.nexus.functions.attempt(t, addr("provider2"), PAY))
    expect_error(
        w3, "provider", f((t, addr("provider"), "d", PAY + 1)), "InvalidPayment", PAY + 1, PAY
    )
    submit(p, t, "provider", PAY, data="https://same")
    expect_error(
        w3,
        "provider",
        f((t, addr("provider"), "https://other", 1)),
        "AlreadySubmitted",
        t,
        addr("provider"),
    )
    # copying another provider's payload is refused
    expect_error(
        w3,
        "provider2",
        f((t, addr("provider2"), "https://same", 1)),
        "AlreadySubmitted",
        t,
        addr("provider2"),
    )
    submit(p, t, "provider2", PAY, sender="master2")  # masters may submit for their provider


def test_confirm_response_unknown_and_fake(funded: Protocol, manual_source: str) -> None:
    p, w3 = funded, funded.w3
    f = p.controller.functions.confirmResponse
    for bogus in (addr("stranger"), p.d.vault, manual_source):
        expect_error(w3, "client", f(bogus), "UnknownResponse", bogus)
    assert not p.nexus.functions.isResponse(p.d.response_implementation).call()


# ------------------------------------------------------------------------------ terminal


def test_pairing_handshake_is_order_independent(p: Protocol) -> None:
    w3 = p.w3
    t = p.terminal.functions
    send(w3, "master", t.announceProvider(addr("provider"), 0))
    assert not t.isProvider(addr("provider")).call()
    assert t.providerOf(addr("master")).call() == addr("provider")
    send(w3, "provider", t.announceMaster(addr("master")))
    assert t.masterOf(addr("provider")).call() == addr("master")
    assert t.getMasterOf(addr("provider")).call() == addr("master")
    assert t.getIsMaster(addr("master")).call()


def test_terminal_errors(p: Protocol) -> None:
    w3 = p.w3
    t = p.terminal.functions
    expect_error(w3, "provider", t.announceMaster(ZERO), "ZeroAddress")
    expect_error(
        w3, "provider", t.announceMaster(addr("provider")), "InvalidMaster", addr("provider")
    )
    expect_error(
        w3, "master", t.announceProvider(addr("provider"), 5), "InvalidAmount", 0, 5, value=0
    )
    expect_error(
        w3, "master", t.announceProvider(addr("master"), 0), "InvalidProvider", addr("master")
    )
    pair(p)
    expect_error(
        w3, "provider", t.announceMaster(addr("master2")), "AlreadyPaired", addr("provider")
    )
    expect_error(
        w3, "master2", t.announceProvider(addr("provider"), 0), "AlreadyPaired", addr("provider")
    )
    expect_error(
        w3, "provider2", t.announceMaster(addr("provider")), "InvalidMaster", addr("provider")
    )
    expect_error(w3, "master", t.setAgent(addr("master"), True), "InvalidAgent", addr("master"))
    expect_error(w3, "master", t.setAgent(ZERO, True), "ZeroAddress")


def test_provider_data_and_remove_container(p: Protocol) -> None:
    w3 = p.w3
    pair(p)
    t = p.terminal.functions
    rc = send(w3, "provider", t.setBaseData("gpu=4090"))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("BaseDataUpdated", {"provider": addr("provider")})
    ]
    send(w3, "provider", t.setLiveData("idle"))
    assert t.baseDataOf(addr("provider")).call() == "gpu=4090"
    assert t.liveDataOf(addr("provider")).call() == "idle"
    rc = send(w3, "master", t.removeContainer(addr("provider"), addr("stranger")))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("RemoveContainer", {"provider": addr("provider"), "source": addr("stranger")})
    ]


def test_remove_provider_revokes_role_and_pays_the_master_of_submission_time(
    funded: Protocol, manual_source: str
) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, manual_source, payment=PAY)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    r, _ = submit(p, t, "provider", PAY)
    rc = send(w3, "master", p.terminal.functions.removeProvider(addr("provider")))
    names = [e.name for e in decode_events(w3, rc)]
    assert names == ["ProviderRemoved", "RoleRevoked"]
    assert not p.terminal.functions.isProvider(addr("provider")).call()
    assert not p.terminal.functions.isMaster(addr("master")).call()
    assert p.terminal.functions.masterOf(addr("provider")).call() == ZERO
    t2 = publish_task(p, manual_source)
    expect_error(
        w3,
        "provider",
        p.nexus.functions.attempt(t2, addr("provider"), 0),
        "NotProvider",
        addr("provider"),
    )
    send(w3, "client", p.controller.functions.confirmResponse(r))
    # The payee was fixed when the response was submitted (docs/protocol.md, "Security decisions").
    assert p.balance(addr("master")) == PAY
    assert p.balance(addr("provider")) == 0
    assert p.task(t).functions.getStatus().call() == FINALIZED
    expect_error(
        w3,
        "master",
        p.terminal.functions.removeProvider(addr("provider")),
        "NotProvider",
        addr("provider"),
    )


# ------------------------------------------------------------------------------ vault


def test_vault_input_errors(p: Protocol) -> None:
    w3 = p.w3
    v = p.vault.functions
    c = addr("client")
    expect_error(w3, "client", v.deposit(c), "ZeroAmount")
    expect_error(w3, "client", v.deposit(ZERO), "ZeroAddress", value=1)
    expect_error(w3, "client", v.withdraw(0), "ZeroAmount")
    expect_error(w3, "client", v.lock(0), "ZeroAmount")
    expect_error(w3, "client", v.lock(5), "InsufficientBalance", c, 5, 0)
    expect_error(w3, "client", v.unbond(0), "ZeroAmount")
    expect_error(w3, "client", v.unbond(5), "InsufficientLockup", c, 5, 0)
    # anyone may fund anyone
    send(w3, "stranger", v.deposit(c), value=7)
    assert p.balance(c) == 7 and v.getBalanceOf(c).call() == 7


def test_sanction_waive_and_withdraw_sanction(p: Protocol) -> None:
    w3 = p.w3
    v = p.vault.functions
    prov = addr("provider")
    send(w3, "provider", v.deposit(prov), value=ETH)
    send(w3, "provider", v.lock(ETH))
    expect_error(w3, "judge", v.sanction(prov, 0), "ZeroAmount")
    expect_error(w3, "judge", v.sanction(prov, 2 * ETH), "InsufficientLockup", prov, 2 * ETH, ETH)
    rc = send(w3, "judge", v.sanction(prov, ETH // 2))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("Sanctioned", {"account": prov, "amount": ETH // 2})
    ]
    assert (p.lockup(prov), v.sanctionOf(prov).call(), v.sanctionedAmount().call()) == (
        ETH // 2,
        ETH // 2,
        ETH // 2,
    )
    assert not v.isEligible(prov).call()
    expect_error(w3, "judge", v.waive(prov, ETH), "InvalidAmount", ETH, ETH // 2)
    rc = send(w3, "judge", v.waive(prov, ETH // 4))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("Waived", {"account": prov, "amount": ETH // 4})
    ]
    assert p.lockup(prov) == 3 * ETH // 4
    admin_before = w3.eth.get_balance(addr("admin"))
    rc = send(w3, "admin", v.withdrawSanctionOf(prov))
    fee = rc["gasUsed"] * rc["effectiveGasPrice"]
    assert w3.eth.get_balance(addr("admin")) == admin_before + ETH // 4 - fee
    assert v.sanctionOf(prov).call() == 0 and v.sanctionedAmount().call() == 0
    assert v.isEligible(prov).call()
    expect_error(w3, "admin", v.withdrawSanctionOf(prov), "NothingToClaim", prov)
    assert w3.eth.get_balance(p.d.vault) == 3 * ETH // 4


def test_force_release_then_settlement_fails(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source, payment=PAY)
    expect_error(
        w3, "judge", p.vault.functions.forceReleasePayment(addr("client2"), t), "EscrowNotFound", t
    )
    send(w3, "judge", p.vault.functions.forceReleasePayment(addr("client"), t))
    assert p.balance(addr("client")) == ETH and p.frozen(t) == 0
    expect_error(w3, "client", p.controller.functions.cancelTask(t), "EscrowNotFound", t)


def test_emergency_exit(p: Protocol) -> None:
    w3 = p.w3
    v = p.vault.functions
    c = addr("client")
    send(w3, "client", v.deposit(c), value=3 * ETH)
    send(w3, "client", v.lock(2 * ETH))
    send(w3, "client", v.unbond(ETH))
    before = w3.eth.get_balance(c)
    send(w3, "admin", v.emergencyExit(c))
    assert w3.eth.get_balance(c) == before + 3 * ETH
    assert (p.balance(c), p.lockup(c), v.unbondingOf(c).call()) == (0, 0, 0)


def test_setters_reject_zero_address(p: Protocol) -> None:
    w3 = p.w3
    for fn in (
        p.nexus.functions.setVault(ZERO),
        p.controller.functions.setNexus(ZERO),
        p.terminal.functions.setManager(ZERO),
        p.vault.functions.setTerminal(ZERO),
    ):
        expect_error(w3, "admin", fn, "ZeroAddress")
