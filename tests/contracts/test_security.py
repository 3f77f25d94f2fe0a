"""What a hostile client, provider or role holder could do, and the checks that now stop it.

Each test drives the attack on the real contracts and asserts it fails (docs/protocol.md,
"Security decisions", records every choice).
"""

from __future__ import annotations

import pytest
from web3 import Web3

from ogpu.devnet.deploy import (
    CONTROLLER_ROLE,
    DeploymentError,
    assert_controller_holders,
)

from .helpers import (
    ETH,
    EXPIRED,
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
CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"


# ------------------------------------------------------------------- agents and pairing


def test_default_agent_cannot_unpair_a_masters_provider(funded: Protocol) -> None:
    p, w3 = funded, funded.w3
    assert p.terminal.functions.getIsAgentOf(addr("master"), addr("agent")).call()
    expect_error(
        w3,
        "agent",
        p.terminal.functions.removeProvider(addr("provider")),
        "NotMaster",
        addr("agent"),
    )
    # The explicit per-master grant still may.
    send(w3, "master", p.terminal.functions.setAgent(addr("stranger"), True))
    send(w3, "stranger", p.terminal.functions.removeProvider(addr("provider")))
    assert not p.terminal.functions.isProvider(addr("provider")).call()


def test_paired_provider_can_revoke_an_agent_granted_before_pairing(p: Protocol) -> None:
    w3 = p.w3
    send(w3, "provider", p.terminal.functions.setAgent(addr("stranger"), True))
    pair(p, "provider", "master")
    expect_error(
        w3,
        "provider",
        p.terminal.functions.setAgent(addr("client2"), True),
        "ProviderCannotSetAgent",
        addr("provider"),
    )
    send(w3, "provider", p.terminal.functions.setAgent(addr("stranger"), False))
    assert not p.terminal.functions.isAgentOf(addr("provider"), addr("stranger")).call()
    expect_error(
        w3,
        "stranger",
        p.nexus.functions.publishSource(source_params(addr("provider"))),
        "NotOwner",
        addr("provider"),
        addr("stranger"),
    )


# ------------------------------------------------------------------------------- escrow


def test_a_controller_role_holder_cannot_escrow_for_a_task_that_is_not_ours(
    funded: Protocol,
) -> None:
    p, w3 = funded, funded.w3
    send(w3, "admin", p.manager.functions.grantRole(CONTROLLER_ROLE, addr("stranger")))
    fake = addr("stranger")
    expect_error(
        w3,
        "stranger",
        p.vault.functions.freezePayment(addr("client"), fake, ETH),
        "UnknownTask",
        fake,
    )
    expect_error(
        w3,
        "stranger",
        p.vault.functions.processPayment(addr("client"), fake, fake, ETH),
        "UnknownTask",
        fake,
    )
    expect_error(
        w3, "stranger", p.vault.functions.releasePayment(addr("client"), fake), "UnknownTask", fake
    )
    assert p.balance(addr("client")) == ETH


def test_deployment_refuses_a_foreign_controller_role_holder(w3: Web3, p: Protocol) -> None:
    assert_controller_holders(w3, p.d)
    send(w3, "admin", p.manager.functions.grantRole(CONTROLLER_ROLE, addr("stranger")))
    with pytest.raises(DeploymentError, match="CONTROLLER"):
        assert_controller_holders(w3, p.d)
    send(w3, "admin", p.manager.functions.revokeRole(CONTROLLER_ROLE, addr("stranger")))
    assert_controller_holders(w3, p.d)


def test_payee_is_fixed_when_the_response_is_submitted(
    funded: Protocol, manual_source: str
) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, manual_source, payment=PAY)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    r, _ = submit(p, t, "provider", payment=PAY)
    # The provider's hot key re-pairs to a master it controls before the client confirms.
    send(w3, "provider", p.terminal.functions.removeProvider(addr("provider")))
    pair(p, "provider", "stranger")
    assert p.terminal.functions.masterOf(addr("provider")).call() == addr("stranger")
    before = p.balance(addr("master"))
    send(w3, "client", p.controller.functions.confirmResponse(r))
    assert p.balance(addr("master")) == before + PAY
    assert p.balance(addr("stranger")) == 0


# ----------------------------------------------------------------------- duplicate check


@pytest.mark.parametrize(
    "copy",
    [
        f"https://cipfs.example/ipfs/{CID}?x",
        f"https://cipfs.example/ipfs/{CID}#frag",
        f"https://other.gateway/ipfs/{CID}",
        f"ipfs://{CID}",
        f"https://cipfs.example/ipfs/{CID}/",
        f"https://{CID.lower()}.ipfs.dweb.link:443/index.json",
    ],
)
def test_a_copied_cid_is_a_duplicate_whatever_the_url(
    funded: Protocol, manual_source: str, copy: str
) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, manual_source, payment=PAY)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    send(w3, "provider2", p.nexus.functions.attempt(t, addr("provider2"), PAY))
    submit(p, t, "provider", payment=PAY, data=f"https://cipfs.example/ipfs/{CID}")
    expect_error(
        w3,
        "provider2",
        p.nexus.functions.submitResponse((t, addr("provider2"), copy, PAY)),
        "AlreadySubmitted",
        t,
        addr("provider2"),
    )
    # A different CID is not a duplicate.
    submit(p, t, "provider2", payment=PAY, data="https://cipfs.example/ipfs/QmOther?x")


