"""The one integer check behind every argument the SDK sends on chain.

:func:`uint` serves the ABI boundary (:func:`ogpu.protocol._base.check_args`), the ``value`` of
:meth:`ogpu.chain.Session.transact` and the integer fields of the client models, so the same bad
input fails the same way, with :class:`~ogpu.types.errors.InvalidArgumentError`, wherever it enters.
"""

from __future__ import annotations

from ogpu.types.errors import InvalidArgumentError

__all__ = ["integer", "show", "uint"]


def show(value: object) -> str:
    """``repr(value)`` cut to 40 characters, for error messages about untrusted input."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def integer(value: object, name: str, low: int, high: int, shown: str) -> int:
    """``value`` as a plain ``int`` in ``[low, high)`` (``shown`` names the range in errors).

    ``bool``, ``float``, ``Decimal`` and ``str`` are refused, never truncated.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgumentError(
            name, f"must be an int (wei / whole units), got {type(value).__name__} {show(value)}"
        )
    if not low <= value < high:
        raise InvalidArgumentError(name, f"must be in {shown}, got {show(value)}")
    return int(value)


def uint(value: object, name: str, bits: int = 256, *, minimum: int = 0) -> int:
    """``value`` checked as a Solidity ``uint<bits>`` argument named ``name`` (at least ``minimum``).

    Only a plain ``int`` (not ``bool``) in ``[minimum, 2**bits)`` passes (``True``, ``1.5``,
    ``Decimal("2")``, ``"1"`` are refused, never truncated); int subclasses such as ``IntEnum``
    members come back as plain ints. Anything else is an :class:`InvalidArgumentError`.

    >>> uint(10**18, "amount")
    1000000000000000000
    >>> uint(-1, "amount")
    Traceback (most recent call last):
    ...
    ogpu.types.errors.InvalidArgumentError: amount must be in [0, 2**256), got -1
    """
    return integer(value, name, minimum, 1 << bits, f"[{minimum}, 2**{bits})")
