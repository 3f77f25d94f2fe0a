"""The HTTP face of a :class:`~ogpu.service.handler.Service` (FastAPI + uvicorn).

Routes:

* ``POST /run/{function_name}/{task_address}`` — body is the task config's ``data``.
  Synchronous mode (``?mode=sync`` or header ``X-OGPU-Mode: sync``, the default without a callback
  URL) answers ``200 {"task_address", "status": "done", "result": {...}}``. Asynchronous mode (the
  official shape, the default when ``CALLBACK_URL`` is set) answers ``202 {"task_address",
  "status": "accepted"}``, runs the handler in the background and POSTs the output JSON to
  ``{CALLBACK_URL}/{task_address}`` with header ``X-OGPU-Status: done``; a failure is POSTed there
  as ``{"task_address", "status": "error", "error": "<type>: <msg>"}`` with ``X-OGPU-Status: error``.
  Invalid input → 422 ``{"status": "invalid", "detail": [pydantic errors]}`` (both modes, before
  anything runs); unknown function → 404; failing handler in sync mode → 500 with the error result.
  Limits: the task address must be ``0x`` + 40 hex digits (else 422, before anything runs);
  bodies above ``max_body_bytes`` get 413 (judged from ``Content-Length`` or while streaming,
  never read whole); beyond ``max_inflight`` asynchronous jobs, 503 with ``Retry-After``.
* ``GET /health`` — ``{"status": "ok", "handlers": [...], ...}``.
* ``GET /handlers`` — the handler schema document (:mod:`ogpu.service.schemas`).

Example::

    from ogpu.service import Service, serve_in_background
    with serve_in_background(my_service) as server:
        httpx.post(f"{server.url}/run/count/0xabc?mode=sync", json={"text": "hi"})
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import socket
import sys
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ogpu.service.config import SDK_VERSION, ServiceConfig
from ogpu.service.errors import (
    HandlerFailedError,
    HandlerInputError,
    HandlerNotFoundError,
    HandlerTimeoutError,
    ServiceError,
    describe_exception,
)
from ogpu.service.handler import Handler, Service, default_service
from ogpu.service.log import logger
from ogpu.types import jsonsafe

__all__ = [
    "BackgroundServer",
    "create_app",
    "listen_socket",
    "run_uvicorn_in_thread",
    "send_callback",
    "serve_in_background",
    "start",
]

MODE_HEADER = "x-ogpu-mode"
_TASK_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
STATUS_HEADER = "X-OGPU-Status"


async def read_capped(request: Request, limit: int) -> bytes | None:
    """The request body, or ``None`` as soon as it is known to exceed ``limit`` bytes."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > limit):
        return None
    buf = bytearray()
    async for chunk in request.stream():
        buf += chunk
        if len(buf) > limit:
            return None
    return bytes(buf)


def _answer(task_address: str, status: str, **body: Any) -> dict[str, Any]:
    return {"task_address": task_address, "status": status, **body}


def _detail(kind: str, *loc: str, msg: str) -> dict[str, Any]:
    """One pydantic-shaped error entry."""
    return {"type": kind, "loc": list(loc), "msg": msg}


async def send_callback(
    task_address: str,
    result: dict[str, Any],
    *,
    callback_url: str,
    status: str = "done",
    timeout: float = 30.0,
    retries: int = 2,
    client: httpx.AsyncClient | None = None,
) -> bool:
    """POST ``result`` to ``{callback_url}/{task_address}``; retry transport errors and 5xx.

    Returns ``True`` when the receiver answered 2xx. Never raises: failures are logged.
    """
    url = f"{callback_url.rstrip('/')}/{task_address}"
    headers = {STATUS_HEADER: status, "X-OGPU-Task": task_address}
    async with contextlib.AsyncExitStack() as stack:
        if client is None:
            client = await stack.enter_async_context(httpx.AsyncClient(timeout=timeout))
        for attempt in range(retries + 1):
            try:
                resp = await client.post(url, json=result, headers=headers, timeout=timeout)
                if resp.status_code < 300:
                    return True
                if resp.status_code < 500:
                    logger.error("callback %s refused with HTTP %s", url, resp.status_code)
                    return False
                logger.warning("callback %s answered HTTP %s", url, resp.status_code)
            except httpx.HTTPError as exc:
                logger.warning("callback %s failed: %s", url, describe_exception(exc))
            if attempt < retries:
                await asyncio.sleep(0.2 * 2**attempt)
    logger.error("giving up on callback %s after %d attempts", url, retries + 1)
    return False


