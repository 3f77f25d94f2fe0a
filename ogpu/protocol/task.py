"""A published task (one ``Task`` contract per task; docs/protocol.md, "The task
state machine").

Example::

    from ogpu.protocol import Task
    task = Task.load(task_address)
    task.snapshot().status
    # <TaskStatus.RESPONDED: 2>
    [r.get_data() for r in task.get_responses()]
    # ['https://cipfs.ogpuscan.io/ipfs/Qm...']
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ogpu.protocol import controller
from ogpu.protocol._base import (
    BlockId,
    Signer,
    address_or_none,
    batch,
    checksum,
    drop_zero,
)
from ogpu.protocol._membership import is_protocol_object
from ogpu.protocol._object import ProtocolObject
from ogpu.protocol._wait import wait_for_response, wait_for_task_status
from ogpu.types import DeliveryMethod, TaskNotFoundError, TaskParams, TaskSnapshot, TaskStatus

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.protocol.response import Response
    from ogpu.protocol.source import Source
    from ogpu.types import Receipt

__all__ = ["Task"]

#: The fields of :meth:`Task.snapshot`: (field, getter, conversion).
_SNAPSHOT = (
    ("source", "getSource", checksum),
    ("status", "getStatus", TaskStatus),
    ("params", "taskParams", TaskParams.from_tuple),
    ("payment", "getPayment", int),
    ("expiry_time", "getExpiryTime", int),
    ("delivery_method", "getDeliveryMethod", DeliveryMethod),
    ("attempt_count", "getAttemptCount", int),
    ("winning_provider", "winningProvider", address_or_none),
)


class Task(ProtocolObject):
    """A task contract: parameters, status, attempts and responses.

    ``Task(address)`` does no I/O; ``Task.load(address)`` checks this deployment created it
    (``Nexus.isTask``; :class:`~ogpu.types.TaskNotFoundError` otherwise).
    """

    __slots__ = ()
    _contract = "Task"

    _not_found = TaskNotFoundError

    def _exists(self) -> bool:
        return is_protocol_object(self, "isTask")

    # ------------------------------------------------------------------------------------------
    # Reads

    def get_source(self, *, block: BlockId = "latest") -> Source:
        """The source the task was published on (``getSource``)."""
        from ogpu.protocol.source import Source

        return self._peer(Source, self._call("getSource", block=block))

    def get_status(self, *, block: BlockId = "latest") -> TaskStatus:
        """The lifecycle status (``getStatus``)."""
        return TaskStatus(self._call("getStatus", block=block))

    def get_params(self, *, block: BlockId = "latest") -> TaskParams:
        """The stored :class:`~ogpu.types.TaskParams` (``taskParams``)."""
        return TaskParams.from_tuple(self._call("taskParams", block=block))

    def get_metadata(self) -> dict[str, Any]:
        """The task config JSON at ``params.config`` (fetched through ``session.ipfs``)."""
        data: dict[str, Any] = self.session.ipfs.fetch_json(self.get_params().config)
        return data

    def get_payment(self, *, block: BlockId = "latest") -> int:
        """The escrowed payment in wei (``getPayment``)."""
        return int(self._call("getPayment", block=block))

    def get_expiry_time(self, *, block: BlockId = "latest") -> int:
        """Absolute expiry, unix seconds (``getExpiryTime``)."""
        return int(self._call("getExpiryTime", block=block))

    def get_delivery_method(self, *, block: BlockId = "latest") -> DeliveryMethod:
        """How the winner is chosen, copied from the source at publish time."""
        return DeliveryMethod(self._call("getDeliveryMethod", block=block))

    def get_attempt_count(self, *, block: BlockId = "latest") -> int:
        """Number of attempts (``getAttemptCount``)."""
        return int(self._call("getAttemptCount", block=block))

    def get_attempters(
        self, lower: int = 0, upper: int | None = None, *, block: BlockId = "latest"
    ) -> list[str]:
        """Providers that attempted, ``[lower, upper)`` (``upper=None``: all), ≤ 2 round trips."""
        return drop_zero(self._list("getAttemptCount", "getAttempters", lower, upper, block)[0])

    def get_attempter_at(self, index: int, *, block: BlockId = "latest") -> str:
        """The provider of attempt ``index`` (``attempters(index)``)."""
        return checksum(self._call("attempters", index, block=block))

    def get_attempter_id(self, provider: str, *, block: BlockId = "latest") -> int:
        """1-based attempt id of ``provider``; 0 = never attempted (``getAttempterId``)."""
        return int(self._call("getAttempterId", provider, block=block))

    def get_attempt_timestamps(
        self, lower: int = 0, upper: int | None = None, *, block: BlockId = "latest"
    ) -> list[int]:
        """Block timestamps of attempts ``[lower, upper)``, parallel to :meth:`get_attempters`."""
        raw = self._list("getAttemptCount", "getAttemptTimestamps", lower, upper, block)[0]
        return [int(t) for t in raw]

    def get_attempt_timestamp_at(self, index: int, *, block: BlockId = "latest") -> int:
        """Timestamp of attempt ``index`` (``attemptTimestamps(index)``)."""
        return int(self._call("attemptTimestamps", index, block=block))

    def get_response_of(self, provider: str, *, block: BlockId = "latest") -> Response | None:
        """The response ``provider`` submitted, or ``None`` (``responseOf``)."""
        from ogpu.protocol.response import Response

        address = address_or_none(self._call("responseOf", provider, block=block))
        return None if address is None else self._peer(Response, address)

    def _responses(
        self, lower: int, upper: int | None, block: BlockId
    ) -> tuple[list[Response], BlockId]:
        from ogpu.protocol.response import Response

        raw, at = self._list("getAttemptCount", "getResponsesOf", lower, upper, block)
        return [self._peer(Response, a) for a in drop_zero(raw)], at

    def get_responses(
        self, lower: int = 0, upper: int | None = None, *, block: BlockId = "latest"
    ) -> list[Response]:
        """Responses of attempts ``[lower, upper)`` (``upper=None``: all), as :class:`Response`
        objects, in at most two round trips (attempters without a response are skipped).
        """
        return self._responses(lower, upper, block)[0]

    def get_confirmed_response(self, *, block: BlockId = "latest") -> Response | None:
        """The CONFIRMED response, or ``None``: all responses plus their ``confirmedFinal`` flags,
        read at one block in at most three round trips (no per-response calls)."""
        responses, at = self._responses(0, None, block)
        flags = batch(self.session, [r._fn("confirmedFinal") for r in responses], at)
        return next((r for r, ok in zip(responses, flags, strict=True) if ok), None)

    def get_winning_provider(self, *, block: BlockId = "latest") -> str | None:
        """Provider of the confirmed response, or ``None`` (``winningProvider``)."""
        return address_or_none(self._call("winningProvider", block=block))

    def get_payee_of(self, provider: str, *, block: BlockId = "latest") -> str | None:
        """Payee fixed when ``provider``'s MANUAL response was submitted, or ``None`` (``payeeOf``)."""
        return address_or_none(self._call("payeeOf", provider, block=block))

    def is_already_submitted(self, hash_bytes: bytes, *, block: BlockId = "latest") -> bool:
        """Whether a response with this content key exists (the CID's hash; docs/protocol.md)."""
        return bool(self._call("isAlreadySubmitted", bytes(hash_bytes), block=block))

    def get_owner(self, *, block: BlockId = "latest") -> str:
        """The contract owner (Nexus)."""
        return checksum(self._call("owner", block=block))

    def snapshot(self, *, block: BlockId = "latest") -> TaskSnapshot:
        """Every non-paginated field, read at one block in one round trip."""
        return TaskSnapshot(**self._fields(_SNAPSHOT, block))

    # ------------------------------------------------------------------------------------------
    # Writes

    def cancel(self, *, signer: Signer | None = None, **tx: Unpack[Tx]) -> Receipt:
        """``Controller.cancelTask(self)`` (role fallback CLIENT)."""
        return controller.cancel_task(self.address, signer=signer, session=self.session, **tx)

    # ------------------------------------------------------------------------------------------
    # Waiting

    def wait_for_status(
        self,
        *statuses: TaskStatus,
        timeout: float | None = 120.0,
        poll_interval: float | None = None,
        on_progress: Callable[[TaskStatus], None] | None = None,
    ) -> TaskStatus:
        """Block until the task is in one of ``statuses`` (default: any terminal state).

        Raises :class:`~ogpu.types.WaitTimeoutError` carrying the last status seen.
        """
        return wait_for_task_status(
            self, *statuses, timeout=timeout, poll_interval=poll_interval, on_progress=on_progress
        )

    def wait_for_response(
        self,
        *,
        confirmed: bool = False,
        timeout: float | None = 120.0,
        poll_interval: float | None = None,
        on_progress: Callable[[TaskStatus], None] | None = None,
    ) -> Response:
        """Block until the task has a response (``confirmed=True``: the confirmed one)."""
        response: Response = wait_for_response(
            self,
            confirmed=confirmed,
            timeout=timeout,
            poll_interval=poll_interval,
            on_progress=on_progress,
        )
        return response