def test_already_submitted_is_keyed_by_content_identity(
    funded: Protocol, manual_source: str
) -> None:
    p, w3 = funded, funded.w3
    t = publish_task(p, manual_source, payment=PAY)
    send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    submit(p, t, "provider", payment=PAY, data=f"https://gw.example/ipfs/{CID}?filename=a.json")
    task = p.task(t).functions
    assert task.isAlreadySubmitted(Web3.keccak(text=CID.lower())).call()  # base32 CIDs ignore case
    # Data that names no CID is keyed by itself (query and fragment kept: no content identity).
    t2 = publish_task(p, manual_source, payment=PAY)
    send(w3, "provider", p.nexus.functions.attempt(t2, addr("provider"), PAY))
    submit(p, t2, "provider", payment=PAY, data='{"result": 1}')
    assert p.task(t2).functions.isAlreadySubmitted(Web3.keccak(text='{"result": 1}')).call()


# -------------------------------------------------------------------------------- stake


def test_sanction_reaches_unbonding_stake(p: Protocol) -> None:
    w3, v = p.w3, p.vault.functions
    prov = addr("provider")
    send(w3, "provider", v.deposit(prov), value=ETH)
    send(w3, "provider", v.lock(ETH))
    send(w3, "provider", v.unbond(3 * ETH // 4))
    expect_error(w3, "judge", v.sanction(prov, 2 * ETH), "InsufficientLockup", prov, 2 * ETH, ETH)
    send(w3, "judge", v.sanction(prov, ETH // 2))  # lockup first, then the unbonding bucket
    assert (p.lockup(prov), v.unbondingOf(prov).call(), v.sanctionOf(prov).call()) == (
        0,
        ETH // 2,
        ETH // 2,
    )
    send(w3, "judge", v.sanction(prov, ETH // 2))
    assert v.unbondingOf(prov).call() == 0 and v.sanctionOf(prov).call() == ETH
    expect_error(w3, "provider", v.claim(), "NothingToClaim", prov)
    assert w3.eth.get_balance(p.d.vault) == ETH


def test_registered_stake_cannot_be_unbonded(funded: Protocol) -> None:
    p, w3, v = funded, funded.w3, funded.vault.functions
    prov = addr("provider")
    s = publish_source(p, min_lockup=ETH // 2, delivery=0)
    send(w3, "provider", v.deposit(prov), value=ETH)
    send(w3, "provider", v.lock(ETH // 2))
    send(w3, "provider", p.nexus.functions.register(s, prov, 1))
    assert p.nexus.functions.requiredStakeOf(prov).call() == ETH // 2
    expect_error(w3, "provider", v.unbond(1), "InsufficientLockup", prov, ETH // 2 + 1, ETH // 2)
    send(w3, "provider", v.lock(ETH // 4))
    send(w3, "provider", v.unbond(ETH // 4))  # the excess over the registration is free
    send(w3, "provider", p.nexus.functions.unregister(s, prov))
    assert p.nexus.functions.requiredStakeOf(prov).call() == 0
    send(w3, "provider", v.unbond(ETH // 2))
    assert p.lockup(prov) == 0


def test_requirement_survives_a_source_update(funded: Protocol) -> None:
    """Lowering a source's requirement does not strand the count of a registration made under it."""
    p, w3, v = funded, funded.w3, funded.vault.functions
    prov = addr("provider")
    s = publish_source(p, min_lockup=ETH // 2, delivery=0)
    send(w3, "provider", v.deposit(prov), value=ETH)
    send(w3, "provider", v.lock(ETH // 2))
    send(w3, "provider", p.nexus.functions.register(s, prov, 1))
    send(w3, "client", p.nexus.functions.updateSource(s, source_params(addr("client"), delivery=0)))
    send(w3, "provider", p.nexus.functions.unregister(s, prov))
    assert p.nexus.functions.requiredStakeOf(prov).call() == 0


# ------------------------------------------------------------------------- lazy expiry


def _at(p: Protocol, timestamp: int) -> None:
    p.w3.provider.make_request("evm_setNextBlockTimestamp", [timestamp])  # type: ignore[arg-type]


def test_attempt_exactly_at_expiry_is_in_time(funded: Protocol, fr_source: str) -> None:
    """Overdue means strictly after ``expiryTime``: at it the attempt is recorded."""
    p, w3 = funded, funded.w3
    t = publish_task(p, fr_source, payment=PAY, ttl=60)
    exp = p.task(t).functions.getExpiryTime().call()
    _at(p, exp)
    rc = send(w3, "provider", p.nexus.functions.attempt(t, addr("provider"), PAY))
    assert [e.name for e in decode_events(w3, rc)] == ["Attempted", "TaskStatusChanged"]
    assert p.task(t).functions.getAttemptCount().call() == 1
    _at(p, exp + 1)
    rc = send(w3, "provider2", p.nexus.functions.attempt(t, addr("provider2"), PAY))
    assert [(e.name, e.args) for e in decode_events(w3, rc)] == [
        ("TaskStatusChanged", {"task": t, "status": EXPIRED})
    ]