def create_app(service: Service | None = None, config: ServiceConfig | None = None) -> FastAPI:
    """Build the FastAPI app for ``service`` (default service) with ``config`` (from the environment).

    >>> from fastapi.testclient import TestClient
    >>> from ogpu.service.loader import load_handlers
    >>> svc = load_handlers("ogpu.devnet.demo_handlers")
    >>> TestClient(create_app(svc)).get("/health").json()["handlers"]
    ['echo', 'hash', 'sentiment', 'text_stats', 'thumbnail']
    """
    svc = service if service is not None else default_service()
    cfg = config if config is not None else ServiceConfig.from_env()
    if cfg.max_output_bytes is not None:
        svc.max_output_bytes = cfg.max_output_bytes
    inflight: set[asyncio.Task[None]] = set()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(svc.ensure_initialized)
        async with httpx.AsyncClient(timeout=cfg.callback_timeout) as client:
            app.state.callback_client = client
            logger.info(
                "service %r ready with handlers %s (callback %s)",
                svc.name,
                svc.names(),
                cfg.callback_url or "off",
            )
            yield
            if inflight:
                await asyncio.wait(set(inflight), timeout=cfg.callback_timeout)
            app.state.callback_client = None

    app = FastAPI(title=f"ogpu service {svc.name}", version=SDK_VERSION, lifespan=lifespan)
    app.state.callback_client = None

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "service": svc.name,
            "handlers": svc.names(),
            "sdk_version": SDK_VERSION,
            "source_address": cfg.source_address,
            "provider_address": cfg.provider_address,
            "protocol_version": cfg.protocol_version,
            "callback": cfg.callback_url is not None,
            "inflight": len(inflight),
        }

    @app.get("/handlers")
    async def handlers() -> dict[str, Any]:
        from ogpu.service.schemas import handlers_document

        return handlers_document(svc)

    async def execute(handler: Handler, model: Any, task_address: str) -> tuple[str, Any]:
        """``("done", output)`` or ``("error", the error result)``, logged either way."""
        started = time.monotonic()
        try:
            result = await svc.execute_async(handler, model)
        except Exception as exc:
            _log_failure(task_address, handler.name, exc)
            return "error", _answer(task_address, "error", error=describe_exception(exc))
        took = time.monotonic() - started
        logger.task_success("task %s: %s done in %.3f s", task_address, handler.name, took)
        return "done", result

    async def run_and_callback(handler: Handler, model: Any, task_address: str) -> None:
        assert cfg.callback_url is not None
        status, result = await execute(handler, model, task_address)
        await send_callback(
            task_address,
            result,
            callback_url=cfg.callback_url,
            status=status,
            timeout=cfg.callback_timeout,
            retries=cfg.callback_retries,
            client=app.state.callback_client,
        )

    @app.post("/run/{function_name}/{task_address}")
    async def run(function_name: str, task_address: str, request: Request) -> JSONResponse:
        def refuse(code: int, status: str = "invalid", **body: Any) -> JSONResponse:
            answer = _answer(task_address, status, **body)
            headers = {"Retry-After": "1"} if code == 503 else None
            return JSONResponse(answer, status_code=code, headers=headers)

        if not _TASK_ADDRESS.fullmatch(task_address):
            task_address = task_address[:100]
            return refuse(
                422, detail=[_detail("value_error", "path", "task_address", msg="not an address")]
            )
        mode = (request.query_params.get("mode") or request.headers.get(MODE_HEADER) or "").lower()
        mode = mode or ("async" if cfg.callback_url else "sync")
        if mode not in ("sync", "async"):
            return refuse(400, error=f"unknown mode {mode!r}; use 'sync' or 'async'")
        if mode == "async" and not cfg.callback_url:
            return refuse(400, error="asynchronous mode needs CALLBACK_URL to be configured")
        if mode == "async" and len(inflight) >= cfg.max_inflight:
            return refuse(503, "busy", error="too many jobs")
        raw = await read_capped(request, cfg.max_body_bytes)
        if raw is None:
            return refuse(413, error=f"body larger than {cfg.max_body_bytes} bytes")
        try:
            data = jsonsafe.loads(raw) if raw.strip() else {}
        except ValueError as exc:
            return refuse(422, detail=[_detail("json_invalid", "body", msg=f"invalid JSON: {exc}")])
        try:
            handler, model = svc.validate_input(function_name, data)
        except HandlerNotFoundError as exc:
            return refuse(404, "not_found", error=str(exc), handlers=list(exc.available))
        except HandlerInputError as exc:
            logger.info("task %s: invalid input for %s", task_address, function_name)
            return refuse(422, detail=exc.errors)
        if not svc.initialized:
            await asyncio.to_thread(svc.ensure_initialized)
        if mode == "async":
            job = asyncio.create_task(run_and_callback(handler, model, task_address))
            inflight.add(job)
            job.add_done_callback(inflight.discard)
            return JSONResponse(_answer(task_address, "accepted"), status_code=202)
        status, result = await execute(handler, model, task_address)
        if status == "error":
            return JSONResponse(result, status_code=500)
        return JSONResponse(_answer(task_address, "done", result=result))

    return app


