"""Base of the instance classes (Source, Task, Response, Provider, Master).

An instance is a lazy proxy: an address bound to a session. Construction does no I/O; identity is
``(checksum address, chain id)``; ``str()`` is the address and ``repr()`` names the network.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from ogpu.protocol._base import (
    BlockId,
    View,
    batch_pinned,
    call,
    checksum,
    paginate_pinned,
    session_for,
    view,
)
from ogpu.types import NotFoundError

if TYPE_CHECKING:
    from typing_extensions import Self

    from ogpu.chain import Session

_Peer = TypeVar("_Peer", bound="ProtocolObject")

__all__ = ["ProtocolObject"]


class ProtocolObject:
    """An on-chain protocol object at ``address`` on ``session``'s network."""

    __slots__ = ("_session", "address")

    #: ABI name of the instance contract (None for synthetic objects such as Provider).
    _contract: ClassVar[str | None] = None
    #: What :meth:`load` raises when the address is not such an object.
    _not_found: ClassVar[type[NotFoundError]] = NotFoundError

    address: str
    _session: Session

    def __init__(
        self, address: str, chain: object = None, *, session: Session | None = None
    ) -> None:
        """``chain``: a :class:`~ogpu.chain.Session`, a ``ChainId``/chain id, a ``Network`` or a
        network name (``None``: the current session); ``session`` names a session explicitly."""
        self.address = checksum(address, what=f"{type(self).__name__} address")
        self._session = session if session is not None else session_for(chain)

    @classmethod
    def load(cls, address: str, chain: object = None, *, session: Session | None = None) -> Self:
        """An instance after checking (one read) that ``address`` is such an object of this
        deployment; raises the kind's :class:`~ogpu.types.NotFoundError` otherwise
        (``TaskNotFoundError``, ``SourceNotFoundError``, ...)."""
        obj = cls(address, chain, session=session)
        if not obj._exists():
            raise cls._not_found(obj.address)
        return obj

    def _exists(self) -> bool:
        """Whether the address is such an object (the check of :meth:`load`)."""
        raise NotImplementedError

    @property
    def session(self) -> Session:
        """The session this object reads and writes through."""
        return self._session

    @property
    def chain_id(self) -> int | None:
        """Chain id of the bound network (no I/O when the network declares it)."""
        network_chain = getattr(self._session.network, "chain_id", None)
        if network_chain is not None:
            return int(network_chain)
        return int(self._session.chain_id)

    def _fn(self, function: str, *args: Any) -> View:
        """A read of this object's own contract (for batches)."""
        assert self._contract is not None
        return view(self._session, self._contract, function, *args, address=self.address)

    def _call(self, function: str, *args: Any, block: BlockId = "latest") -> Any:
        assert self._contract is not None
        return call(
            self._session, self._contract, function, *args, address=self.address, block=block
        )

    def _list(
        self, count: str, page: str, lower: int, upper: int | None, block: BlockId
    ) -> tuple[list[Any], BlockId]:
        """Elements ``[lower, upper)`` of this contract's paginated list (length getter ``count``,
        page getter ``page``) and the block they were read at: :func:`paginate_pinned`."""
        return paginate_pinned(
            self._session,
            lambda: self._fn(count),
            lambda lo, hi: self._fn(page, lo, hi),
            lower,
            upper,
            block=block,
        )

    def _fields(
        self, table: Sequence[tuple[str, str, Callable[[Any], Any]]], block: BlockId
    ) -> dict[str, Any]:
        """The keywords of a snapshot: for each ``(field, getter, conversion)`` the converted
        value of :meth:`_fn` ``(getter)``, all read at one block in one round trip, plus
        ``address`` and ``block_number``."""
        values, number = batch_pinned(self._session, [self._fn(g) for _, g, _ in table], block)
        fields = {name: convert(v) for (name, _, convert), v in zip(table, values, strict=True)}
        return {"address": self.address, **fields, "block_number": number}

    def _peer(self, cls: type[_Peer], address: str) -> _Peer:
        """Another protocol object on the same session, from an ABI-decoded (checksummed) address."""
        obj = cls.__new__(cls)
        obj.address = str(address)
        obj._session = self._session
        return obj

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProtocolObject) or type(other) is not type(self):
            return NotImplemented
        return self.address == other.address and self.chain_id == other.chain_id

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.address, self.chain_id))

    def __str__(self) -> str:
        return self.address

    def __repr__(self) -> str:
        network = getattr(self._session.network, "name", None) or "?"
        return f"<{type(self).__name__} {self.address[:8]}...{self.address[-4:]} @{network}>"
