"""Handlers and the :class:`Service` registry that holds them.

A handler is a function taking one pydantic model and returning one (example in
:mod:`ogpu.service`); ``svc.run("count", {"text": "hello"})`` runs it in-process.
``ogpu.service.expose`` registers on the process-default service (:func:`default_service`);
``with svc.as_default(): ...`` swaps the default for a block (for tests and loaders).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import inspect
import json
import threading
import time
import typing
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard, TypeVar, overload

from pydantic import BaseModel, ValidationError

from ogpu.service.config import DEFAULT_MAX_OUTPUT_BYTES
from ogpu.service.errors import (
    HandlerFailedError,
    HandlerInputError,
    HandlerNotFoundError,
    HandlerOutputError,
    HandlerRegistrationError,
    HandlerTimeoutError,
    OutputTooLargeError,
)
from ogpu.service.log import logger

__all__ = [
    "Handler",
    "Service",
    "add_handler",
    "add_init_handler",
    "default_service",
    "get_handlers",
    "get_init_handler",
]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Handler:
    """One registered handler: its name, function, input/output models and optional timeout.

    :class:`HandlerRegistrationError` when a model is not a pydantic model, the name is empty or
    holds ``/`` (it is a URL path segment) or the timeout is not positive.
    """

    name: str
    fn: Callable[..., Any]
    input_model: type[BaseModel]
    output_model: type[BaseModel]
    timeout: float | None = None

    def __post_init__(self) -> None:
        label = getattr(self.fn, "__qualname__", repr(self.fn))
        if not _is_model(self.input_model) or not _is_model(self.output_model):
            raise HandlerRegistrationError("input_model and output_model must be pydantic models")
        if self.timeout is not None and self.timeout <= 0:
            raise HandlerRegistrationError(
                f"timeout of handler {label} must be positive, got {self.timeout}"
            )
        if not self.name or not isinstance(self.name, str) or "/" in self.name:
            raise HandlerRegistrationError(f"invalid handler name {self.name!r} for {label}")

    @property
    def is_async(self) -> bool:
        """Whether the function is ``async def`` (awaited, not run in a thread)."""
        return inspect.iscoroutinefunction(self.fn)

    @property
    def module(self) -> str:
        """The module the handler function was defined in."""
        return str(getattr(self.fn, "__module__", ""))

    def describe(self) -> dict[str, Any]:
        """Name, docstring and the JSON schemas of the input and output models."""
        return {
            "name": self.name,
            "doc": inspect.getdoc(self.fn) or "",
            "timeout": self.timeout,
            "input_schema": self.input_model.model_json_schema(),
            "output_schema": self.output_model.model_json_schema(),
        }


def _is_model(tp: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _build_handler(fn: Callable[..., Any], name: str | None, timeout: float | None) -> Handler:
    if not callable(fn):
        raise HandlerRegistrationError(f"a handler must be a function, got {fn!r}")
    label = getattr(fn, "__qualname__", repr(fn))
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:
        raise HandlerRegistrationError(
            f"cannot resolve the annotations of handler {label}: {exc}"
        ) from exc
    params = list(inspect.signature(fn).parameters.values())
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    required = [p for p in params if p.default is p.empty and p.kind not in variadic]
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if not params or len(required) > 1 or params[0].kind not in positional:
        raise HandlerRegistrationError(
            f"handler {label} must take exactly one parameter annotated with a pydantic model, "
            "e.g. `def f(data: MyInput) -> MyOutput`"
        )
    input_model = hints.get(params[0].name)
    if not _is_model(input_model):
        raise HandlerRegistrationError(
            f"parameter {params[0].name!r} of handler {label} must be annotated with a pydantic "
            f"BaseModel subclass, got {input_model!r}"
        )
    output_model = hints.get("return")
    if not _is_model(output_model):
        raise HandlerRegistrationError(
            f"handler {label} must have a pydantic BaseModel return annotation, got {output_model!r}"
        )
    fn_name = getattr(fn, "__name__", "")
    return Handler(name or fn_name, fn, input_model, output_model, timeout)


_ASYNC_RUNNER = concurrent.futures.ThreadPoolExecutor(
    max_workers=4, thread_name_prefix="ogpu-service-async"
)


class Service:
    """A registry of handlers; run them in-process with :meth:`run` or over HTTP with :meth:`start`.

    ``max_output_bytes`` caps the size of a handler's JSON output (default 1 MiB).

    >>> svc = Service("demo")
    >>> svc.names()
    []
    """

    def __init__(self, name: str = "default", *, max_output_bytes: int = DEFAULT_MAX_OUTPUT_BYTES):
        self.name = name
        self.max_output_bytes = max_output_bytes
        self._handlers: dict[str, Handler] = {}
        self._init_handler: Callable[[], Any] | None = None
        self._init_done = False
        self._init_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Service({self.name!r}, handlers={self.names()!r})"

    # -- registration -------------------------------------------------------------------------

    @overload
    def expose(self, fn: F, /) -> F: ...
    @overload
    def expose(
        self, fn: None = None, /, *, name: str | None = None, timeout: float | None = None
    ) -> Callable[[F], F]: ...

    def expose(
        self, fn: F | None = None, /, *, name: str | None = None, timeout: float | None = None
    ) -> F | Callable[[F], F]:
        """Register a handler: ``@svc.expose``, ``@svc.expose()`` or ``@svc.expose(name=..., timeout=...)``.

        The input model is read from the parameter's annotation, the output model from the
        return annotation. ``async def`` handlers are supported. The function is returned unchanged.
        """

        def register(f: F) -> F:
            self.add(_build_handler(f, name, timeout))
            return f

        return register if fn is None else register(fn)

    def add(self, handler: Handler) -> Handler:
        """Register a prepared :class:`Handler` (names must be unique)."""
        if handler.name in self._handlers and self._handlers[handler.name].fn is not handler.fn:
            raise HandlerRegistrationError(
                f"a handler named {handler.name!r} is already registered on {self!r}"
            )
        self._handlers[handler.name] = handler
        logger.debug("registered handler %r on service %r", handler.name, self.name)
        return handler

    def add_handler(
        self,
        fn: Callable[..., Any],
        input_model: type[BaseModel],
        output_model: type[BaseModel],
        *,
        name: str | None = None,
        timeout: float | None = None,
    ) -> Handler:
        """Register ``fn`` with explicit models (the official ``service.handler.add_handler``)."""
        fn_name = getattr(fn, "__name__", "")
        return self.add(Handler(name or fn_name, fn, input_model, output_model, timeout))

    def init(self, fn: F) -> F:
        """Register the single zero-argument startup function (run once before the first task)."""
        if self._init_handler is not None and self._init_handler is not fn:
            raise HandlerRegistrationError(f"{self!r} already has an init handler")
        if inspect.signature(fn).parameters:
            raise HandlerRegistrationError("the init handler must take no arguments")
        self._init_handler = fn
        return fn

    def remove(self, name: str) -> None:
        """Unregister a handler (``HandlerNotFoundError`` if absent)."""
        if self._handlers.pop(name, None) is None:
            raise HandlerNotFoundError(name, self.names())

    # -- lookup -------------------------------------------------------------------------------

    @property
    def handlers(self) -> Mapping[str, Handler]:
        """Read-only view of the registered handlers by name."""
        return dict(self._handlers)

    @property
    def init_handler(self) -> Callable[[], Any] | None:
        """The registered startup function, if any."""
        return self._init_handler

    def names(self) -> list[str]:
        """Registered handler names, sorted."""
        return sorted(self._handlers)

    def get(self, function_name: str) -> Handler:
        """The handler named ``function_name`` (``HandlerNotFoundError`` if none)."""
        try:
            return self._handlers[function_name]
        except KeyError:
            raise HandlerNotFoundError(function_name, self.names()) from None

    def __contains__(self, function_name: object) -> bool:
        return function_name in self._handlers

    def __len__(self) -> int:
        return len(self._handlers)

    # -- default-service swapping -------------------------------------------------------------

    @contextlib.contextmanager
    def as_default(self) -> Iterator[Service]:
        """Make this service the target of the bare ``ogpu.service.expose`` inside a ``with`` block."""
        token = _current.set(self)
        try:
            yield self
        finally:
            _current.reset(token)

    # -- running ------------------------------------------------------------------------------

    @property
    def initialized(self) -> bool:
        """Whether the init handler has run (always ``True`` after the first task)."""
        return self._init_done

    def ensure_initialized(self) -> None:
        """Run the init handler once (no-op without one or when it already ran)."""
        if self._init_done:
            return
        with self._init_lock:
            if self._init_done:
                return
            if self._init_handler is not None:
                logger.info("running init handler of service %r", self.name)
                result = self._init_handler()
                if inspect.isawaitable(result):
                    _run_coroutine(result)
            self._init_done = True

    def validate_input(self, function_name: str, data: Any) -> tuple[Handler, BaseModel]:
        """Look up the handler and validate ``data`` into its input model."""
        handler = self.get(function_name)
        if isinstance(data, handler.input_model):
            return handler, data
        try:
            return handler, handler.input_model.model_validate(data)
        except ValidationError as exc:
            errors = json.loads(exc.json(include_url=False))
            raise HandlerInputError(function_name, errors) from exc

    def finish_output(self, handler: Handler, output: Any) -> dict[str, Any]:
        """Check the handler's return value against its output model, dump it and apply the size cap."""
        if output is None:
            raise HandlerOutputError(handler.name, "it returned None")
        if not isinstance(output, handler.output_model):
            try:
                output = handler.output_model.model_validate(
                    output.model_dump() if isinstance(output, BaseModel) else output
                )
            except ValidationError as exc:
                raise HandlerOutputError(
                    handler.name,
                    f"expected {handler.output_model.__name__}: {exc.error_count()} validation error(s)",
                ) from exc
        dumped: dict[str, Any] = output.model_dump(mode="json")
        size = len(json.dumps(dumped, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        if size > self.max_output_bytes:
            raise OutputTooLargeError(handler.name, size, self.max_output_bytes)
        return dumped

    def run(self, function_name: str, data: Any) -> dict[str, Any]:
        """Validate ``data``, run the handler in this thread and return its output as JSON-safe dict.

        Raises ``HandlerNotFoundError``, ``HandlerInputError`` (with ``.errors``),
        ``HandlerFailedError`` (with ``.cause``), ``HandlerTimeoutError``,
        ``HandlerOutputError`` or ``OutputTooLargeError``.

        >>> from ogpu.service.loader import load_handlers
        >>> load_handlers("ogpu.devnet.demo_handlers").run("hash", {"text": "hello"})["byte_length"]
        5
        """
        handler, model = self.validate_input(function_name, data)
        self.ensure_initialized()
        started = time.monotonic()
        if handler.is_async:
            result: dict[str, Any] = _run_coroutine(self.execute_async(handler, model))
        else:
            with _failures_wrapped(handler):
                if handler.timeout is None:
                    output = handler.fn(model)
                else:
                    output = _call_in_thread(handler, model)
            result = self.finish_output(handler, output)
        logger.debug("handler %r ran in %.3f s", function_name, time.monotonic() - started)
        return result

    async def run_async(self, function_name: str, data: Any) -> dict[str, Any]:
        """Like :meth:`run` from a running event loop: sync handlers run in a worker thread."""
        handler, model = self.validate_input(function_name, data)
        if not self._init_done:
            await asyncio.to_thread(self.ensure_initialized)
        return await self.execute_async(handler, model)

    async def execute_async(self, handler: Handler, model: BaseModel) -> dict[str, Any]:
        """Run an already validated input through ``handler`` (see :meth:`run_async`)."""
        with _failures_wrapped(handler):
            if handler.is_async:
                output = await _with_timeout(handler, handler.fn(model))
            else:
                output = await _with_timeout(handler, asyncio.to_thread(handler.fn, model))
        return self.finish_output(handler, output)

    # -- serving ------------------------------------------------------------------------------

    def app(self, config: Any = None) -> Any:
        """A FastAPI app serving this service (see :func:`ogpu.service.server.create_app`)."""
        from ogpu.service.server import create_app

        return create_app(self, config)

    def start(
        self,
        host: str | None = None,
        port: int | None = None,
        *,
        callback_url: str | None = None,
        log_level: str = "info",
    ) -> None:
        """Serve over HTTP with uvicorn until interrupted (defaults from the environment, port 5555)."""
        from ogpu.service.server import start

        start(host, port, service=self, callback_url=callback_url, log_level=log_level)


@contextlib.contextmanager
def _failures_wrapped(handler: Handler) -> Iterator[None]:
    """Turn an exception of the handler into :class:`HandlerFailedError` (timeouts pass as is)."""
    try:
        yield
    except HandlerTimeoutError:
        raise
    except Exception as exc:
        raise HandlerFailedError(handler.name, exc) from exc


async def _with_timeout(handler: Handler, awaitable: Awaitable[Any]) -> Any:
    """``await awaitable`` within the handler's timeout (:class:`HandlerTimeoutError` after it).

    ``asyncio.wait`` rather than ``asyncio.wait_for``: before Python 3.12, ``wait_for`` returns a
    result that is ready as the caller is cancelled and loses the cancellation. A cancelled
    caller cancels the handler's work too.
    """
    if handler.timeout is None:
        return await awaitable
    work = asyncio.ensure_future(awaitable)
    try:
        done, _ = await asyncio.wait({work}, timeout=handler.timeout)
    except BaseException:
        work.cancel()
        raise
    if not done:
        work.cancel()
        # let the handler's work unwind before reporting; asyncio.wait raises nothing of the
        # work's own, so a caller cancelled meanwhile still ends cancelled
        await asyncio.wait({work})
        if not work.cancelled():
            work.exception()  # retrieved: a failure while unwinding is the timeout's, not logged
        raise HandlerTimeoutError(handler.name, handler.timeout)
    return work.result()


def _run_coroutine(awaitable: Awaitable[Any]) -> Any:
    async def main() -> Any:
        return await awaitable

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(main())
    # Called from inside a running loop (e.g. a sync caller in async code): use another thread.
    return _ASYNC_RUNNER.submit(asyncio.run, main()).result()


def _call_in_thread(handler: Handler, model: BaseModel) -> Any:
    assert handler.timeout is not None
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ogpu-handler")
    future = pool.submit(handler.fn, model)
    try:
        return future.result(timeout=handler.timeout)
    except concurrent.futures.TimeoutError:
        raise HandlerTimeoutError(handler.name, handler.timeout) from None
    finally:
        pool.shutdown(wait=False)


_PROCESS_DEFAULT = Service("default")
_current: contextvars.ContextVar[Service] = contextvars.ContextVar(
    "ogpu_service_default", default=_PROCESS_DEFAULT
)


def default_service() -> Service:
    """The service the bare ``ogpu.service.expose`` registers on (see :meth:`Service.as_default`)."""
    return _current.get()


# Official ``ogpu.service.handler`` functions, acting on the default service.


def add_handler(
    fn: Callable[..., Any], input_model: type[BaseModel], output_model: type[BaseModel]
) -> Handler:
    """Register ``fn`` on the default service with explicit models."""
    return default_service().add_handler(fn, input_model, output_model)


def get_handlers() -> dict[str, Handler]:
    """The default service's handlers by name."""
    return dict(default_service().handlers)


def add_init_handler(fn: Callable[[], Any]) -> None:
    """Register the default service's startup function."""
    default_service().init(fn)


def get_init_handler() -> Callable[[], Any] | None:
    """The default service's startup function, if any."""
    return default_service().init_handler
