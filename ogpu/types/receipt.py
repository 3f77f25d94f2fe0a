"""Transaction results: :class:`Receipt`, :class:`PendingTx` and :class:`DryRunResult`.

>>> r = Receipt(tx_hash="0x" + "ab" * 32, block_number=7, gas_used=21000, status=1)
>>> r.ok
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DryRunResult", "PendingTx", "Receipt"]


def _hex(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    text = str(value)
    if hasattr(value, "hex") and not isinstance(value, str):
        text = value.hex()
    return text if text.startswith("0x") else "0x" + text


@dataclass(frozen=True)
class Receipt:
    """A mined transaction.

    ``timestamp`` is the timestamp of the block that mined it. ``logs`` are web3 log entries
    (``AttributeDict``), so ``contract.events.X().process_receipt(receipt.raw)`` or
    ``process_log(log)`` decode them. ``raw`` is the node's receipt as web3 returned it.
    """

    tx_hash: str
    block_number: int
    gas_used: int
    status: int
    logs: list[Any] = field(default_factory=list, repr=False)
    timestamp: int = 0
    effective_gas_price: int = 0
    from_address: str = ""
    to: str | None = None
    contract_address: str | None = None
    raw: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """True when the transaction succeeded (status 1)."""
        return self.status == 1

    @property
    def fee(self) -> int:
        """Gas fee paid in wei (``gas_used x effective_gas_price``)."""
        return self.gas_used * self.effective_gas_price

    @classmethod
    def from_web3_receipt(cls, receipt: Mapping[str, Any], timestamp: int = 0) -> Receipt:
        """Build from a web3 ``TxReceipt``; normalises the hash to ``0x…``."""
        to = receipt.get("to")
        created = receipt.get("contractAddress")
        return cls(
            tx_hash=_hex(receipt["transactionHash"]),
            block_number=int(receipt["blockNumber"]),
            gas_used=int(receipt["gasUsed"]),
            status=int(receipt["status"]),
            logs=list(receipt.get("logs", [])),
            timestamp=int(timestamp),
            effective_gas_price=int(receipt.get("effectiveGasPrice", 0) or 0),
            from_address=str(receipt.get("from", "")),
            to=str(to) if to else None,
            contract_address=str(created) if created else None,
            raw=receipt,
        )


class PendingTx:
    """A broadcast transaction that may not be mined yet (returned by ``transact(wait=False)``)."""

    __slots__ = ("_receipt", "_waiter", "nonce", "sender", "tx_hash")

    def __init__(
        self,
        tx_hash: str,
        waiter: Callable[[float | None], Receipt],
        *,
        sender: str = "",
        nonce: int | None = None,
    ) -> None:
        self.tx_hash = tx_hash
        self.sender = sender
        self.nonce = nonce
        self._waiter = waiter
        self._receipt: Receipt | None = None

    def wait(self, timeout: float | None = 120.0) -> Receipt:
        """Block until mined; raise the decoded revert error if it reverted.

        Raises :class:`~ogpu.types.errors.TxReceiptTimeoutError` after ``timeout`` seconds.
        """
        if self._receipt is None:
            self._receipt = self._waiter(timeout)
        return self._receipt

    @property
    def done(self) -> bool:
        """True once :meth:`wait` has returned a receipt."""
        return self._receipt is not None

    def __repr__(self) -> str:
        return f"PendingTx({self.tx_hash}, sender={self.sender}, nonce={self.nonce})"


@dataclass(frozen=True)
class DryRunResult:
    """What a write would do, from simulation only (nothing signed or sent).

    ``return_value`` is the decoded result of the simulated call; ``gas`` the estimate with the
    safety margin; fees are the ones the executor would use.
    """

    to: str
    sender: str
    data: str
    value: int
    gas: int
    return_value: Any = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    gas_price: int | None = None
    context: str | None = None

    @property
    def max_cost(self) -> int:
        """Upper bound of the fee in wei plus the value sent."""
        price = self.max_fee_per_gas if self.max_fee_per_gas is not None else self.gas_price or 0
        return self.gas * price + self.value
