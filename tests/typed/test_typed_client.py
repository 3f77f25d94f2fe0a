"""Typed sources on a real chain: schemas stored in the metadata (still read by official-fields
code), tasks refused before any upload or gas, untyped sources unchanged, and a provider that
never attempts what it does not serve (the client cancels and gets every wei back)."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict
from typed_helpers import DEMO, demo_info

from ogpu.chain import Session
from ogpu.client import TaskInfo, TaskInput, publish_task, update_source
from ogpu.client.schemas import clear_cache, source_handlers
from ogpu.devnet.accounts import dev_account, dev_key
from ogpu.devnet.ipfs_store import IPFSStore
from ogpu.ipfs import cid_of, parse_cid_from_url
from ogpu.protocol import Source, Task, nexus, vault
from ogpu.provider import ProviderConfig, ProviderRuntime, SourceBinding
from ogpu.types import (
    DeliveryMethod,
    InvalidTaskInputError,
    SourceParams,
    TaskStatus,
    UnknownFunctionError,
)

CLIENT = dev_account("client").address


class OfficialSourceMetadata(BaseModel):
    """The metadata fields the official SDK knows; like it, anything else is ignored."""

    model_config = ConfigDict(extra="ignore")

    cpu: str
    nvidia: str
    amd: str
    name: str
    description: str
    logoUrl: str


def _uploads(store: IPFSStore) -> int:
    return int(httpx.get(f"{store.url}/health", timeout=5).json()["objects"])


def _state(ts: Session) -> tuple[int, int]:
    nonce = int(ts.rpc("eth_getTransactionCount", [CLIENT, "pending"]), 16)
    return nonce, vault.get_balance_of(CLIENT, session=ts)


def _task(source: Source, ts: Session, function: str, data: dict[str, Any]) -> TaskInfo:
    return TaskInfo(
        source=source.address,
        config=TaskInput(function, data),
        expiryTime=ts.timestamp("latest") + 600,
        payment=10**16,
    )


def test_metadata_with_schemas_reads_the_same_with_official_fields(
    ts: Session, typed_source: Source
) -> None:
    raw = typed_source.get_metadata()
    official = OfficialSourceMetadata.model_validate(raw)
    expected = demo_info().metadata().to_dict()
    assert official.model_dump() == expected
    assert set(raw) == {*expected, "handlers"}
    document = source_handlers(typed_source.address, session=ts)
    assert document is not None and document.names() == [
        "echo",
        "hash",
        "sentiment",
        "text_stats",
        "thumbnail",
    ]


def test_typo_is_refused_before_any_upload_or_gas(
    ts: Session, typed_source: Source, ipfs_store: IPFSStore, client_key: str
) -> None:
    before, uploads = _state(ts), _uploads(ipfs_store)
    with pytest.raises(UnknownFunctionError) as info:
        publish_task(_task(typed_source, ts, "sentimnt", {"text": "great"}), client_key, session=ts)
    assert info.value.available == ["echo", "hash", "sentiment", "text_stats", "thumbnail"]
    assert _state(ts) == before  # nonce and vault balance unchanged
    assert _uploads(ipfs_store) == uploads


@pytest.mark.parametrize(
    ("function", "data", "path"),
    [
        ("sentiment", {"neutral_threshold": 0.1}, "/text"),  # missing field
        ("sentiment", {"text": 7}, "/text"),  # wrong type
        ("text_stats", {"text": "x", "words_per_minute": 5}, "/words_per_minute"),  # out of range
        ("sentiment", {"text": {"inner": {"deeper": "x"}}}, "/text"),  # extra nesting
    ],
)
def test_bad_input_is_refused_before_paying_with_its_path(
    ts: Session,
    typed_source: Source,
    ipfs_store: IPFSStore,
    client_key: str,
    function: str,
    data: dict[str, Any],
    path: str,
) -> None:
    before, uploads = _state(ts), _uploads(ipfs_store)
    with pytest.raises(InvalidTaskInputError) as info:
        publish_task(_task(typed_source, ts, function, data), client_key, session=ts)
    assert path in [p for p, _ in info.value.errors], info.value.errors
    assert path in str(info.value)
    assert _state(ts) == before
    assert _uploads(ipfs_store) == uploads


def test_valid_input_is_published(ts: Session, typed_source: Source, client_key: str) -> None:
    task = publish_task(
        _task(typed_source, ts, "sentiment", {"text": "great"}), client_key, session=ts
    )
    assert task.get_status() is TaskStatus.NEW


def test_sources_without_schemas_behave_as_before(
    ts: Session, plain_source: Source, client_key: str
) -> None:
    assert source_handlers(plain_source.address, session=ts) is None
    task = publish_task(_task(plain_source, ts, "anything", {"x": [1]}), client_key, session=ts)
    assert task.get_status() is TaskStatus.NEW


def test_update_source_can_add_schemas(ts: Session, plain_source: Source, client_key: str) -> None:
    update_source(plain_source, demo_info(name="plain"), client_key, session=ts, handlers=DEMO)
    with pytest.raises(UnknownFunctionError):
        publish_task(_task(plain_source, ts, "anything", {}), client_key, session=ts)


def test_provider_leaves_an_unserved_task_new_and_the_client_gets_a_full_refund(
    ts: Session, plain_source: Source, client_key: str, tmp_path: Any
) -> None:
    runtime = ProviderRuntime(
        ProviderConfig(
            provider=dev_key("provider"),
            master=dev_account("master").address,
            master_signer=dev_key("master"),
            sources=[SourceBinding(plain_source.address, DEMO)],
            state_dir=tmp_path / "state",
            live_data_interval=0,
            retry_backoff=0.05,
        ),
        session=Session(ts.network),
    )
    runtime.start()
    try:
        balance_before = vault.get_balance_of(CLIENT, session=ts)
        task: Task = publish_task(
            _task(plain_source, ts, "no_such_handler", {"text": "x"}), client_key, session=ts
        )
        assert vault.get_balance_of(CLIENT, session=ts) == balance_before - 10**16
        deadline = time.monotonic() + 30
        while runtime.stats()["skipped"] < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert runtime.stats()["skipped"] == 1, runtime.stats()
        assert task.get_status() is TaskStatus.NEW
        assert task.get_attempt_count() == 0
        task.cancel(signer=client_key)
        assert task.get_status() is TaskStatus.CANCELED
        assert vault.get_balance_of(CLIENT, session=ts) == balance_before
    finally:
        runtime.stop(drain_timeout=5)
        runtime.session.close()


def test_schema_document_is_fetched_once_per_cid(
    ts: Session, typed_source: Source, client_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    clear_cache()
    fetched: list[str] = []
    real = ts.ipfs.fetch_json

    def counting(url: str, **kwargs: Any) -> dict[str, Any]:
        fetched.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(ts.ipfs, "fetch_json", counting)
    for _ in range(3):
        with pytest.raises(UnknownFunctionError):
            publish_task(_task(typed_source, ts, "nope", {}), client_key, session=ts)
    cid = parse_cid_from_url(typed_source.get_params().imageMetadataUrl)
    assert fetched == [cid]


def _source_with_metadata(ts: Session, client_key: str, url: str) -> Source:
    params = SourceParams(
        client=CLIENT,
        imageMetadataUrl=url,
        imageEnvironments=1,
        minPayment=10**15,
        minAvailableLockup=0,
        maxExpiryDuration=3600,
        deliveryMethod=int(DeliveryMethod.FIRST_RESPONSE),
    )
    receipt = nexus.publish_source(params, signer=client_key, session=ts)
    return Source(nexus.extract_source_address(receipt, session=ts), ts)


def test_metadata_without_cid_is_never_fetched(
    ts: Session, funded: int, client_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _source_with_metadata(ts, client_key, "http://169.254.169.254/latest/meta-data")

    def refuse(url: str, **kwargs: Any) -> dict[str, Any]:
        raise AssertionError(f"fetched {url}")

    monkeypatch.setattr(ts.ipfs, "fetch_json", refuse)
    task = publish_task(_task(source, ts, "anything", {}), client_key, session=ts)
    assert task.get_status() is TaskStatus.NEW


def test_unsafe_schemas_in_metadata_are_ignored(
    ts: Session, funded: int, client_key: str, caplog: pytest.LogCaptureFixture
) -> None:
    meta = {
        **demo_info().metadata().to_dict(),
        "handlers": {
            "version": 1,
            "functions": [{"name": "f", "input_schema": {"$ref": "http://10.0.0.1/s.json"}}],
        },
    }
    url = ts.ipfs.publish(meta, "imageMetadata.json")
    source = _source_with_metadata(ts, client_key, url)
    with caplog.at_level(logging.WARNING, logger="ogpu.client"):
        task = publish_task(_task(source, ts, "anything", {}), client_key, session=ts)
    assert task.get_status() is TaskStatus.NEW
    assert "only local references" in caplog.text


def test_unavailable_metadata_does_not_block_or_slow_publishing(
    ts: Session,
    funded: int,
    client_key: str,
    ipfs_store: IPFSStore,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    missing = cid_of(b"metadata nobody pinned")
    source = _source_with_metadata(ts, client_key, f"{ipfs_store.url}/ipfs/{missing}")
    fetched: list[str] = []
    real = ts.ipfs.fetch_json

    def counting(url: str, **kwargs: Any) -> dict[str, Any]:
        fetched.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(ts.ipfs, "fetch_json", counting)
    with caplog.at_level(logging.WARNING, logger="ogpu.client"):
        for _ in range(2):
            task = publish_task(_task(source, ts, "anything", {}), client_key, session=ts)
            assert task.get_status() is TaskStatus.NEW
    assert fetched == [missing]  # the failure is remembered: the second publish does not wait
    assert "not checked" in caplog.text
