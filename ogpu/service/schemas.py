"""Handler schemas: what a source's functions accept and return, as a JSON document.

The document travels in the source's metadata (``imageMetadata.json``) under one extra key,
:data:`METADATA_FIELD`, next to the keys the official SDK writes (official readers ignore it),
and is what a running service answers on ``GET /handlers``::

    {"version": 1,
     "functions": [{"name": "sentiment", "description": "...",
                    "input_schema": {...JSON Schema...}, "output_schema": {...}}]}

>>> doc = handlers_document("ogpu.devnet.demo_handlers")
>>> HandlersDocument.parse(doc).names()
['echo', 'hash', 'sentiment', 'text_stats', 'thumbnail']

Documents read from the network come from strangers (a source owner, a service): :meth:`HandlersDocument.parse`
bounds their size, depth and number of functions, refuses ``$ref`` to anything but the document
itself (no validator ever fetches a schema), ``$id``/``$dynamicRef`` and regular expressions prone
to catastrophic backtracking, and checks each schema against the JSON Schema 2020-12 metaschema.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from ogpu.service.errors import HandlerInputError, HandlerNotFoundError
from ogpu.service.handler import Service
from ogpu.service.log import logger
from ogpu.types import jsonsafe
from ogpu.types.errors import InvalidTaskInputError, UnknownFunctionError

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "METADATA_FIELD",
    "FunctionSchema",
    "HandlersDocument",
    "InvalidHandlersDocumentError",
    "check_served",
    "handlers_document",
    "served_document",
]

#: The key of the source metadata document that holds the handler schemas.
METADATA_FIELD = "handlers"
#: Version of the document format.
DOCUMENT_VERSION = 1
#: Largest accepted document (JSON-encoded).
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_FUNCTIONS = 64
#: Deepest nesting of objects/arrays inside one schema.
MAX_SCHEMA_DEPTH = 32
MAX_PATTERN_LENGTH = 512
#: Validation errors collected before giving up counting.
MAX_ERRORS_COUNTED = 100

_NAME_RE = re.compile(r"^[^/\s]{1,128}$")
# A quantified group that itself contains a quantifier, e.g. (a+)+ or (\w*)*: exponential
# backtracking in Python's re. Refused rather than run against strangers' input.
_NESTED_QUANTIFIER_RE = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)\s*[+*{]")
_FORBIDDEN_KEYS = frozenset({"$id", "$dynamicRef", "$dynamicAnchor", "$recursiveRef"})


class InvalidHandlersDocumentError(ValueError):
    """A handler schema document is malformed, too large or unsafe to validate with."""


def _no_remote(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


# Every validator resolves references against this registry only: nothing is ever fetched.
_REGISTRY: Registry[Any] = Registry(retrieve=_no_remote)  # type: ignore[call-arg]


def _check_schema_tree(node: Any, where: str, refs: list[str], depth: int = 0) -> None:
    if depth > MAX_SCHEMA_DEPTH:
        raise InvalidHandlersDocumentError(f"{where}: nested deeper than {MAX_SCHEMA_DEPTH}")
    if isinstance(node, list):
        for item in node:
            _check_schema_tree(item, where, refs, depth + 1)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _FORBIDDEN_KEYS:
            raise InvalidHandlersDocumentError(f"{where}: {key!r} is not allowed")
        if key == "$ref" and (not isinstance(value, str) or not value.startswith("#")):
            raise InvalidHandlersDocumentError(
                f"{where}: only local references ('#/...') are allowed, got {value!r}"
            )
        if key == "$ref":
            refs.append(value)
        if key == "pattern" and isinstance(value, str):
            _check_pattern(value, where)
        _check_schema_tree(value, where, refs, depth + 1)
    props = node.get("patternProperties")
    if isinstance(props, dict):
        for pattern in props:
            _check_pattern(str(pattern), where)


def _check_pattern(pattern: str, where: str) -> None:
    if len(pattern) > MAX_PATTERN_LENGTH or _NESTED_QUANTIFIER_RE.search(pattern):
        raise InvalidHandlersDocumentError(f"{where}: regular expression refused: {pattern[:80]!r}")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise InvalidHandlersDocumentError(f"{where}: invalid regular expression: {exc}") from None


def _validator(schema: Any, where: str) -> Draft202012Validator:
    if not isinstance(schema, dict):
        raise InvalidHandlersDocumentError(f"{where}: a schema must be a JSON object")
    refs: list[str] = []
    _check_schema_tree(schema, where, refs)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidHandlersDocumentError(
            f"{where}: not a valid JSON Schema: {exc.message}"
        ) from None
    resolver = _REGISTRY.resolver_with_root(DRAFT202012.create_resource(schema))
    for ref in refs:
        try:
            resolver.lookup(ref)
        except Unresolvable:
            raise InvalidHandlersDocumentError(
                f"{where}: reference {ref!r} resolves to nothing"
            ) from None
    return Draft202012Validator(schema, registry=_REGISTRY)


def _pointer(parts: Iterable[Any]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _error_path(err: Any) -> str:
    parts = list(err.absolute_path)
    if err.validator == "required" and isinstance(err.instance, dict):
        # point at the missing property itself, not at the object that lacks it
        missing = [p for p in err.validator_value if p not in err.instance]
        named = [p for p in missing if err.message.startswith(repr(p))]
        if named:
            parts.append(named[0])
    return _pointer(parts)


@dataclass(frozen=True)
class FunctionSchema:
    """One handler: its name, description and the JSON Schemas of its input and output."""

    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    _input: Draft202012Validator = field(repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        keys = ("name", "description", "input_schema", "output_schema")
        return {key: getattr(self, key) for key in keys}

    def input_fields(self) -> list[tuple[str, str, bool]]:
        """``(field, JSON type, required)`` of the input's top-level properties."""
        props = self.input_schema.get("properties") or {}
        required = set(self.input_schema.get("required") or ())
        items = props.items() if isinstance(props, dict) else ()
        return [(str(name), _type_label(spec), name in required) for name, spec in items]

    def errors(self, data: Any) -> tuple[list[tuple[str, str]], int]:
        """Validation errors of ``data`` as ``(JSON pointer, message)``, and how many were found."""
        found: list[tuple[str, str]] = []
        try:
            for err in self._input.iter_errors(data):
                found.append((_error_path(err), err.message[:300]))
                if len(found) >= MAX_ERRORS_COUNTED:
                    break
        except RecursionError:
            raise InvalidHandlersDocumentError(
                f"the input schema of {self.name!r} recurses without end"
            ) from None
        found.sort()
        return found, len(found)


