"""The SDK's one JSON-RPC core: encoding and reply parsing without I/O, a synchronous and an
asynchronous HTTP transport on httpx, and the one retry policy and failure classifier.

>>> from ogpu.rpc import RpcClient, RpcError, classify
"""

from ogpu.rpc._client import AsyncRpcClient, BaseRpcClient, RpcClient, await_reply
from ogpu.rpc._models import (
    BatchRefusedError,
    Call,
    MalformedReplyError,
    RpcError,
    encode,
    encode_batch,
    parse_batch,
    parse_reply,
)
from ogpu.rpc.retry import (
    TRANSIENT_HTTP_STATUS,
    TRANSIENT_RPC_CODES,
    FailureKind,
    RetryPolicy,
    acall_with_retry,
    call_with_retry,
    classify,
    is_retryable,
    is_transient,
)

__all__ = [
    "TRANSIENT_HTTP_STATUS",
    "TRANSIENT_RPC_CODES",
    "AsyncRpcClient",
    "BaseRpcClient",
    "BatchRefusedError",
    "Call",
    "FailureKind",
    "MalformedReplyError",
    "RetryPolicy",
    "RpcClient",
    "RpcError",
    "acall_with_retry",
    "await_reply",
    "call_with_retry",
    "classify",
    "encode",
    "encode_batch",
    "is_retryable",
    "is_transient",
    "parse_batch",
    "parse_reply",
]
