"""How the provider runtime runs a task's handler: in-process (a Python module) or over HTTP.

>>> h = make_handler("ogpu.devnet.demo_handlers")
>>> h.run("sentiment", {"text": "not good"}, "0x" + "00" * 20)["label"]
'negative'
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import httpx

from ogpu.types.errors import OGPUError

__all__ = [
    "HandlerError",
    "HttpHandler",
    "InvalidFunctionNameError",
    "ModuleHandler",
    "TaskHandler",
    "make_handler",
]


class HandlerError(Exception):
    """The handler ran and failed (bad input, exception, bad output): not retried, not submitted."""


class InvalidFunctionNameError(HandlerError, OGPUError):
    """A task config's ``function_name`` is not an identifier (``^[A-Za-z_][A-Za-z0-9_]*$``)."""


_FUNCTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


def check_function_name(name: object) -> str:
    """``name`` when it is an identifier; else :class:`InvalidFunctionNameError`."""
    if not isinstance(name, str) or not _FUNCTION_NAME.fullmatch(name):
        raise InvalidFunctionNameError(f"function_name {name!r} is not an identifier")
    return name


class TaskHandler(Protocol):
    """Runs ``function_name`` on ``data`` for a task and returns the JSON output (a dict)."""

    def names(self) -> list[str]:
        """The handler names this target exposes (best effort; empty when unknown)."""
        ...

    def run(self, function_name: str, data: Any, task: str) -> dict[str, Any]:
        """Run one task; raise :class:`HandlerError` on a handler failure."""
        ...

    def close(self) -> None:
        """Release resources."""
        ...


class ModuleHandler:
    """Handlers of a Python module (``pkg.module``, ``pkg.module:service`` or a ``.py`` file),
    run in the calling thread with :meth:`ogpu.service.Service.run`."""

    def __init__(self, module_path: str) -> None:
        from ogpu.service import load_handlers

        self.service = load_handlers(module_path)

    def names(self) -> list[str]:
        return list(self.service.names())

    def run(self, function_name: str, data: Any, task: str) -> dict[str, Any]:
        from ogpu.service import ServiceError

        try:
            return self.service.run(function_name, data)
        except ServiceError as exc:
            raise HandlerError(str(exc)) from exc

    def close(self) -> None:
        return None


class HttpHandler:
    """A running source service: ``POST {url}/run/{function_name}/{task}?mode=sync``.

    Connection errors propagate as ``httpx.TransportError`` (the runtime retries them); answers
    other than ``200 {"status": "done", "result": ...}`` raise :class:`HandlerError`.
    """

    def __init__(self, url: str, *, timeout: float = 600.0, client: httpx.Client | None = None):
        self.url = url.rstrip("/")
        self._client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=10.0), trust_env=False
        )
        self._owns = client is None

    def names(self) -> list[str]:
        from ogpu.service.schemas import served_document

        document = served_document(self)
        return document.names() if document is not None else []

    def run(self, function_name: str, data: Any, task: str) -> dict[str, Any]:
        # Both come from strangers and become path segments: identifiers and addresses only.
        check_function_name(function_name)
        if not _ADDRESS.fullmatch(task):
            raise HandlerError(f"task {task!r} is not an address")
        resp = self._client.post(
            f"{self.url}/run/{function_name}/{task}", params={"mode": "sync"}, json=data
        )
        try:
            body = resp.json()
        except ValueError:
            body = None
        if resp.status_code >= 500 and not isinstance(body, dict):
            # the service (or a proxy in front of it) is down: transient
            raise httpx.TransportError(f"service answered HTTP {resp.status_code}")
        if resp.status_code != 200 or not isinstance(body, dict) or body.get("status") != "done":
            detail = body.get("error") or body.get("detail") if isinstance(body, dict) else None
            raise HandlerError(
                f"service answered HTTP {resp.status_code}" + (f": {detail}" if detail else "")
            )
        result = body.get("result")
        if not isinstance(result, dict):
            raise HandlerError("service returned a result that is not a JSON object")
        return result

    def close(self) -> None:
        if self._owns:
            self._client.close()


def make_handler(target: str, *, timeout: float = 600.0) -> TaskHandler:
    """A :class:`HttpHandler` for an ``http(s)://`` URL, else a :class:`ModuleHandler`."""
    if target.startswith(("http://", "https://")):
        return HttpHandler(target, timeout=timeout)
    return ModuleHandler(target)
