"""Re-export of :mod:`ogpu.rpc.retry` (the SDK's one retry policy) under its older name."""

from ogpu.rpc._models import RpcError
from ogpu.rpc.retry import RetryPolicy, call_with_retry, is_transient

__all__ = ["RetryPolicy", "RpcError", "call_with_retry", "is_transient"]