def _type_label(spec: Any) -> str:
    if not isinstance(spec, dict):
        return "any"
    if "$ref" in spec:
        return str(spec["$ref"]).rsplit("/", 1)[-1]
    if "enum" in spec and isinstance(spec["enum"], list):
        return " | ".join(json.dumps(v) for v in spec["enum"][:8])
    for key in ("anyOf", "oneOf"):
        if isinstance(spec.get(key), list):
            return " | ".join(_type_label(s) for s in spec[key][:8])
    kind = spec.get("type")
    if kind == "array":
        return f"array[{_type_label(spec.get('items'))}]"
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    return str(kind) if kind else "any"


class HandlersDocument:
    """A parsed, checked handler schema document (see the module docs)."""

    def __init__(self, functions: Iterable[FunctionSchema]) -> None:
        self.functions: dict[str, FunctionSchema] = {f.name: f for f in functions}

    def names(self) -> list[str]:
        """Declared function names, sorted."""
        return sorted(self.functions)

    def to_dict(self) -> dict[str, Any]:
        """The document as stored in metadata and served on ``GET /handlers``."""
        return {
            "version": DOCUMENT_VERSION,
            "functions": [self.functions[n].to_dict() for n in self.names()],
        }

    def check(self, function: str, data: Any) -> None:
        """Raise :class:`UnknownFunctionError` or :class:`InvalidTaskInputError` (with paths)."""
        fn = self.functions.get(function)
        if fn is None:
            raise UnknownFunctionError(function, self.names())
        errors, total = fn.errors(data)
        if errors:
            raise InvalidTaskInputError(function, errors, total)

    @classmethod
    def parse(cls, value: Any) -> HandlersDocument:
        """Check a document from an untrusted place (raises :class:`InvalidHandlersDocumentError`)."""
        try:
            size = len(json.dumps(value, separators=(",", ":"), allow_nan=False))
        except (TypeError, ValueError, RecursionError) as exc:
            raise InvalidHandlersDocumentError(f"not a JSON document: {exc}") from None
        if size > MAX_DOCUMENT_BYTES:
            raise InvalidHandlersDocumentError(
                f"document is {size} bytes; at most {MAX_DOCUMENT_BYTES} are accepted"
            )
        if not isinstance(value, dict) or value.get("version") != DOCUMENT_VERSION:
            raise InvalidHandlersDocumentError(
                f"expected an object with version {DOCUMENT_VERSION} and a list of functions"
            )
        items = value.get("functions")
        if not isinstance(items, list) or len(items) > MAX_FUNCTIONS:
            raise InvalidHandlersDocumentError(
                f"'functions' must be a list of at most {MAX_FUNCTIONS} entries"
            )
        functions: list[FunctionSchema] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                raise InvalidHandlersDocumentError(f"functions[{i}] is not an object")
            name, description = item.get("name"), item.get("description", "")
            if not isinstance(name, str) or not _NAME_RE.match(name):
                raise InvalidHandlersDocumentError(f"functions[{i}]: invalid name {name!r}")
            if not isinstance(description, str):
                raise InvalidHandlersDocumentError(f"functions[{i}]: description is not a string")
            inp, out = item.get("input_schema"), item.get("output_schema", {})
            where = f"function {name!r}"
            validator = _validator(inp, f"{where} input_schema")
            _validator(out, f"{where} output_schema")
            assert isinstance(inp, dict) and isinstance(out, dict)
            functions.append(FunctionSchema(name, description, inp, out, validator))
        if len({f.name for f in functions}) != len(functions):
            raise InvalidHandlersDocumentError("function names must be unique")
        return cls(functions)


