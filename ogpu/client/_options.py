"""Keyword handling shared by the client and agent workflows.

Modern keywords: ``signer`` (synonym of ``private_key``), ``session``, ``timeout`` (receipt wait,
seconds), ``gas``, plus ``wait``/``dry_run``/``budget`` where a workflow supports them. The official
SDK's keywords (``receipt_timeout``, ``ipfs_timeout``, ``ipfs_retries``, ``ipfs_backoff``,
``total_timeout``) are honoured with a :class:`DeprecationWarning`. Anything else is a
:class:`TypeError` naming the keyword: a typo never silently changes what is sent.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ogpu.types import InvalidArgumentError, PublishTimeoutError
from ogpu.types.checks import show

if TYPE_CHECKING:
    from ogpu.chain import Session
    from ogpu.chain.signers import SignerInput

__all__ = ["Options", "parse_options"]

#: Official-SDK keywords of the uploading workflows, with their modern replacement.
IPFS_LEGACY = ("ipfs_timeout", "ipfs_retries", "ipfs_backoff")

_REPLACEMENT = {
    "receipt_timeout": "timeout=",
    "ipfs_timeout": "the session's IPFSClient(timeout=...)",
    "ipfs_retries": "the session's IPFSClient(retries=...)",
    "ipfs_backoff": "the session's IPFSClient(backoff=...)",
    "total_timeout": "budget=",
}

_MODERN = ("signer", "session", "timeout", "gas")


@dataclass
class Options:
    """Parsed keywords of one workflow call."""

    signer: SignerInput | None
    session: Session
    timeout: float = 120.0
    gas: int | None = None
    wait: bool = True
    dry_run: bool = False
    budget: float | None = None
    ipfs_timeout: float | None = None
    ipfs_retries: int | None = None
    ipfs_backoff: float | None = None
    started: float = 0.0

    @property
    def deadline(self) -> float | None:
        """Absolute ``time.monotonic()`` bound of the whole workflow (``budget``), if any."""
        return None if self.budget is None else self.started + self.budget

    def check_budget(self, stage: str) -> None:
        """Raise :class:`PublishTimeoutError` if the budget is spent before ``stage``."""
        deadline = self.deadline
        if deadline is not None and time.monotonic() >= deadline:
            raise PublishTimeoutError(float(self.budget or 0.0), stage)

    def wait_timeout(self) -> float:
        """The receipt timeout, shortened to what is left of the budget."""
        deadline = self.deadline
        if deadline is None:
            return self.timeout
        return max(0.0, min(self.timeout, deadline - time.monotonic()))


def _number(name: str, value: Any, *, integer: bool = False) -> Any:
    ok = isinstance(value, int) if integer else isinstance(value, int | float)
    if isinstance(value, bool) or not ok or value < 0:
        kind = "a non-negative integer" if integer else "a non-negative number"
        raise InvalidArgumentError(name, f"must be {kind}, got {show(value)}")
    return value


_PUBLISH = ("wait", "dry_run", "budget")
_UPLOAD_LEGACY = ("receipt_timeout", *IPFS_LEGACY)
#: Per workflow (sync and asyncio alike): the optional modern keywords it supports and the
#: official-SDK keywords it honours with a DeprecationWarning (default: none and
#: ``receipt_timeout``).
_KEYWORDS: dict[str, tuple[Collection[str], Collection[str]]] = {
    "publish_source": (_PUBLISH, _UPLOAD_LEGACY),
    "publish_task": (_PUBLISH, (*_UPLOAD_LEGACY, "total_timeout")),
    "update_source": (("dry_run", "budget"), (*_UPLOAD_LEGACY, "total_timeout")),
    "confirm_response": (("wait",), ("receipt_timeout",)),
    "set_agent": (("wait",), ("receipt_timeout",)),
}


def parse_options(func: str, private_key: SignerInput | None, kwargs: Mapping[str, Any]) -> Options:
    """Validate the keywords of workflow ``func`` and return them as :class:`Options`."""
    started = time.monotonic()
    extra, legacy = _KEYWORDS.get(func, ((), ("receipt_timeout",)))
    allowed = set(_MODERN) | set(extra)
    for name in kwargs:
        if name not in allowed and name not in legacy:
            raise TypeError(f"{func}() got an unexpected keyword argument {name!r}")
    signer = kwargs.get("signer")
    if signer is not None and private_key is not None and signer is not private_key:
        raise TypeError(f"{func}() got both private_key and signer; pass only one")
    session = kwargs.get("session")
    if session is None:
        from ogpu.chain import get_session

        session = get_session()
    opts = Options(
        signer=private_key if private_key is not None else signer, session=session, started=started
    )
    if "timeout" in kwargs:
        opts.timeout = float(_number("timeout", kwargs["timeout"]))
    if kwargs.get("gas") is not None:
        opts.gas = int(_number("gas", kwargs["gas"], integer=True))
    if "wait" in kwargs:
        opts.wait = bool(kwargs["wait"])
    if "dry_run" in kwargs:
        opts.dry_run = bool(kwargs["dry_run"])
    if kwargs.get("budget") is not None:
        opts.budget = float(_number("budget", kwargs["budget"]))
    used = [name for name in legacy if name in kwargs]
    if used:
        hints = "; ".join(f"{n} -> {_REPLACEMENT.get(n, 'the documented keywords')}" for n in used)
        warnings.warn(
            f"{func}({', '.join(f'{n}=' for n in used)}...) accepted for compatibility with the "
            f"official SDK and honoured; prefer: {hints}",
            DeprecationWarning,
            stacklevel=3,
        )
    for name in used:
        value = kwargs[name]
        if value is None:
            continue
        if name == "receipt_timeout":
            opts.timeout = float(_number(name, value))
        elif name == "total_timeout":
            opts.budget = float(_number(name, value))
        elif name == "ipfs_timeout":
            opts.ipfs_timeout = float(_number(name, value))
        elif name == "ipfs_retries":
            opts.ipfs_retries = int(_number(name, value, integer=True))
        elif name == "ipfs_backoff":
            opts.ipfs_backoff = float(_number(name, value))
    return opts
