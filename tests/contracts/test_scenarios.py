"""Acceptance scenarios S1-S8 (task lifecycles end to end), with exact events, statuses and
balances; the rules they follow are in docs/protocol.md."""

from __future__ import annotations

from .helpers import (
    ACTIVE,
    ATTEMPTED,
    CANCELED,
    CONFIRMED,
    ETH,
    EXPIRED,
    FINALIZED,
    INACTIVE,
    NEW,
    RESPONDED,
    SUBMITTED,
    ZERO,
    Protocol,
    addr,
    decode_events,
    event_names,
    expect_error,
    pair,
    publish_source,
    publish_task,
    send,
    source_params,
    submit,
)

PAY = 10**16


def test_s1_first_response_happy_path(p: Protocol) -> None:
    w3 = p.w3
    # 1. pairing
    r = send(w3, "provider", p.terminal.functions.announceMaster(addr("master")))
    assert [(e.name, e.args) for e in decode_events(w3, r)] == [
        ("MasterAnnounced", {"provider": addr("provider"), "master": addr("master")})
    ]
    r = send(w3, "master", p.terminal.functions.announceProvider(addr("provider"), 0))
    evs = decode_events(w3, r)
    assert ("ProviderAnnounced", {"provider": addr("provider"), "master": addr("master")}) in [
        (e.name, e.args) for e in evs
    ]
    assert "RoleGranted" in [e.name for e in evs]
    assert p.terminal.functions.masterOf(addr("provider")).call() == addr("master")
    assert p.terminal.functions.isProvider(addr("provider")).call()
    assert p.terminal.functions.isMaster(addr("master")).call()
    assert p.manager.functions.hasRole(
        p.manager.functions.PROVIDER().call(), addr("provider")
    ).call()

    # 2. deposit + publish source
    r = send(w3, "client", p.vault.functions.deposit(addr("client")), value=ETH)
    assert [(e.name, e.args) for e in decode_events(w3, r)] == [
        ("Deposited", {"account": addr("client"), "amount": ETH})
    ]
    s = publish_source(p, delivery=1, min_payment=PAY)
    src = p.source(s)
    assert src.functions.getStatus().call() == ACTIVE
    assert src.functions.owner().call() == p.d.nexus
    assert src.functions.getClient().call() == addr("client")

    # 3. register via master
    r = send(w3, "master", p.nexus.functions.register(s, addr("provider"), 1))
    assert [(e.name, e.args) for e in decode_events(w3, r)] == [
        (
            "Registered",
            {
                "provider": addr("provider"),
                "registrantId": 1,
                "source": s,
                "preferredEnvironment": 1,
            },
        )
    ]

    # 4. publish task
    r = send(w3, "client", p.controller.functions.publishTask((s, "cfg://1", p.now() + 3600, PAY)))
    evs = decode_events(w3, r)
    # the clone's Ownable + Initializable events, then the Nexus event
    assert [e.name for e in evs] == ["OwnershipTransferred", "Initialized", "TaskPublished"]
    t = evs[2].args["task"]
    assert evs[0].address == t and evs[0].args == {"previousOwner": ZERO, "newOwner": p.d.nexus}
    assert evs[2].args["source"] == s
    task = p.task(t)
    assert task.functions.getStatus().call() == NEW
    assert p.balance(addr("client")) == ETH - PAY
    assert p.frozen(t) == PAY
    assert p.frozen(addr("client")) == PAY

    # 5. attempt by the default agent
    r = send(w3, "agent", p.nexus.functions.attempt(t, addr("provider"), PAY))
    assert [(e.name, e.args) for e in decode_events(w3, r)] == [
        ("Attempted", {"task": t, "provider": addr("provider"), "suggestedPayment": PAY}),
        ("TaskStatusChanged", {"task": t, "status": ATTEMPTED}),
    ]

    # 6. submit -> auto-confirm, full payment to master
    resp, r = submit(p, t, "provider", PAY)
    evs = decode_events(w3, r)
    assert [e.name for e in evs] == [
        "OwnershipTransferred",
        "Initialized",
        "ResponseSubmitted",
        "ResponseStatusChanged",
        "TaskStatusChanged",
    ]
    assert evs[2].args == {"response": resp, "task": t}
    assert evs[3].args == {"response": resp, "status": CONFIRMED}
    assert evs[4].args == {"task": t, "status": FINALIZED}
    assert p.response(resp).functions.confirmedFinal().call()
    assert p.response(resp).functions.getStatus().call() == CONFIRMED
    assert task.functions.winningProvider().call() == addr("provider")
    assert task.functions.getStatus().call() == FINALIZED
    assert p.balance(addr("master")) == PAY
    assert p.balance(addr("provider")) == 0
    assert p.vault.functions.totalEarningsOf(addr("provider")).call() == PAY
    assert p.vault.functions.totalEarningsOf(addr("master")).call() == PAY
    assert p.frozen(t) == 0 and p.frozen(addr("client")) == 0
    assert p.balance(addr("client")) == ETH - PAY

    # 7. confirm after auto-confirm
    expect_error(
        w3, "client", p.controller.functions.confirmResponse(resp), "AlreadyConfirmed", resp
    )


