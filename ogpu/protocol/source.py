"""A published source (one ``Source`` contract per source; docs/protocol.md,
"Contracts and roles").

Example::

    from ogpu.protocol import Source
    source = Source.load("0x5FbDB2315678afecb367f032d93F642f64180aa3")
    source.snapshot().status
    # <SourceStatus.ACTIVE: 0>
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ogpu.protocol import nexus
from ogpu.protocol._base import BlockId, Signer, checksum, drop_zero
from ogpu.protocol._object import ProtocolObject
from ogpu.types import Environment, SourceNotFoundError, SourceParams, SourceSnapshot, SourceStatus

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ogpu.protocol._base import TxOptions as Tx
    from ogpu.protocol.task import Task
    from ogpu.types import Receipt

__all__ = ["Source"]

#: The fields of :meth:`Source.snapshot`: (field, getter, conversion).
_SNAPSHOT = (
    ("client", "getClient", checksum),
    ("status", "getStatus", SourceStatus),
    ("params", "getSourceParams", SourceParams.from_tuple),
    ("task_count", "getTaskCount", int),
    ("registrant_count", "getRegistrantCount", int),
)


class Source(ProtocolObject):
    """A source contract: its parameters, status, tasks and registered providers.

    ``Source(address)`` does no I/O; ``Source.load(address)`` checks ``Nexus.getSourceId`` first
    (:class:`~ogpu.types.SourceNotFoundError` if it is 0).
    """

    __slots__ = ()
    _contract = "Source"

    _not_found = SourceNotFoundError

    def _exists(self) -> bool:
        return nexus.get_source_id(self.address, session=self.session) != 0

    # ------------------------------------------------------------------------------------------
    # Reads

    def get_client(self, *, block: BlockId = "latest") -> str:
        """The client that owns the source (``getClient``)."""
        return checksum(self._call("getClient", block=block))

    def get_status(self, *, block: BlockId = "latest") -> SourceStatus:
        """ACTIVE or INACTIVE (``getStatus``)."""
        return SourceStatus(self._call("getStatus", block=block))

    def get_params(self, *, block: BlockId = "latest") -> SourceParams:
        """The stored :class:`~ogpu.types.SourceParams` (``getSourceParams``)."""
        return SourceParams.from_tuple(self._call("getSourceParams", block=block))

    def get_metadata(self) -> dict[str, Any]:
        """The source metadata JSON at ``imageMetadataUrl`` (fetched through ``session.ipfs``)."""
        data: dict[str, Any] = self.session.ipfs.fetch_json(self.get_params().imageMetadataUrl)
        return data

    def get_task_count(self, *, block: BlockId = "latest") -> int:
        """Number of tasks ever published on the source (``getTaskCount``)."""
        return int(self._call("getTaskCount", block=block))

    def get_tasks(
        self, lower: int = 0, upper: int | None = None, *, block: BlockId = "latest"
    ) -> list[Task]:
        """Tasks ``[lower, upper)`` (``upper=None``: all) in at most two round trips."""
        from ogpu.protocol.task import Task

        raw = self._list("getTaskCount", "getTasks", lower, upper, block)[0]
        return [self._peer(Task, a) for a in drop_zero(raw)]

    def get_task_at(self, index: int, *, block: BlockId = "latest") -> Task:
        """The task at 0-based ``index`` (``tasks(index)``)."""
        from ogpu.protocol.task import Task

        return self._peer(Task, self._call("tasks", index, block=block))

    def get_registrant_count(self, *, block: BlockId = "latest") -> int:
        """Number of registration slots, holes included (``getRegistrantCount``)."""
        return int(self._call("getRegistrantCount", block=block))

    def get_registrants(
        self, lower: int = 0, upper: int | None = None, *, block: BlockId = "latest"
    ) -> list[str]:
        """Registered provider addresses in slots ``[lower, upper)``; unregistered holes dropped."""
        return drop_zero(self._list("getRegistrantCount", "getRegistrants", lower, upper, block)[0])

    def get_registrant_at(self, index: int, *, block: BlockId = "latest") -> str:
        """The provider in registration slot ``index`` (zero address for a hole)."""
        return checksum(self._call("registrants", index, block=block))

    def get_registrant_id(self, provider: str, *, block: BlockId = "latest") -> int:
        """1-based registration id of ``provider``; 0 = not registered (``getRegistrantId``)."""
        return int(self._call("getRegistrantId", provider, block=block))

    def get_preferred_environment_of(
        self, provider: str, *, block: BlockId = "latest"
    ) -> Environment:
        """The environment ``provider`` registered with (``Environment(0)`` if not registered)."""
        return Environment(int(self._call("preferredEnvironmentOf", provider, block=block)))

    def get_owner(self, *, block: BlockId = "latest") -> str:
        """The contract owner (Nexus)."""
        return checksum(self._call("owner", block=block))

    def get_nexus(self, *, block: BlockId = "latest") -> str:
        """The Nexus that created the source."""
        return checksum(self._call("nexus", block=block))

    def snapshot(self, *, block: BlockId = "latest") -> SourceSnapshot:
        """Every non-paginated field, read at one block in one round trip."""
        return SourceSnapshot(**self._fields(_SNAPSHOT, block))

    # ------------------------------------------------------------------------------------------
    # Writes

    def set_status(
        self, status: SourceStatus, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """Change the status through Nexus (protocol O-3; ``Source.setStatus`` is Nexus-only).

        ``INACTIVE`` → ``Nexus.inactivateSource`` (client, role fallback CLIENT). ``ACTIVE`` →
        ``Nexus.setSourceStatus`` (admin route: CONTROLLER role or Nexus owner; signer required).
        """
        if SourceStatus(status) is SourceStatus.INACTIVE:
            return nexus.inactivate_source(self.address, signer=signer, session=self.session, **tx)
        if signer is None:
            from ogpu.types import MissingSignerError

            raise MissingSignerError(None)
        return nexus.set_source_status(
            self.address, SourceStatus.ACTIVE, signer=signer, session=self.session, **tx
        )

    def set_params(
        self, params: SourceParams, *, signer: Signer | None = None, **tx: Unpack[Tx]
    ) -> Receipt:
        """``Nexus.updateSource(self, params)`` (role fallback CLIENT)."""
        return nexus.update_source(self.address, params, signer=signer, session=self.session, **tx)

    def map(self, function: str, inputs: Any, **kwargs: Any) -> Any:
        """Run ``function`` over ``inputs``, one task each, exactly once: a :class:`ogpu.jobs.Job`
        (keywords of :func:`ogpu.jobs.run_job`, e.g. ``payment``, ``expires_in``)."""
        from ogpu.jobs import run_job

        return run_job(
            self, function, inputs, session=kwargs.pop("session", self.session), **kwargs
        )

    def inactivate(self, *, signer: Signer | None = None, **tx: Unpack[Tx]) -> Receipt:
        """``Nexus.inactivateSource(self)`` (role fallback CLIENT)."""
        return nexus.inactivate_source(self.address, signer=signer, session=self.session, **tx)
