"""User-facing builders of the client workflows: what a source or a task *is* before it is published.

Pure data with validation at construction (and on assignment): a value that the chain or the
provider runtime would refuse is refused here, before anything is uploaded or signed. The models
are pydantic dataclasses, so the official SDK's keyword and positional construction both work.
Invalid input raises ``ValueError`` (``pydantic.ValidationError``) naming the field; a bad amount or
address raises :class:`~ogpu.types.InvalidArgumentError` (also a ``ValueError``), as the protocol
functions do.

>>> envs = ImageEnvironments(cpu="https://example.com/compose.yml")
>>> info = SourceInfo(name="sentiment", description="demo", logoUrl="", imageEnvs=envs,
...                   minPayment=10**16, minAvailableLockup=0, maxExpiryDuration=3600)
>>> info.environments
1
>>> TaskInput("analyze", {"text": "hi"}, priority=2).to_dict()
{'function_name': 'analyze', 'data': {'text': 'hi'}, 'priority': 2}
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError, field_validator
from pydantic.dataclasses import dataclass

from ogpu.protocol._base import checksum
from ogpu.types import jsonsafe
from ogpu.types.checks import uint
from ogpu.types.enums import DeliveryMethod, Environment, combine_environments
from ogpu.types.errors import InvalidArgumentError

__all__ = [
    "MAX_UINT256",
    "ImageEnvironments",
    "SourceInfo",
    "SourceMetadata",
    "TaskInfo",
    "TaskInput",
    "validate_url",
]

#: Largest value of a Solidity ``uint256``.
MAX_UINT256 = 2**256 - 1

_T = TypeVar("_T")
_URL_SCHEMES = ("http", "https", "ipfs")
_CONFIG = ConfigDict(validate_assignment=True, arbitrary_types_allowed=True, extra="forbid")


def validate_url(value: object, what: str, *, allow_empty: bool = True) -> str:
    """``value`` if it is an http(s) or ipfs URL (or ``""`` when ``allow_empty``); else ``ValueError``.

    >>> validate_url("ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o", "logoUrl")
    'ipfs://QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o'
    """
    if not isinstance(value, str):
        raise ValueError(f"{what} must be a string URL, got {type(value).__name__}")
    if value == "":
        if allow_empty:
            return value
        raise ValueError(f"{what} must not be empty")
    if value != value.strip() or any(c.isspace() or ord(c) < 0x20 for c in value):
        raise ValueError(f"{what} must not contain whitespace or control characters: {value!r}")
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError(f"{what} is not a valid URL: {value!r} ({exc})") from None
    if parts.scheme not in _URL_SCHEMES:
        raise ValueError(f"{what} must be an http(s):// or ipfs:// URL, got {value!r}")
    if not parts.netloc:
        raise ValueError(f"{what} has no host/CID: {value!r}")
    if parts.scheme != "ipfs":
        try:
            parts.port  # noqa: B018 - raises ValueError for an invalid port
        except ValueError:
            raise ValueError(f"{what} has an invalid port: {value!r}") from None
    return value


def _argument_errors(cls: type[_T]) -> type[_T]:
    """Let the :class:`InvalidArgumentError` of a field check out of pydantic's wrapper, so a
    model refuses a bad amount or address with the same error as the protocol functions."""
    for name in ("__init__", "__setattr__"):
        setattr(cls, name, _unwrapping(getattr(cls, name)))
    return cls


def _unwrapping(method: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(method)
    def checked(*args: Any, **kwargs: Any) -> None:
        try:
            method(*args, **kwargs)
        except ValidationError as exc:
            for error in exc.errors():
                cause = error.get("ctx", {}).get("error")
                if isinstance(cause, InvalidArgumentError):
                    raise cause from None
            raise

    return checked


@dataclass(config=_CONFIG)
class ImageEnvironments:
    """Docker-compose URL per hardware environment (empty string: not supported).

    >>> ImageEnvironments(nvidia="https://example.com/gpu.yml").mask
    2
    """

    cpu: str = ""
    nvidia: str = ""
    amd: str = ""

    @field_validator("cpu", "nvidia", "amd", mode="before")
    @classmethod
    def _url(cls, value: object, info: Any) -> str:
        return validate_url(value, f"imageEnvs.{info.field_name}")

    @property
    def mask(self) -> int:
        """The ``imageEnvironments`` bitmask of the source's parameters (see
        :class:`~ogpu.types.Environment`): CPU=1 | NVIDIA=2 | AMD=4.

        >>> ImageEnvironments(cpu="https://example.com/c.yml", amd="https://example.com/a.yml").mask
        5
        """
        return combine_environments(*(e for e in Environment if getattr(self, str(e.name).lower())))


@dataclass(config=_CONFIG)
class SourceMetadata:
    """The JSON document pinned as ``imageMetadata.json`` (docs/client-guide.md, "Publishing a
    source")."""

    cpu: str
    nvidia: str
    amd: str
    name: str
    description: str
    logoUrl: str

    def to_dict(self) -> dict[str, str]:
        """The document, keys as the Provider App reads them."""
        return dataclasses.asdict(self)


@_argument_errors
@dataclass(config=_CONFIG)
class SourceInfo:
    """Everything needed to publish (or update) a source.

    ``minPayment``/``minAvailableLockup`` are wei (≥ 0), ``maxExpiryDuration`` seconds (> 0; the
    chain refuses 0), at least one environment URL must be set.
    """

    name: str
    description: str
    logoUrl: str
    imageEnvs: ImageEnvironments
    minPayment: StrictInt
    minAvailableLockup: StrictInt
    maxExpiryDuration: StrictInt
    deliveryMethod: DeliveryMethod = DeliveryMethod.MANUAL_CONFIRMATION

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("name must not be empty")
        return value

    @field_validator("logoUrl", mode="before")
    @classmethod
    def _logo(cls, value: object) -> str:
        return validate_url(value, "logoUrl")

    @field_validator("imageEnvs", mode="before")
    @classmethod
    def _envs(cls, value: object) -> object:
        if isinstance(value, Mapping):
            return ImageEnvironments(**dict(value))
        return value

    @field_validator("imageEnvs")
    @classmethod
    def _envs_set(cls, value: ImageEnvironments) -> ImageEnvironments:
        if value.mask == 0:
            raise ValueError("imageEnvs must give at least one of cpu, nvidia, amd")
        return value

    @field_validator("minPayment", "minAvailableLockup", "maxExpiryDuration", mode="before")
    @classmethod
    def _amount(cls, value: object, info: Any) -> int:
        name = str(info.field_name)
        return uint(value, name, minimum=1 if name == "maxExpiryDuration" else 0)

    @field_validator("deliveryMethod", mode="before")
    @classmethod
    def _delivery(cls, value: object) -> DeliveryMethod:
        method = uint(value, "deliveryMethod", 8)
        if method not in tuple(DeliveryMethod):
            raise InvalidArgumentError("deliveryMethod", f"must be 0 or 1, got {method}")
        return DeliveryMethod(method)

    @property
    def environments(self) -> int:
        """The environment bitmask sent on chain."""
        return self.imageEnvs.mask

    def metadata(self) -> SourceMetadata:
        """The :class:`SourceMetadata` document for this source."""
        envs = dataclasses.asdict(self.imageEnvs)
        return SourceMetadata(
            **envs, name=self.name, description=self.description, logoUrl=self.logoUrl
        )


def _json_safe(value: Any, what: str) -> None:
    try:
        jsonsafe.check_depth(value)
        json.dumps(value, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"{what} is not JSON-serialisable: {exc}") from None


class TaskInput:
    """A task config: the handler to run, its input and optional extra top-level keys.

    ``data`` is a dict or a pydantic model (dumped in JSON mode). Everything must be
    JSON-serialisable; ``function_name`` must be a non-empty name.

    >>> TaskInput(function_name="echo", data={"x": 1}).to_dict()
    {'function_name': 'echo', 'data': {'x': 1}}
    """

    __slots__ = ("data", "extras", "function_name")

    function_name: str
    data: BaseModel | dict[str, Any]
    extras: dict[str, Any]

    def __init__(self, function_name: str, data: BaseModel | dict[str, Any], **extras: Any) -> None:
        if not isinstance(function_name, str) or not function_name.strip():
            raise ValueError("function_name must be a non-empty string")
        if function_name != function_name.strip():
            raise ValueError(
                f"function_name must not have surrounding whitespace: {function_name!r}"
            )
        if not isinstance(data, BaseModel | dict):
            raise ValueError(f"data must be a dict or a pydantic model, got {type(data).__name__}")
        self.function_name = function_name
        self.data = data
        self.extras = dict(extras)
        _json_safe(self.to_dict(), "task config")

    def to_dict(self) -> dict[str, Any]:
        """``{"function_name", "data", **extras}`` (pydantic ``data`` dumped in JSON mode)."""
        data = self.data.model_dump(mode="json") if isinstance(self.data, BaseModel) else self.data
        return {"function_name": self.function_name, "data": data, **self.extras}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TaskInput) and other.to_dict() == self.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True, default=str))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={v!r}" for k, v in self.extras.items())
        return f"TaskInput(function_name={self.function_name!r}, data={self.data!r}{extra})"