def test_s2_manual_bidding(funded: Protocol, manual_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, manual_source, payment=PAY)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), 8 * 10**15))
    send(w3, "provider2", p.nexus.functions.attempt(t, addr("provider2"), 6 * 10**15))
    assert p.nexus.functions.suggestedPaymentOf(t, addr("provider2")).call() == 6 * 10**15
    r1, rc = submit(p, t, "provider", 8 * 10**15)
    evs = decode_events(w3, rc)
    assert [e.name for e in evs] == [
        "OwnershipTransferred",
        "Initialized",
        "ResponseSubmitted",
        "TaskStatusChanged",
    ]
    assert evs[3].args == {"task": t, "status": RESPONDED}
    r2, rc = submit(p, t, "provider2", 6 * 10**15)
    assert event_names(w3, rc) == ["OwnershipTransferred", "Initialized", "ResponseSubmitted"]
    task = p.task(t)
    assert task.functions.getStatus().call() == RESPONDED
    assert task.functions.getResponsesOf(0, 10).call() == [r1, r2]

    rc = send(w3, "client", p.controller.functions.confirmResponse(r2))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("ResponseStatusChanged", {"response": r2, "status": CONFIRMED}),
        ("TaskStatusChanged", {"task": t, "status": FINALIZED}),
    ]
    assert task.functions.getStatus().call() == FINALIZED
    assert task.functions.winningProvider().call() == addr("provider2")
    assert p.balance(addr("master2")) == 6 * 10**15
    assert p.balance(addr("master")) == 0
    assert p.balance(addr("client")) == ETH - 6 * 10**15  # 4e15 refunded
    assert p.response(r1).functions.getStatus().call() == SUBMITTED
    assert not p.response(r1).functions.confirmedFinal().call()
    assert p.frozen(t) == 0
    expect_error(
        w3,
        "provider",
        p.nexus.functions.submitResponse((t, addr("provider"), "x", 1)),
        "AlreadyFinalized",
        t,
        FINALIZED,
    )
    expect_error(
        w3, "client", p.controller.functions.confirmResponse(r1), "AlreadyFinalized", t, FINALIZED
    )


def test_s3_cancellation(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source, payment=PAY)
    assert p.balance(addr("client")) == ETH - PAY
    rc = send(w3, "client", p.controller.functions.cancelTask(t))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("TaskStatusChanged", {"task": t, "status": CANCELED})
    ]
    assert p.task(t).functions.getStatus().call() == CANCELED
    assert p.balance(addr("client")) == ETH
    assert p.frozen(t) == 0 and p.frozen(addr("client")) == 0
    expect_error(
        w3, "client", p.controller.functions.cancelTask(t), "AlreadyFinalized", t, CANCELED
    )
    expect_error(
        w3,
        "provider",
        p.nexus.functions.attempt(t, addr("provider"), 0),
        "AlreadyFinalized",
        t,
        CANCELED,
    )


def test_s3_cancel_after_attempt_reverts(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source, payment=PAY)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    expect_error(
        w3, "client", p.controller.functions.cancelTask(t), "AlreadyFinalized", t, ATTEMPTED
    )


