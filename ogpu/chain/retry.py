"""Re-export of :mod:`ogpu.rpc.retry` (the SDK's one retry policy) under its older name."""

from ogpu.rpc._models import RpcError
from ogpu.rpc.retry import (
    TRANSIENT_HTTP_STATUS,
    TRANSIENT_RPC_CODES,
    RetryPolicy,
    call_with_retry,
    classify,
    http_status_of,
    is_transient,
)

__all__ = [
    "TRANSIENT_HTTP_STATUS",
    "TRANSIENT_RPC_CODES",
    "RetryPolicy",
    "RpcError",
    "call_with_retry",
    "classify",
    "http_status_of",
    "is_transient",
]