@_argument_errors
@dataclass(config=_CONFIG)
class TaskInfo:
    """Everything needed to publish a task.

    ``source`` is the source address, ``expiryTime`` absolute unix seconds, ``payment`` wei. The
    chain-dependent rules (source ACTIVE, payment ≥ minPayment, expiry window, balance) are checked
    by :func:`ogpu.client.publish_task` against the chain before anything is uploaded.
    """

    source: str
    config: TaskInput
    expiryTime: StrictInt
    payment: StrictInt

    @field_validator("source", mode="before")
    @classmethod
    def _source(cls, value: object) -> str:
        return checksum(value, what="source")

    @field_validator("config", mode="before")
    @classmethod
    def _config(cls, value: object) -> TaskInput:
        if isinstance(value, TaskInput):
            return value
        if isinstance(value, Mapping) and "function_name" in value:
            rest = {k: v for k, v in value.items() if k not in ("function_name", "data")}
            return TaskInput(value["function_name"], value.get("data", {}), **rest)
        raise ValueError(f"config must be a TaskInput, got {type(value).__name__}")

    @field_validator("expiryTime", "payment", mode="before")
    @classmethod
    def _amount(cls, value: object, info: Any) -> int:
        name = str(info.field_name)
        return uint(value, name, minimum=1 if name == "expiryTime" else 0)