def _log_failure(task_address: str, function_name: str, exc: BaseException) -> None:
    if isinstance(exc, HandlerTimeoutError):
        logger.task_timeout("task %s: %s", task_address, exc)
    elif isinstance(exc, HandlerFailedError):
        logger.task_fail("task %s: %s", task_address, exc, exc_info=exc.cause)
    elif isinstance(exc, ServiceError):
        logger.task_fail("task %s: %s", task_address, exc)
    else:
        logger.task_fail(
            "task %s: unexpected error in %s", task_address, function_name, exc_info=exc
        )


def _ensure_console_logging() -> None:
    base = logging.getLogger("ogpu.service")
    if any(not isinstance(h, logging.NullHandler) for h in base.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    base.addHandler(handler)
    if base.level == logging.NOTSET:
        base.setLevel(logging.INFO)


def start(
    host: str | None = None,
    port: int | None = None,
    *,
    service: Service | None = None,
    callback_url: str | None = None,
    log_level: str = "info",
) -> None:
    """Serve ``service`` (default: the process-default service) until interrupted.

    Host, port and callback URL default to the environment (``127.0.0.1:5555``, ``CALLBACK_URL``).

    Example::

        from ogpu.service import expose, start
        start()
    """
    cfg = ServiceConfig.from_env().with_(host=host, port=port, callback_url=callback_url)
    svc = service if service is not None else default_service()
    _ensure_console_logging()
    logger.info("starting service %r on %s:%s", svc.name, cfg.host, cfg.port)
    uvicorn.run(create_app(svc, cfg), host=cfg.host, port=cfg.port, log_level=log_level)


class BackgroundServer:
    """A uvicorn server running in a daemon thread; ``url``, ``stop()``, usable as a context manager."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, sock: socket.socket):
        self._server = server
        self._thread = thread
        self._sock = sock
        host, port = sock.getsockname()[:2]
        self.host = "127.0.0.1" if host in ("0.0.0.0", "") else str(host)
        self.port = int(port)

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:40123``."""
        return f"http://{self.host}:{self.port}"

    @property
    def alive(self) -> bool:
        """True while the server thread runs."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def listen_socket(host: str, port: int, *, nodelay: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port`` (``0`` = a free port), ready for uvicorn.

    Created with ``IPPROTO_TCP`` so that asyncio sets ``TCP_NODELAY`` on accepted connections
    (it skips sockets whose protocol is 0); without it a kept-alive response waits for the
    client's delayed ACK, about 40 ms per request. ``nodelay=False`` exists only to measure that.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    proto = socket.IPPROTO_TCP if nodelay else 0
    sock = socket.socket(family, socket.SOCK_STREAM, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def run_uvicorn_in_thread(
    app: Any, sock: socket.socket, *, name: str, lifespan: str = "on", startup_timeout: float = 10.0
) -> BackgroundServer:
    """Serve the ASGI ``app`` on ``sock`` in a daemon thread; return once it accepts requests."""
    config = uvicorn.Config(app, log_level="warning", lifespan=lifespan, access_log=False)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    host, port = sock.getsockname()[:2]  # uvicorn may close the socket when it fails
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            thread.join(1.0)
            sock.close()
            raise ServiceError(f"{name} did not start on {host}:{port} within {startup_timeout} s")
        time.sleep(0.01)
    return BackgroundServer(server, thread, sock)


def serve_in_background(
    service: Service | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    config: ServiceConfig | None = None,
    startup_timeout: float = 10.0,
) -> BackgroundServer:
    """Start ``service`` on ``host:port`` (``0`` = a free port) in a thread; returns once it serves."""
    cfg = (config or ServiceConfig.from_env()).with_(host=host)
    sock = listen_socket(host, port)
    cfg = cfg.with_(port=sock.getsockname()[1])
    return run_uvicorn_in_thread(
        create_app(service, cfg), sock, name="ogpu-service", startup_timeout=startup_timeout
    )
