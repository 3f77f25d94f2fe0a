"""The JSON-RPC core at its transport boundary (httpx.MockTransport): shapes, ids, retries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from ogpu.rpc import (
    AsyncRpcClient,
    MalformedReplyError,
    RetryPolicy,
    RpcClient,
    RpcError,
    classify,
    parse_batch,
)

FAST = RetryPolicy(max_attempts=3, base_delay=0.0)
Handler = Callable[[httpx.Request], httpx.Response]


def _answer(request: httpx.Request, result: Callable[[dict[str, Any]], Any]) -> httpx.Response:
    body = json.loads(request.content)
    if isinstance(body, list):
        return httpx.Response(
            200, json=[{"jsonrpc": "2.0", "id": b["id"], "result": result(b)} for b in body]
        )
    return httpx.Response(200, json={"jsonrpc": "2.0", "id": body["id"], "result": result(body)})


def _client(handler: Handler, retry: RetryPolicy = FAST) -> RpcClient:
    return RpcClient("http://node.test", retry=retry, transport=httpx.MockTransport(handler))


def test_batch_answers_are_matched_by_id_not_position() -> None:
    def reverse(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        replies = [{"jsonrpc": "2.0", "id": b["id"], "result": b["method"]} for b in body]
        return httpx.Response(200, json=list(reversed(replies)))

    c = _client(reverse)
    assert c.batch([("a", []), ("b", []), ("c", [])]) == ["a", "b", "c"]
    assert c.round_trips == 1


def test_a_batch_missing_an_answer_is_malformed_and_retried() -> None:
    seen: list[int] = []

    def short(request: httpx.Request) -> httpx.Response:
        seen.append(1)
        body = json.loads(request.content)
        return httpx.Response(200, json=[{"jsonrpc": "2.0", "id": body[0]["id"], "result": 1}])

    with pytest.raises(MalformedReplyError):
        _client(short).batch([("a", []), ("b", [])])
    assert len(seen) == FAST.max_attempts


def test_error_objects_come_back_per_item_with_code_and_data() -> None:
    calls = [("eth_call", []), ("eth_chainId", [])]
    out = parse_batch(
        calls,
        [7, 8],
        b'[{"id":7,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}},'
        b'{"id":8,"result":"0x1"}]',
    )
    assert isinstance(out[0], RpcError) and (out[0].code, out[0].data) == (3, "0x08c379a0")
    assert out[1] == "0x1"


@pytest.mark.parametrize(
    "body", [b"not json", b'{"id":1}', b"[" * 600 + b"]" * 600, b'"just a string"']
)
def test_garbled_replies_are_malformed(body: bytes) -> None:
    c = _client(lambda r: httpx.Response(200, content=body), RetryPolicy(max_attempts=1))
    with pytest.raises(MalformedReplyError):
        c.request("eth_chainId")


def test_endpoint_refusing_batches_gets_one_request_at_a_time() -> None:
    def no_batches(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if isinstance(body, list):
            return httpx.Response(
                200, json={"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "no"}}
            )
        return _answer(request, lambda b: b["method"])

    c = _client(no_batches)
    assert c.batch([("a", []), ("b", [])]) == ["a", "b"]
    assert not c.batches_supported
    assert c.batch([("c", [])]) == ["c"] and c.round_trips == 4


def test_retry_after_is_honoured_and_the_deadline_bounds_the_call() -> None:
    attempts: list[float] = []

    def limited(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        return httpx.Response(429, headers={"Retry-After": "5"})

    c = _client(limited, RetryPolicy(max_attempts=5, base_delay=0.0, deadline=1.0))
    with pytest.raises(httpx.HTTPStatusError):
        c.request("eth_chainId")
    assert len(attempts) == 1  # a 5 s wait does not fit a 1 s deadline


def test_classifier_separates_unsent_maybe_sent_and_hopeless() -> None:
    req = httpx.Request("POST", "http://node.test")

    def status(code: int) -> httpx.HTTPStatusError:
        return httpx.HTTPStatusError(str(code), request=req, response=httpx.Response(code))

    assert classify(httpx.ConnectError("refused")) == "transient"
    assert classify(status(429)) == "transient" and classify(status(503)) == "transient"
    assert classify(httpx.ReadTimeout("slow")) == "ambiguous"
    assert classify(httpx.RemoteProtocolError("closed")) == "ambiguous"
    assert classify(status(502)) == "ambiguous"
    assert classify(MalformedReplyError("x")) == "ambiguous"
    assert classify(status(400)) == "permanent"
    assert classify(RpcError("eth_call", 3, "execution reverted")) == "permanent"
    assert classify(RpcError("eth_call", -32005, "limit")) == "transient"
    assert classify(ValueError("bug")) == "permanent"


def test_async_client_shares_the_logic() -> None:
    flaky = iter([httpx.Response(503), None])

    def handler(request: httpx.Request) -> httpx.Response:
        r = next(flaky, None)
        return r if r is not None else _answer(request, lambda b: b["method"])

    async def main() -> tuple[Any, list[Any]]:
        c = AsyncRpcClient("http://node.test", retry=FAST, transport=httpx.MockTransport(handler))
        try:
            return await c.request("x"), await c.batch([("a", []), ("b", [])])
        finally:
            await c.aclose()

    assert asyncio.run(main()) == ("x", ["a", "b"])
