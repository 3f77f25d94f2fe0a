"""A broadcast workflow transaction whose result object is built once it is mined."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Generic, Protocol, TypeVar

from ogpu.chain.receipts import wait_each
from ogpu.types import PendingTx, PublishTimeoutError, Receipt, TxReceiptTimeoutError

__all__ = ["PendingBase", "PendingPublish", "budget_error", "budget_limit", "wait_all"]

T = TypeVar("T")


class _Broadcast(Protocol):
    @property
    def tx_hash(self) -> str: ...


P = TypeVar("P", bound=_Broadcast)


class PendingBase(Generic[P, T]):
    """What the sync and asyncio pending publishes share: the broadcast transaction ``pending``
    (a :class:`~ogpu.types.PendingTx` or its asyncio twin), the uploaded ``url``, and the result
    built once, from the receipt, by their ``wait``."""

    __slots__ = ("_budget", "_build", "_result", "pending", "url")

    def __init__(
        self,
        pending: P,
        build: Callable[[Receipt], T],
        *,
        url: str = "",
        budget: tuple[float, float] | None = None,
    ) -> None:
        self.pending = pending
        self.url = url
        self._build = build
        self._budget = budget
        self._result: T | None = None

    @property
    def tx_hash(self) -> str:
        """Hash of the broadcast transaction (``0x…``)."""
        return self.pending.tx_hash

    @property
    def done(self) -> bool:
        """True once :meth:`wait` has returned."""
        return self._result is not None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.tx_hash}, done={self.done})"


class PendingPublish(PendingBase[PendingTx, T]):
    """Returned by ``publish_task(..., wait=False)`` / ``publish_source(..., wait=False)``.

    The content is already uploaded and the transaction broadcast; :meth:`wait` returns the live
    :class:`~ogpu.protocol.Task` (or ``Source``) once mined.

    See the example of :mod:`ogpu.client`.
    """

    def wait(self, timeout: float | None = 120.0) -> T:
        """Block until mined and return the created object.

        Raises the decoded revert error, :class:`~ogpu.types.TxReceiptTimeoutError`, or
        :class:`~ogpu.types.PublishTimeoutError` when a workflow ``budget`` runs out first.
        """
        if self._result is None:
            self._result = self._build(self.receipt(timeout))
        return self._result

    def receipt(self, timeout: float | None = 120.0) -> Receipt:
        """The mined receipt (see :meth:`wait`)."""
        limit = budget_limit(self._budget, timeout)
        try:
            return self.pending.wait(limit)
        except TxReceiptTimeoutError as exc:
            raise budget_error(self._budget, timeout, limit, self.tx_hash) or exc from None


def budget_limit(budget: tuple[float, float] | None, timeout: float | None) -> float | None:
    """The receipt wait allowed by ``timeout`` and what is left of a workflow ``budget``."""
    if budget is None:
        return timeout
    left = max(0.0, budget[1] - time.monotonic())
    return left if timeout is None else min(timeout, left)


def budget_error(
    budget: tuple[float, float] | None, timeout: float | None, limit: float | None, tx_hash: str
) -> PublishTimeoutError | None:
    """The :class:`PublishTimeoutError` to raise for a receipt wait cut short by the budget."""
    if budget is None or (timeout is not None and limit is not None and limit >= timeout):
        return None
    err = PublishTimeoutError(budget[0], "receipt")
    err.with_revert(tx_hash=tx_hash)
    return err


def wait_all(pending: Sequence[PendingPublish[T]], timeout: float | None = 120.0) -> list[T]:
    """Wait for several :class:`PendingPublish`; results in order. The first failure is raised
    after every transaction has been waited for.
    """
    return wait_each(pending, timeout)
