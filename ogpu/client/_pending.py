"""A broadcast workflow transaction whose result object is built once it is mined."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from ogpu.types import PendingTx, PublishTimeoutError, Receipt, TxReceiptTimeoutError

__all__ = ["PendingPublish", "wait_all"]

T = TypeVar("T")


class PendingPublish(Generic[T]):
    """Returned by ``publish_task(..., wait=False)`` / ``publish_source(..., wait=False)``.

    The content is already uploaded and the transaction broadcast; :meth:`wait` returns the live
    :class:`~ogpu.protocol.Task` (or ``Source``) once mined.

    >>> pending = publish_task(info, wait=False)  # doctest: +SKIP
    >>> task = pending.wait(timeout=60)  # doctest: +SKIP
    """

    __slots__ = ("_budget", "_build", "_result", "pending", "url")

    def __init__(
        self,
        pending: PendingTx,
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
        import time

        limit = timeout
        if self._budget is not None:
            budget, deadline = self._budget
            left = max(0.0, deadline - time.monotonic())
            limit = left if limit is None else min(limit, left)
            try:
                return self.pending.wait(limit)
            except TxReceiptTimeoutError:
                if left <= (timeout if timeout is not None else float("inf")):
                    raise PublishTimeoutError(budget, "receipt").with_revert(
                        tx_hash=self.tx_hash
                    ) from None
                raise
        return self.pending.wait(limit)

    def __repr__(self) -> str:
        return f"PendingPublish({self.tx_hash}, done={self.done})"


def wait_all(pending: Sequence[PendingPublish[T]], timeout: float | None = 120.0) -> list[T]:
    """Wait for several :class:`PendingPublish`; results in order. The first failure is raised
    after every transaction has been waited for.

    >>> tasks = wait_all([publish_task(i, wait=False) for i in infos])  # doctest: +SKIP
    """
    out: list[T] = []
    first: BaseException | None = None
    for p in pending:
        try:
            out.append(p.wait(timeout))
        except Exception as exc:
            first = first or exc
    if first is not None:
        raise first
    return out