def test_s4_source_inactivation(funded: Protocol) -> None:
    p, w3 = funded, funded.w3
    s = publish_source(p)
    assert p.nexus.functions.activeSourceCountOf(addr("client")).call() == 1
    rc = send(w3, "client", p.nexus.functions.inactivateSource(s))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("SourceStatusChanged", {"source": s, "status": INACTIVE})
    ]
    assert p.source(s).functions.getStatus().call() == INACTIVE
    assert p.nexus.functions.activeSourceCountOf(addr("client")).call() == 0
    expect_error(
        w3,
        "client",
        p.controller.functions.publishTask((s, "c", p.now() + 100, PAY)),
        "SourceInactive",
        s,
    )
    expect_error(
        w3, "master", p.nexus.functions.register(s, addr("provider"), 1), "SourceInactive", s
    )
    expect_error(w3, "client", p.nexus.functions.inactivateSource(s), "SourceInactive", s)
    # admin route reactivates
    send(w3, "admin", p.nexus.functions.setSourceStatus(s, ACTIVE))
    assert p.source(s).functions.getStatus().call() == ACTIVE
    assert p.nexus.functions.activeSourceCountOf(addr("client")).call() == 1


def test_s5_source_update(funded: Protocol) -> None:
    p, w3 = funded, funded.w3
    s = publish_source(p, min_payment=PAY)
    new = source_params(addr("client"), min_payment=2 * PAY, env=3, url="https://new")
    rc = send(w3, "client", p.nexus.functions.updateSource(s, new))
    evs = decode_events(w3, rc)
    assert [e.name for e in evs] == ["SourceUpdated"]
    block_ts = w3.eth.get_block(rc["blockNumber"])["timestamp"]
    stored = p.source(s).functions.getSourceParams().call()
    assert stored[3] == 2 * PAY and stored[1] == "https://new" and stored[2] == 3
    assert stored[9] == block_ts
    assert evs[0].args["source"] == s
    assert tuple(evs[0].args["sourceParams"].values())[3] == 2 * PAY
    expect_error(
        w3,
        "client",
        p.controller.functions.publishTask((s, "c", p.now() + 100, PAY)),
        "InsufficientPayment",
        PAY,
        2 * PAY,
    )
    moved = source_params(addr("client2"))
    expect_error(
        w3, "client", p.nexus.functions.updateSource(s, moved), "NotOwner", s, addr("client")
    )


def test_s6_lazy_expiry(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source, payment=PAY, ttl=60)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    p.advance(61)
    rc = send(w3, "master2", p.nexus.functions.attempt(t, addr("provider2"), PAY))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("TaskStatusChanged", {"task": t, "status": EXPIRED})
    ]
    assert p.task(t).functions.getStatus().call() == EXPIRED
    assert p.task(t).functions.getAttemptCount().call() == 1
    assert p.balance(addr("client")) == ETH
    assert p.frozen(t) == 0
    exp = p.task(t).functions.getExpiryTime().call()
    expect_error(
        w3, "provider2", p.nexus.functions.attempt(t, addr("provider2"), PAY), "Expired", t, exp
    )
    expect_error(
        w3,
        "provider",
        p.nexus.functions.submitResponse((t, addr("provider"), "d", PAY)),
        "Expired",
        t,
        exp,
    )
    expect_error(w3, "client", p.controller.functions.cancelTask(t), "Expired", t, exp)


def test_s6_overdue_submit_reverts_and_cancel_expires(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source, payment=PAY, ttl=60)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    p.advance(61)
    exp = p.task(t).functions.getExpiryTime().call()
    expect_error(
        w3,
        "provider",
        p.nexus.functions.submitResponse((t, addr("provider"), "d", PAY)),
        "Expired",
        t,
        exp,
    )
    rc = send(w3, "client", p.controller.functions.cancelTask(t))  # T9
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("TaskStatusChanged", {"task": t, "status": EXPIRED})
    ]
    assert p.balance(addr("client")) == ETH


