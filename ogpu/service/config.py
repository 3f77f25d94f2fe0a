"""Runtime configuration of a source's service, read from the container environment.

The provider runtime starts the source container with ``SOURCE_ADDRESS``, ``PROVIDER_ADDRESS``,
``CALLBACK_URL``, ``PROTOCOL_VERSION`` and ``OGPU_SDK_SENTRY_DSN`` (docs/provider-guide.md). The
module-level constants mirror the official SDK's ``ogpu.service.config``; code in this package
reads :meth:`ServiceConfig.from_env` at start time instead, so tests can pass their own config.

>>> cfg = ServiceConfig.from_env({"CALLBACK_URL": "http://runtime:8000/callback"})
>>> (cfg.port, cfg.callback_url)
(5555, 'http://runtime:8000/callback')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace

__all__ = [
    "CALLBACK_URL",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_INFLIGHT",
    "DEFAULT_MAX_OUTPUT_BYTES",
    "PROTOCOL_VERSION",
    "PROVIDER_ADDRESS",
    "SDK_VERSION",
    "SENTRY_DSN",
    "SERVICE_HOST",
    "SERVICE_PORT",
    "SOURCE_ADDRESS",
    "ServiceConfig",
]

SDK_VERSION = "0.1.0"
DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024
#: Largest ``POST /run`` body accepted (a task config's ``data``); larger ones get 413.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
#: Most asynchronous jobs running at once; more get 503 with ``Retry-After``.
DEFAULT_MAX_INFLIGHT = 64
#: Loopback unless told otherwise: a container publishing the port sets ``OGPU_SERVICE_HOST``.
SERVICE_HOST = "127.0.0.1"
SERVICE_PORT = 5555

SENTRY_DSN: str | None = os.environ.get("OGPU_SDK_SENTRY_DSN") or None
PROTOCOL_VERSION: str = os.environ.get("PROTOCOL_VERSION", "")
SOURCE_ADDRESS: str = os.environ.get("SOURCE_ADDRESS", "0xundefined")
PROVIDER_ADDRESS: str = os.environ.get("PROVIDER_ADDRESS", "0xundefined")
CALLBACK_URL: str | None = os.environ.get("CALLBACK_URL") or None


@dataclass(frozen=True)
class ServiceConfig:
    """Settings of one running service.

    ``callback_url`` set means the official asynchronous shape by default (202 then a POST of the
    output to ``{callback_url}/{task_address}``); unset means synchronous answers.
    ``max_output_bytes``, when set, overrides the service's cap on a handler's JSON output size
    (the service's own default is 1 MiB). ``max_body_bytes`` caps request bodies (413);
    ``max_inflight`` bounds asynchronous jobs (503 with ``Retry-After`` beyond it).
    """

    host: str = SERVICE_HOST
    port: int = SERVICE_PORT
    callback_url: str | None = None
    max_output_bytes: int | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_inflight: int = DEFAULT_MAX_INFLIGHT
    callback_timeout: float = 30.0
    callback_retries: int = 2
    source_address: str = "0xundefined"
    provider_address: str = "0xundefined"
    protocol_version: str = ""
    sentry_dsn: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceConfig:
        """Read the container environment (``os.environ`` by default).

        Besides the official variables, ``OGPU_SERVICE_HOST``, ``OGPU_SERVICE_PORT``,
        ``OGPU_SERVICE_MAX_OUTPUT_BYTES``, ``OGPU_SERVICE_MAX_BODY_BYTES`` and
        ``OGPU_SERVICE_MAX_INFLIGHT`` override the defaults.
        """
        e = os.environ if env is None else env
        return cls(
            host=e.get("OGPU_SERVICE_HOST", SERVICE_HOST),
            port=int(e.get("OGPU_SERVICE_PORT", SERVICE_PORT)),
            callback_url=(e.get("CALLBACK_URL") or None),
            max_output_bytes=(
                int(e["OGPU_SERVICE_MAX_OUTPUT_BYTES"])
                if e.get("OGPU_SERVICE_MAX_OUTPUT_BYTES")
                else None
            ),
            max_body_bytes=int(e.get("OGPU_SERVICE_MAX_BODY_BYTES") or DEFAULT_MAX_BODY_BYTES),
            max_inflight=int(e.get("OGPU_SERVICE_MAX_INFLIGHT") or DEFAULT_MAX_INFLIGHT),
            source_address=e.get("SOURCE_ADDRESS", "0xundefined"),
            provider_address=e.get("PROVIDER_ADDRESS", "0xundefined"),
            protocol_version=e.get("PROTOCOL_VERSION", ""),
            sentry_dsn=(e.get("OGPU_SDK_SENTRY_DSN") or None),
        )

    def with_(self, **changes: object) -> ServiceConfig:
        """A copy with some fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
