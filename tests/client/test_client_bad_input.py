"""Hypothesis: bad SourceInfo/TaskInfo never costs gas and never uploads.

Two layers are exercised: the models refuse bad values at construction; values smuggled past the
models (``object.__setattr__``) are refused again by the workflows; values that are only bad
relative to the chain (expiry window, minPayment, balance, unknown source) are refused by the
pre-checks. In every case the signer's nonce does not move; the store receives nothing for input
the models refuse, and at most the task's own config for input only the chain refuses (the
config upload overlaps the pre-check round trip, see docs/client-guide.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from client_helpers import COMPOSE, ETH, now, source_info, task_info
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ogpu.chain import Session
from ogpu.client import (
    ImageEnvironments,
    Source,
    SourceInfo,
    TaskInfo,
    TaskInput,
    publish_source,
    publish_task,
    update_source,
)
from ogpu.devnet.accounts import dev_account
from ogpu.types import OGPUError

FIXTURES = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CLIENT = dev_account("client").address

bad_urls = st.one_of(
    st.sampled_from(
        [
            "ftp://x.y/c.yml",
            "compose.yml",
            "http://",
            "https:// x",
            "javascript:alert(1)",
            " https://a.b",
        ]
    ),
    st.text(max_size=20).filter(
        lambda s: s != "" and not s.startswith(("http://", "https://", "ipfs://"))
    ),
    st.integers(),
    st.none(),
)
bad_amounts = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=2**256),
    st.booleans(),
    st.floats(),
    st.text(max_size=3),
)
bad_durations = st.one_of(st.just(0), bad_amounts)

bad_source_field = st.one_of(
    st.tuples(st.just("logoUrl"), bad_urls),
    st.tuples(st.just("imageEnvs"), st.just(ImageEnvironments())),
    st.tuples(st.just("minPayment"), bad_amounts),
    st.tuples(st.just("minAvailableLockup"), bad_amounts),
    st.tuples(st.just("maxExpiryDuration"), bad_durations),
    st.tuples(
        st.just("deliveryMethod"),
        st.one_of(st.integers().filter(lambda v: v not in (0, 1)), st.text(max_size=3)),
    ),
    st.tuples(st.just("name"), st.one_of(st.just(""), st.just("   "), st.integers())),
)


def _counts(cs: Session, uploads: Callable[[], int]) -> tuple[int, int]:
    return int(cs.w3.eth.get_transaction_count(CLIENT, "pending")), uploads()


@FIXTURES
@given(change=bad_source_field, env_url=bad_urls)
def test_bad_source_info_sends_nothing(
    change: tuple[str, Any], env_url: Any, cs: Session, client_key: str, uploads: Callable[[], int]
) -> None:
    field, value = change
    before = _counts(cs, uploads)
    with pytest.raises(ValueError):
        source_info(**{field: value})
    with pytest.raises(ValueError):
        ImageEnvironments(cpu=env_url)
    # smuggled past the model: the workflow validates again
    info = source_info()
    object.__setattr__(info, field, value)
    with pytest.raises((ValueError, TypeError)):
        publish_source(info, client_key, session=cs)
    assert _counts(cs, uploads) == before


@FIXTURES
@given(change=bad_source_field)
def test_bad_update_sends_nothing(
    change: tuple[str, Any],
    cs: Session,
    source: Source,
    client_key: str,
    uploads: Callable[[], int],
) -> None:
    field, value = change
    info = source_info(description="update")
    object.__setattr__(info, field, value)
    before = _counts(cs, uploads)
    with pytest.raises((ValueError, TypeError)):
        update_source(source, info, client_key, session=cs)
    assert _counts(cs, uploads) == before


# ---------------------------------------------------------------------------------- tasks

chain_bad = st.one_of(
    # expiry at or before the latest block
    st.tuples(st.just("expired"), st.integers(min_value=0, max_value=10**6)),
    # expiry beyond now + maxExpiryDuration (3600)
    st.tuples(st.just("too_long"), st.integers(min_value=1, max_value=10**9)),
    # payment under minPayment (10**15)
    st.tuples(st.just("underpaid"), st.integers(min_value=0, max_value=10**15 - 1)),
    # payment over the client's balance (1 OGPU)
    st.tuples(st.just("unfunded"), st.integers(min_value=ETH + 1, max_value=2**256 - 1)),
    # a source address that is not a source
    st.tuples(st.just("unknown"), st.binary(min_size=20, max_size=20)),
)


@FIXTURES
@given(case=chain_bad)
def test_task_bad_for_the_chain_sends_nothing(
    case: tuple[str, Any], cs: Session, source: Source, client_key: str, uploads: Callable[[], int]
) -> None:
    kind, value = case
    t = now(cs)
    changes: dict[str, Any] = {}
    if kind == "expired":
        changes["expiryTime"] = max(1, t - value)
    elif kind == "too_long":
        changes["expiryTime"] = t + 3600 + value
    elif kind == "underpaid" or kind == "unfunded":
        changes["payment"] = value
    info = task_info(source, cs, **changes)
    if kind == "unknown":
        from eth_utils.address import to_checksum_address

        address = to_checksum_address(value)
        if address == source.address:
            return
        info = task_info(address, cs)
    nonce, pinned = _counts(cs, uploads)
    with pytest.raises(OGPUError):
        publish_task(info, client_key, session=cs)
    after_nonce, after_pinned = _counts(cs, uploads)
    assert after_nonce == nonce, "a transaction was sent"
    assert after_pinned - pinned <= 1, "more than the task's config was uploaded"


bad_task_field = st.one_of(
    st.tuples(
        st.just("expiryTime"),
        st.one_of(
            st.integers(max_value=0), st.integers(min_value=2**256), st.booleans(), st.floats()
        ),
    ),
    st.tuples(st.just("payment"), bad_amounts),
    st.tuples(
        st.just("source"), st.one_of(st.text(max_size=42), st.integers(), st.binary(max_size=19))
    ),
    st.tuples(
        st.just("config"),
        st.one_of(
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
            st.none(),
            st.text(max_size=5),
        ),
    ),
)


@FIXTURES
@given(change=bad_task_field)
def test_bad_task_info_sends_nothing(
    change: tuple[str, Any],
    cs: Session,
    source: Source,
    client_key: str,
    uploads: Callable[[], int],
) -> None:
    field, value = change
    before = _counts(cs, uploads)
    fields: dict[str, Any] = {
        "source": source.address,
        "config": TaskInput("run", {}),
        "expiryTime": now(cs) + 600,
        "payment": 10**16,
    }
    fields[field] = value
    with pytest.raises(ValueError):
        TaskInfo(**fields)
    info = task_info(source, cs)
    object.__setattr__(info, field, value)
    with pytest.raises((ValueError, TypeError)):
        publish_task(info, client_key, session=cs)
    assert _counts(cs, uploads) == before


@FIXTURES
@given(
    name=st.one_of(st.just(""), st.just(" x"), st.integers(), st.none()),
    data=st.one_of(
        st.integers(), st.text(max_size=3), st.just({"x": float("nan")}), st.just({"x": object()})
    ),
)
def test_bad_task_input(
    name: Any, data: Any, cs: Session, source: Source, client_key: str, uploads: Callable[[], int]
) -> None:
    with pytest.raises(ValueError):
        TaskInput(name, {"ok": 1})
    with pytest.raises(ValueError):
        TaskInput("run", data)
    # mutated after construction: the workflow rebuilds and re-validates the config
    cfg = TaskInput("run", {"ok": 1})
    cfg.data = data
    info = TaskInfo(source=source.address, config=cfg, expiryTime=now(cs) + 600, payment=10**16)
    before = _counts(cs, uploads)
    with pytest.raises((ValueError, TypeError)):
        publish_task(info, client_key, session=cs)
    assert _counts(cs, uploads) == before


def test_valid_models_roundtrip() -> None:
    info = SourceInfo("n", "d", "", ImageEnvironments(COMPOSE, "", COMPOSE), 0, 0, 1)
    assert info.environments == 5
    with pytest.raises(ValueError):
        info.minPayment = -1  # validate_assignment
