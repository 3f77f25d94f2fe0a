"""Errors raised by the handler framework (:mod:`ogpu.service`).

All of them are :class:`ogpu.types.errors.OGPUError`, grouped under :class:`ServiceError`.

>>> from ogpu.service import Service
>>> svc = Service()
>>> try:
...     svc.run("missing", {})
... except HandlerNotFoundError as err:
...     err.function_name
'missing'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ogpu.types.errors import OGPUError

__all__ = [
    "HandlerFailedError",
    "HandlerInputError",
    "HandlerNotFoundError",
    "HandlerOutputError",
    "HandlerRegistrationError",
    "HandlerTimeoutError",
    "OutputTooLargeError",
    "ServiceError",
    "describe_exception",
]


def describe_exception(exc: BaseException) -> str:
    """``"<type>: <message>"`` for an exception (the form error results carry); for a
    :class:`HandlerFailedError`, that of the exception the handler raised."""
    if isinstance(exc, HandlerFailedError):
        exc = exc.cause
    message = str(exc)
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


class ServiceError(OGPUError):
    """Base class of the handler framework's errors."""


class HandlerRegistrationError(ServiceError, TypeError, ValueError):
    """A function cannot be registered as a handler (bad signature, annotations or duplicate name).

    Also a ``ValueError``, as the official SDK raises for duplicate names.
    """


class HandlerNotFoundError(ServiceError, LookupError):
    """No handler is registered under ``function_name``; ``available`` lists the names that are."""

    def __init__(self, function_name: str, available: Sequence[str] = ()) -> None:
        self.function_name = function_name
        self.available = tuple(available)
        listed = ", ".join(self.available) if self.available else "none"
        super().__init__(
            f"no handler named {function_name!r} (registered: {listed}); "
            "check the task config's function_name"
        )


class HandlerInputError(ServiceError, ValueError):
    """The task data did not validate against the handler's input model.

    ``errors`` is pydantic's JSON-safe error list (``loc``, ``msg``, ``type``, ``input``, ...).
    """

    def __init__(self, function_name: str, errors: list[dict[str, Any]]) -> None:
        self.function_name = function_name
        self.errors = errors
        parts = []
        for item in errors[:5]:
            loc = ".".join(str(p) for p in item.get("loc", ())) or "<root>"
            parts.append(f"{loc}: {item.get('msg', '?')}")
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"invalid input for {function_name!r}: " + "; ".join(parts) + more)


class HandlerFailedError(ServiceError):
    """The handler raised; the original exception is ``cause`` (also ``__cause__``)."""

    def __init__(self, function_name: str, cause: BaseException) -> None:
        self.function_name = function_name
        self.cause = cause
        super().__init__(f"handler {function_name!r} failed: {describe_exception(cause)}")

    @property
    def error(self) -> str:
        """The ``"<type>: <message>"`` string of the original exception."""
        return describe_exception(self)


class HandlerTimeoutError(ServiceError, TimeoutError):
    """The handler did not finish within its ``timeout`` (seconds)."""

    def __init__(self, function_name: str, timeout: float) -> None:
        self.function_name = function_name
        self.timeout = timeout
        super().__init__(f"handler {function_name!r} did not finish within {timeout:g} s")


class HandlerOutputError(ServiceError):
    """The handler returned something that is not (and does not validate as) its output model."""

    def __init__(self, function_name: str, detail: str) -> None:
        self.function_name = function_name
        self.detail = detail
        super().__init__(f"handler {function_name!r} returned an invalid output: {detail}")


class OutputTooLargeError(ServiceError):
    """The handler's JSON output is over the service's size limit."""

    def __init__(self, function_name: str, size: int, limit: int) -> None:
        self.function_name = function_name
        self.size = size
        self.limit = limit
        super().__init__(
            f"output of {function_name!r} is {size} bytes of JSON, over the {limit}-byte limit; "
            "return a smaller result (e.g. a URL to the data) or raise max_output_bytes"
        )
