"""A provider's response to a task (one ``Response`` contract per response;
docs/protocol.md, "Contracts and roles").

Example::

    from ogpu.protocol import Response
    response = Response.load(response_address)
    response.fetch_data()
    # {'result': 'positive', 'confidence': 0.97}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ogpu.protocol import controller
from ogpu.protocol._base import BlockId, Signer, checksum
from ogpu.protocol._membership import is_protocol_object
from ogpu.protocol._object import ProtocolObject
from ogpu.protocol._wait import wait_for_confirmation
from ogpu.types import ResponseNotFoundError, ResponseParams, ResponseSnapshot, ResponseStatus

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.protocol.task import Task
    from ogpu.types import Receipt

__all__ = ["Response"]

#: The fields read by :meth:`Response.snapshot`: (field, getter, conversion).
_SNAPSHOT = (
    ("params", "getResponseParams", ResponseParams.from_tuple),
    ("status", "getStatus", ResponseStatus),
    ("timestamp", "responseTimestamp", int),
    ("confirmed", "confirmedFinal", bool),
)


class Response(ProtocolObject):
    """A response contract: the provider, the payload URL, the claimed payment and its status.

    ``Response(address)`` does no I/O; ``Response.load(address)`` checks this deployment created
    it (``Nexus.isResponse``; :class:`~ogpu.types.ResponseNotFoundError` otherwise).
    """

    __slots__ = ()
    _contract = "Response"

    _not_found = ResponseNotFoundError

    def _exists(self) -> bool:
        return is_protocol_object(self, "isResponse")

    # ------------------------------------------------------------------------------------------
    # Reads

    def get_params(self, *, block: BlockId = "latest") -> ResponseParams:
        """The stored :class:`~ogpu.types.ResponseParams` (``getResponseParams``)."""
        return ResponseParams.from_tuple(self._call("getResponseParams", block=block))

    def get_task(self, *, block: BlockId = "latest") -> Task:
        """The task this response answers."""
        from ogpu.protocol.task import Task

        return self._peer(Task, self.get_params(block=block).task)

    def get_provider(self, *, block: BlockId = "latest") -> str:
        """The responding provider."""
        return checksum(self.get_params(block=block).provider)

    def get_data(self, *, block: BlockId = "latest") -> str:
        """The payload URL (``params.data``); no I/O beyond the contract read."""
        return self.get_params(block=block).data

    def fetch_data(self) -> dict[str, Any]:
        """The payload JSON, fetched through ``session.ipfs``."""
        data: dict[str, Any] = self.session.ipfs.fetch_json(self.get_data())
        return data

    def get_status(self, *, block: BlockId = "latest") -> ResponseStatus:
        """SUBMITTED or CONFIRMED (``getStatus``)."""
        return ResponseStatus(self._call("getStatus", block=block))

    def get_timestamp(self, *, block: BlockId = "latest") -> int:
        """Block timestamp of the submission (``responseTimestamp``)."""
        return int(self._call("responseTimestamp", block=block))

    def is_confirmed(self, *, block: BlockId = "latest") -> bool:
        """Whether this response won (``confirmedFinal``)."""
        return bool(self._call("confirmedFinal", block=block))

    def get_owner(self, *, block: BlockId = "latest") -> str:
        """The contract owner (Nexus)."""
        return checksum(self._call("owner", block=block))

    def snapshot(self, *, block: BlockId = "latest") -> ResponseSnapshot:
        """Every field, read at one block in one round trip."""
        fields = self._fields(_SNAPSHOT, block)
        params = fields["params"]
        return ResponseSnapshot(**fields, task=checksum(params.task), data=params.data)

    # ------------------------------------------------------------------------------------------
    # Writes

    def confirm(self, *, signer: Signer | None = None, **tx: Unpack[Tx]) -> Receipt:
        """``Controller.confirmResponse(self)`` (role fallback CLIENT)."""
        return controller.confirm_response(self.address, signer=signer, session=self.session, **tx)

    # ------------------------------------------------------------------------------------------
    # Waiting

    def wait_for_confirmation(
        self,
        *,
        timeout: float | None = 120.0,
        poll_interval: float | None = None,
        on_progress: Callable[[ResponseStatus], None] | None = None,
    ) -> Response:
        """Block until this response is CONFIRMED; raises ``WaitTimeoutError`` with the last status."""
        confirmed: Response = wait_for_confirmation(
            self, timeout=timeout, poll_interval=poll_interval, on_progress=on_progress
        )
        return confirmed
