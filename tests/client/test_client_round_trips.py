"""The write path's round trips, counted at the transports (JSON-RPC post, IPFS httpx client)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from client_helpers import task_info

from ogpu.chain import Session
from ogpu.client import Source, publish_task, wait_all


class Trips:
    """Every HTTP request of a session: JSON-RPC bodies (methods) and IPFS requests."""

    def __init__(self, cs: Session, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rpc: list[list[str]] = []
        self.ipfs: list[str] = []
        client: Any = cs.rpc_client
        post: Callable[[bytes], bytes] = client.post

        def counted(body: bytes) -> bytes:
            payload = json.loads(body)
            items = payload if isinstance(payload, list) else [payload]
            self.rpc.append([item["method"] for item in items])
            return post(body)

        monkeypatch.setattr(client, "post", counted)
        http: httpx.Client = cs.ipfs.http
        http.event_hooks["request"].append(lambda r: self.ipfs.append(r.url.path))

    def clear(self) -> None:
        self.rpc.clear()
        self.ipfs.clear()


def test_publish_is_one_preflight_one_upload_one_send(
    cs: Session, source: Source, client_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    trips = Trips(cs, monkeypatch)
    publish_task(task_info(source, cs), client_key, session=cs)  # first use: nonce, sync sends
    info = task_info(source, cs, payment=10**15 + 1)
    trips.clear()
    task = publish_task(info, client_key, session=cs)
    assert len(trips.rpc) + len(trips.ipfs) == 3, (trips.rpc, trips.ipfs)
    assert task.get_payment() == 10**15 + 1
    preflight, send = trips.rpc[:2]
    assert {"eth_call", "eth_estimateGas", "eth_getBlockByNumber"} <= set(preflight)
    # five pre-check reads; the estimate executes the call, so no separate simulation
    assert preflight.count("eth_call") == 5 and preflight.count("eth_estimateGas") == 1
    assert send == ["eth_sendRawTransactionSync"]
    assert trips.ipfs == ["/file/create"]


def test_without_sync_sends_many_in_flight_share_one_receipt_poll(
    cs: Session, source: Source, client_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cs.send_sync = False
    trips = Trips(cs, monkeypatch)
    infos = [task_info(source, cs, payment=10**15 + i) for i in range(3)]
    pending = [publish_task(info, client_key, session=cs, wait=False) for info in infos]
    sends = [m for m in trips.rpc if m == ["eth_sendRawTransaction"]]
    assert len(sends) == 3
    trips.clear()
    tasks = wait_all(pending, timeout=30)
    assert sorted(t.get_payment() for t in tasks) == [10**15, 10**15 + 1, 10**15 + 2]
    polls = [m for m in trips.rpc if "eth_getTransactionReceipt" in m]
    assert polls and len(polls[0]) == 3  # the first poll asked for all three at once


def test_publish_source_reuses_its_simulation_for_the_send(
    cs: Session, source: Source, client_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from client_helpers import source_info

    from ogpu.client import publish_source

    trips = Trips(cs, monkeypatch)
    published = publish_source(source_info(name="second"), client_key, session=cs)
    methods = [m for batch in trips.rpc for m in batch]
    assert (
        methods.count("eth_estimateGas") == 1 and methods.count("eth_sendRawTransactionSync") == 1
    )
    assert len(trips.rpc) == 2 and trips.ipfs == ["/file/create"]
    assert published.get_status() == source.get_status()