def handlers_document(
    handlers: Service | str | Mapping[str, Any] | HandlersDocument,
) -> dict[str, Any]:
    """The value of the :data:`METADATA_FIELD` metadata key for ``handlers``.

    ``handlers`` is a :class:`Service`, a module path as accepted by
    :func:`ogpu.service.load_handlers` (``pkg.module``, ``pkg.module:svc``, a ``.py`` file), a
    document (checked with :meth:`HandlersDocument.parse`) or a :class:`HandlersDocument`.

    >>> handlers_document("ogpu.devnet.demo_handlers")["functions"][0]["name"]
    'echo'
    """
    if isinstance(handlers, HandlersDocument):
        return handlers.to_dict()
    if isinstance(handlers, str):
        from ogpu.service.loader import load_handlers

        handlers = load_handlers(handlers)
    if isinstance(handlers, Service):
        # parse() keeps the document's keys only (describe() also gives "doc" and "timeout")
        described = [h.describe() for h in handlers.handlers.values()]
        functions = [d | {"description": d["doc"]} for d in described]
        document = {"version": DOCUMENT_VERSION, "functions": functions}
    elif isinstance(handlers, Mapping):
        document = dict(handlers)
    else:
        raise TypeError(
            f"handlers must be a Service, a module path or a schema document, "
            f"got {type(handlers).__name__}"
        )
    return HandlersDocument.parse(document).to_dict()


_SERVED_TTL = 30.0
_served: dict[str, tuple[float, HandlersDocument | None]] = {}
_served_lock = threading.Lock()


def _fetch_served(url: str, client: httpx.Client) -> HandlersDocument | None:
    try:
        with client.stream("GET", f"{url}/handlers", timeout=5.0) as resp:
            if resp.status_code != 200:
                return None
            body = b""
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise InvalidHandlersDocumentError("GET /handlers answer is too large")
        return HandlersDocument.parse(jsonsafe.loads(body, max_depth=MAX_SCHEMA_DEPTH * 2))
    except (httpx.HTTPError, ValueError) as exc:
        logger.warning("no handler schemas from %s/handlers: %s", url, exc)
        return None


def served_document(target: Any) -> HandlersDocument | None:
    """The handlers a running service serves (``GET {target.url}/handlers`` with the httpx
    ``target._client``, as :class:`ogpu.provider.handlers.HttpHandler` holds; cached for 30 s).
    ``None`` when unknown (the service is down or answers no valid document)."""
    url, client = getattr(target, "url", None), getattr(target, "_client", None)
    if not isinstance(url, str) or not isinstance(client, httpx.Client):
        return None
    now = time.monotonic()
    with _served_lock:
        hit = _served.get(url)
    if hit is not None and now - hit[0] < _SERVED_TTL:
        return hit[1]
    document = _fetch_served(url, client)
    with _served_lock:
        _served[url] = (now, document)
    return document


def check_served(target: Any, function: str, data: Any) -> None:
    """Raise :class:`UnknownFunctionError` / :class:`InvalidTaskInputError` if ``target`` would
    refuse ``function(data)``; return when it would accept it or when that is unknown.

    A :class:`Service` (or an object holding one as ``.service``) validates with its own pydantic
    models (model validators included); a running service (see :func:`served_document`) with
    the JSON Schemas it serves."""
    service = target if isinstance(target, Service) else getattr(target, "service", None)
    if isinstance(service, Service):
        try:
            service.validate_input(function, data)
        except HandlerNotFoundError:
            raise UnknownFunctionError(function, service.names()) from None
        except HandlerInputError as exc:
            errors = [
                (_pointer(e.get("loc", ())), str(e.get("msg", ""))[:300])
                for e in exc.errors[:MAX_ERRORS_COUNTED]
            ]
            raise InvalidTaskInputError(function, errors, len(exc.errors)) from None
        return
    document = served_document(target)
    if document is not None:
        document.check(function, data)