def test_s7_vault_lifecycle(p: Protocol) -> None:
    w3 = p.w3
    c = addr("client")
    half, fifth, tenth = 5 * 10**17, 2 * 10**17, 10**17
    send(w3, "client", p.vault.functions.deposit(c), value=half)
    assert p.balance(c) == half
    rc = send(w3, "client", p.vault.functions.lock(fifth))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("Locked", {"account": c, "amount": fifth})
    ]
    assert (p.balance(c), p.lockup(c)) == (3 * 10**17, fifth)
    rc = send(w3, "client", p.vault.functions.unbond(tenth))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("Unbonded", {"account": c, "amount": tenth})
    ]
    ts = w3.eth.get_block(rc["blockNumber"])["timestamp"]
    assert p.lockup(c) == tenth
    assert p.vault.functions.unbondingOf(c).call() == tenth
    assert p.vault.functions.unbondingTimestamp(c).call() == ts + 600
    err = expect_error(w3, "client", p.vault.functions.claim(), "UnbondingNotElapsed")
    assert err.args[0] == c and 0 < err.args[1] <= 600
    p.advance(600)
    rc = send(w3, "client", p.vault.functions.claim())
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("Claimed", {"account": c, "amount": tenth})
    ]
    assert p.balance(c) == 4 * 10**17
    assert p.vault.functions.unbondingOf(c).call() == 0
    expect_error(w3, "client", p.vault.functions.claim(), "NothingToClaim", c)
    before = w3.eth.get_balance(c)
    rc = send(w3, "client", p.vault.functions.withdraw(4 * 10**17))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("Withdrawn", {"account": c, "amount": 4 * 10**17})
    ]
    fee = rc["gasUsed"] * rc["effectiveGasPrice"]
    assert w3.eth.get_balance(c) == before + 4 * 10**17 - fee
    expect_error(w3, "client", p.vault.functions.withdraw(1), "InsufficientBalance", c, 1, 0)


def test_s7_cancel_unbonding(p: Protocol) -> None:
    w3 = p.w3
    c = addr("client")
    send(w3, "client", p.vault.functions.deposit(c), value=ETH)
    send(w3, "client", p.vault.functions.lock(ETH))
    send(w3, "client", p.vault.functions.unbond(ETH // 4))
    rc = send(w3, "client", p.vault.functions.cancelUnbonding())
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("UnbondingCanceled", {"account": c, "amount": ETH // 4})
    ]
    assert p.lockup(c) == ETH
    assert p.vault.functions.unbondingTimestamp(c).call() == 0
    expect_error(w3, "client", p.vault.functions.cancelUnbonding(), "NothingToCancel", c)


def test_s8_agents(p: Protocol) -> None:
    w3 = p.w3
    pair(p)
    send(w3, "client", p.vault.functions.deposit(addr("client")), value=ETH)
    g, h = "stranger", "client2"
    rc = send(w3, "master", p.terminal.functions.setAgent(addr(g), True))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("AgentSet", {"account": addr("master"), "agent": addr(g), "value": True})
    ]
    assert p.terminal.functions.isAgentOf(addr("master"), addr(g)).call()
    send(w3, "master", p.terminal.functions.setAgent(addr(g), True))  # idempotent
    s = publish_source(p, delivery=0)
    send(w3, g, p.nexus.functions.register(s, addr("provider"), 1))
    t = publish_task(p, s, payment=PAY)
    send(w3, g, p.nexus.functions.attempt(t, addr("provider"), PAY))
    assert p.task(t).functions.getStatus().call() == ATTEMPTED
    expect_error(
        w3,
        "provider",
        p.terminal.functions.setAgent(addr(g), True),
        "ProviderCannotSetAgent",
        addr("provider"),
    )
    # client agent H publishes a task; escrow drawn from C
    send(w3, "client", p.terminal.functions.setAgent(addr(h), True))
    before = p.balance(addr("client"))
    t2 = publish_task(p, s, client=h, payment=PAY)
    assert p.balance(addr("client")) == before - PAY
    assert p.balance(addr(h)) == 0
    assert p.frozen(t2) == PAY
    # H can also cancel it; the refund goes to C
    send(w3, h, p.controller.functions.cancelTask(t2))
    assert p.balance(addr("client")) == before


def test_default_agent_opt_out(funded: Protocol, fr_source: str) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source)
    rc = send(w3, "master", p.terminal.functions.setDefaultAgentDisabled(True))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("DefaultAgentDisabled", {"master": addr("master"), "value": True})
    ]
    assert not p.terminal.functions.getIsAgentOf(addr("master"), addr("agent")).call()
    assert p.terminal.functions.getIsAgentOf(addr("master2"), addr("agent")).call()
    expect_error(
        w3,
        "agent",
        p.nexus.functions.attempt(t, addr("provider"), 0),
        "NotAgent",
        addr("agent"),
        addr("provider"),
    )
    send(w3, "agent", p.nexus.functions.attempt(t, addr("provider2"), 0))
    # the default agent never acts for clients
    expect_error(w3, "agent", p.controller.functions.cancelTask(t), "NotOwner", t, addr("agent"))
