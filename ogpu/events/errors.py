"""Errors raised by :mod:`ogpu.events` (all are :class:`~ogpu.types.OGPUError`).

Watchers never swallow errors: transient RPC failures are retried with the SDK's retry policy
(:mod:`ogpu.chain.retry`), and whatever is still failing afterwards is raised to the caller as
:class:`EventsRpcError`.
"""

from __future__ import annotations

from typing import Any

from ogpu.types.errors import OGPUError

__all__ = ["EventsError", "EventsRpcError", "ReorgTooDeepError"]


class EventsError(OGPUError):
    """Base class of the errors specific to event watching."""


class EventsRpcError(EventsError):
    """A JSON-RPC request failed persistently (or kept failing after the retries).

    ``method`` is the JSON-RPC method, ``code``/``rpc_message``/``data`` the node's error object
    (``None`` for transport failures), ``attempts`` how many times it was tried, ``transient``
    whether the failure was of a retryable kind (the retries were exhausted).
    """

    def __init__(
        self,
        method: str,
        reason: str,
        *,
        code: int | None = None,
        data: Any = None,
        attempts: int = 1,
        transient: bool = False,
    ) -> None:
        self.method = method
        self.reason = reason
        self.code = code
        self.data = data
        self.attempts = attempts
        self.transient = transient
        what = "kept failing" if transient else "failed"
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(
            f"{method} {what}{tries}: {reason}"
            + (f" (code {code})" if code is not None else "")
            + "; check the RPC endpoint"
        )


class ReorgTooDeepError(EventsError):
    """A chain reorganisation replaced blocks older than the watcher remembers.

    The watcher cannot tell which delivered events were removed. Restart it from an older
    cursor, or raise ``reorg_window`` / ``confirmations``.
    """

    def __init__(self, block_number: int, window: int) -> None:
        self.block_number = block_number
        self.window = window
        super().__init__(
            f"chain reorganisation reaches below block {block_number}, deeper than the "
            f"{window}-block window the watcher remembers; restart from an older cursor or "
            "increase reorg_window/confirmations"
        )
