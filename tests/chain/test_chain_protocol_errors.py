"""Typed errors from real protocol reverts, end to end through Session.transact."""

from __future__ import annotations

import pytest

from ogpu.chain import Session
from ogpu.chain.receipts import decode_logs
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.types import NotSourceOwnerError, SourceInactiveError, SourceParams, TxRevertError

CLIENT = dev_account("client")
STRANGER = dev_account("stranger")


def _publish(session: Session) -> str:
    nexus = session.contract("Nexus")
    params = SourceParams(
        client=CLIENT.address,
        imageMetadataUrl="ipfs://meta",
        imageEnvironments=1,
        minPayment=1,
        minAvailableLockup=0,
        maxExpiryDuration=3600,
    )
    receipt = session.transact(nexus.functions.publishSource(params.to_tuple()), dev_key("client"))
    (event,) = decode_logs("Nexus", "SourcePublished", receipt.logs, emitter=nexus.address)
    return str(event["source"])


def test_not_owner_on_a_source_carries_source_and_caller(session: Session) -> None:
    source = _publish(session)
    nexus = session.contract("Nexus")
    with pytest.raises(NotSourceOwnerError) as info:
        session.transact(nexus.functions.inactivateSource(source), dev_key("stranger"))
    assert (info.value.source, info.value.caller) == (source, STRANGER.address)
    assert info.value.context == "Nexus.inactivateSource" and info.value.tx_hash is None


def test_inactivating_twice_is_source_inactive(session: Session) -> None:
    source = _publish(session)
    nexus = session.contract("Nexus")
    session.transact(nexus.functions.inactivateSource(source), dev_key("client"))
    with pytest.raises(SourceInactiveError) as info:
        session.transact(nexus.functions.inactivateSource(source), dev_key("client"))
    assert info.value.source == source


def test_unmapped_protocol_error_keeps_its_arguments(session: Session) -> None:
    nexus = session.contract("Nexus")
    with pytest.raises(TxRevertError) as info:
        session.transact(nexus.functions.inactivateSource(STRANGER.address), dev_key("client"))
    assert info.value.error_name == "UnknownSource"
    assert info.value.error_args == {"source": STRANGER.address}
