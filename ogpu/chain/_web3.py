"""A ``web3.Web3`` that speaks through the SDK's JSON-RPC client (for callers that want web3).

Imported only when :attr:`ogpu.chain.Session.w3` is used: the SDK itself never goes through web3,
which is an optional dependency (``pip install 'ogpu[web3]'``).
"""

from __future__ import annotations

from typing import Any, cast

try:
    from web3 import Web3
    from web3.providers.base import JSONBaseProvider
    from web3.types import RPCEndpoint, RPCResponse
except ImportError as exc:  # pragma: no cover - depends on the install
    raise ImportError(
        "the web3 compatibility helpers need web3.py: pip install 'ogpu[web3]'"
    ) from exc

from ogpu.rpc import RpcClient
from ogpu.rpc._models import encode, encode_batch, load_reply

__all__ = ["CoreProvider", "web3_for"]


class CoreProvider(JSONBaseProvider):
    """A web3 provider over an :class:`~ogpu.rpc.RpcClient` (same connection, same retries)."""

    def __init__(self, client: RpcClient) -> None:
        super().__init__()
        self.client = client

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        def once() -> RPCResponse:
            body = encode(method, list(params), self.client._next_ids(1))
            return cast(RPCResponse, load_reply(self.client.post(body), method))

        from ogpu.rpc.retry import call_with_retry

        return call_with_retry(once, self.client.retry, what=method)

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse]:
        calls = [(m, list(p)) for m, p in requests]
        body, _ = encode_batch(calls, first_id=self.client._next_ids(len(calls)))
        reply = load_reply(self.client.post(body), "batch")
        if not isinstance(reply, list):
            return cast(list[RPCResponse], [reply])
        # answers in request order (web3 matches them by position)
        reply.sort(key=_id_of)
        return cast(list[RPCResponse], reply)

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            self.client.request("web3_clientVersion", [])
        except Exception:
            if show_traceback:
                raise
            return False
        return True


def _id_of(reply: Any) -> int:
    rid = reply.get("id") if isinstance(reply, dict) else None
    return rid if isinstance(rid, int) else 0


def web3_for(client: RpcClient) -> Web3:
    """A ``Web3`` over ``client``."""
    return Web3(CoreProvider(client))
