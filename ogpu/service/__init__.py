"""The handler framework sources are written with: expose functions, serve them over HTTP.

A source's container runs a module like::

    from pydantic import BaseModel
    from ogpu.service import expose, start

    class In(BaseModel):
        text: str

    class Out(BaseModel):
        length: int

    @expose()
    def count(data: In) -> Out:
        return Out(length=len(data.text))

    if __name__ == "__main__":
        start()          # POST /run/count/{task_address} on 127.0.0.1:5555

``expose`` registers on the process-default :class:`Service`; create your own ``Service()`` for
isolation (tests, several services in one process) and use ``svc.expose`` / ``svc.run`` /
``svc.start``. The provider runtime can call handlers in-process with ``service.run(name, data)``
or load a source with :func:`load_handlers`. :func:`handlers_document` gives the name, description
and input/output JSON Schemas of every handler (stored in a source's metadata with
``publish_source(..., handlers=...)``, served on ``GET /handlers``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ogpu.service import config as config
from ogpu.service.config import ServiceConfig
from ogpu.service.errors import (
    HandlerFailedError,
    HandlerInputError,
    HandlerNotFoundError,
    HandlerOutputError,
    HandlerRegistrationError,
    HandlerTimeoutError,
    OutputTooLargeError,
    ServiceError,
)
from ogpu.service.handler import Handler, Service, default_service
from ogpu.service.loader import load_handlers
from ogpu.service.log import logger
from ogpu.service.schemas import handlers_document

if TYPE_CHECKING:
    from ogpu.service.server import (
        BackgroundServer,
        create_app,
        send_callback,
        serve_in_background,
        start,
    )

_SERVER_NAMES = frozenset(
    {"BackgroundServer", "create_app", "send_callback", "serve_in_background", "start"}
)


def __getattr__(name: str) -> Any:
    # The HTTP side (FastAPI, uvicorn) is imported on first use, so in-process use stays light.
    if name in _SERVER_NAMES:
        from ogpu.service import server

        return getattr(server, name)
    raise AttributeError(f"module 'ogpu.service' has no attribute {name!r}")


__all__ = [
    "BackgroundServer",
    "Handler",
    "HandlerFailedError",
    "HandlerInputError",
    "HandlerNotFoundError",
    "HandlerOutputError",
    "HandlerRegistrationError",
    "HandlerTimeoutError",
    "OutputTooLargeError",
    "Service",
    "ServiceConfig",
    "ServiceError",
    "config",
    "create_app",
    "default_service",
    "expose",
    "handlers_document",
    "init",
    "load_handlers",
    "logger",
    "run",
    "send_callback",
    "serve_in_background",
    "start",
]

F = TypeVar("F", bound=Callable[..., Any])


@overload
def expose(fn: F, /) -> F: ...
@overload
def expose(
    fn: None = None, /, *, name: str | None = None, timeout: float | None = None
) -> Callable[[F], F]: ...


def expose(
    fn: F | None = None, /, *, name: str | None = None, timeout: float | None = None
) -> F | Callable[[F], F]:
    """Register a handler on the default service: ``@expose``, ``@expose()``, ``@expose(name=..., timeout=...)``
    (see :meth:`Service.expose`; example in the module docs)."""
    svc = default_service()
    return svc.expose(name=name, timeout=timeout) if fn is None else svc.expose(fn)


def init(fn: F) -> F:
    """Register the default service's zero-argument startup function."""
    return default_service().init(fn)


def run(function_name: str, data: Any) -> dict[str, Any]:
    """Run a handler of the default service in-process (see :meth:`Service.run`)."""
    return default_service().run(function_name, data)
