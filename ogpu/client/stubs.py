"""Typed client modules for a source, written from its handler schemas (``ogpu source stubs``).

For every declared function the module holds a pydantic model of the input (``<Name>In``) and of
the output (``<Name>Out``), the models they refer to, and one function::

    def sentiment(data: SentimentIn, *, payment: int, expires_in: int = 600,
                  source: str = SOURCE, **options: Any) -> TypedTask[SentimentOut]: ...

Why our own emitter rather than ``datamodel-code-generator``: the schemas to translate are the
ones pydantic itself writes (objects in ``$defs``, ``$ref``, ``anyOf`` with ``null``, ``enum``,
``const``, tuples as ``prefixItems``, numeric/length bounds), which a few hundred lines cover;
the generator would add a code-formatting toolchain to the client install, and its output would
still need the typed functions. Everything here comes from a stranger (the source owner): names
become identifiers only after sanitising, every text or value is written with ``repr`` of a JSON
scalar/container, and a construct outside that subset is typed ``Any`` (the client still checks
the input against the full schema with ``jsonschema`` before paying).

>>> from ogpu.service.schemas import HandlersDocument, handlers_document
>>> document = HandlersDocument.parse(handlers_document("ogpu.devnet.demo_handlers"))
>>> module = generate_stubs(document, source="0x6c8D53600C7f8F97ed32e6162867F3340dE3Ab37")
>>> [line for line in module.splitlines() if line.startswith("def sentiment")]
['def sentiment(']
>>> namespace: dict[str, object] = {}
>>> exec(compile(module, "stubs.py", "exec"), namespace)
>>> namespace["SentimentIn"](text="great")
SentimentIn(text='great', neutral_threshold=0.05)
"""

from __future__ import annotations

import json
import keyword
import math
import re
from typing import Any

from pydantic import BaseModel

from ogpu.service.schemas import FunctionSchema, HandlersDocument

__all__ = ["generate_stubs"]

# Names the generated module uses itself: never given to a class or function.
_TAKEN = frozenset(
    {
        "Any",
        "BaseModel",
        "ConfigDict",
        "Field",
        "Literal",
        "SOURCE",
        "TypedTask",
        "annotations",
        "bool",
        "dict",
        "float",
        "int",
        "list",
        "object",
        "publish_typed",
        "str",
        "tuple",
        "type",
    }
)
_MODEL_ATTRS = frozenset(dir(BaseModel))
_CONSTRAINTS = {
    "minimum": "ge",
    "exclusiveMinimum": "gt",
    "maximum": "le",
    "exclusiveMaximum": "lt",
    "multipleOf": "multiple_of",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_length",
    "maxItems": "max_length",
    "pattern": "pattern",
}
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def _ident(text: str, fallback: str) -> str:
    name = re.sub(r"[^0-9A-Za-z_]", "_", text).strip("_") or fallback
    if name[0].isdigit():
        name = f"{fallback}_{name}"
    return name + "_" if keyword.iskeyword(name) or keyword.issoftkeyword(name) else name


def _camel(text: str) -> str:
    parts = _ident(text, "Model").split("_")
    return "".join(p[:1].upper() + p[1:] for p in parts if p) or "Model"


def _literal(value: Any) -> str | None:
    """Python source of a JSON value, or ``None`` if it cannot be written safely."""
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, list):
        items = [_literal(v) for v in value]
        return None if None in items else "[" + ", ".join(i for i in items if i) + "]"
    if isinstance(value, dict):
        pairs = [(repr(str(k)), _literal(v)) for k, v in value.items()]
        if any(v is None for _, v in pairs):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
    return None


def _fits(kind: str, value: Any) -> bool:
    """Whether mypy accepts ``value`` as a default of a field annotated ``kind`` as written."""
    options = {k.strip() for k in kind.split("|")}
    if value is None:
        return "None" in options or "Any" in options
    if isinstance(value, bool):
        return "bool" in options
    if isinstance(value, int):
        return bool({"int", "float"} & options)
    if isinstance(value, float):
        return "float" in options
    if isinstance(value, str):
        return "str" in options or kind.startswith(f"Literal[{value!r}") or f", {value!r}" in kind
    return False


class _Emitter:
    def __init__(self) -> None:
        self.used: set[str] = set(_TAKEN)
        self.classes: list[str] = []
        self.class_names: list[str] = []
        self.by_schema: dict[str, str] = {}

    def fresh(self, base: str) -> str:
        name, n = base, 2
        while name in self.used:
            name, n = f"{base}{n}", n + 1
        self.used.add(name)
        return name

    # -- types ------------------------------------------------------------------------------

    def type_of(self, spec: Any, root: dict[str, Any], refs: dict[str, str], hint: str) -> str:
        if not isinstance(spec, dict) or not spec:
            return "Any"
        ref = spec.get("$ref")
        if isinstance(ref, str):
            return refs.get(ref, "Any")
        if "const" in spec:
            lit = self._literal_type([spec["const"]])
            return lit or "Any"
        if isinstance(spec.get("enum"), list):
            return self._literal_type(spec["enum"]) or "Any"
        for key in ("anyOf", "oneOf"):
            if isinstance(spec.get(key), list):
                return self._union([self.type_of(s, root, refs, hint) for s in spec[key]])
        kind = spec.get("type")
        if isinstance(kind, list):
            return self._union([self.type_of({**spec, "type": k}, root, refs, hint) for k in kind])
        if kind in _SCALARS:
            return _SCALARS[kind]
        if kind == "array":
            prefix = spec.get("prefixItems")
            if isinstance(prefix, list) and prefix and spec.get("items") in (None, False):
                inner = ", ".join(self.type_of(s, root, refs, hint) for s in prefix)
                return f"tuple[{inner}]"
            return f"list[{self.type_of(spec.get('items'), root, refs, hint)}]"
        if kind == "object":
            if isinstance(spec.get("properties"), dict) and spec["properties"]:
                return self.model(spec, root, refs, hint)
            extra = spec.get("additionalProperties")
            value = self.type_of(extra, root, refs, hint) if isinstance(extra, dict) else "Any"
            return f"dict[str, {value}]"
        return "Any"

    @staticmethod
    def _literal_type(values: list[Any]) -> str | None:
        if not values or not all(v is None or isinstance(v, bool | int | str) for v in values):
            return None
        return "Literal[" + ", ".join(repr(v) for v in values) + "]"

    @staticmethod
    def _union(types: list[str]) -> str:
        unique = list(dict.fromkeys(types))
        return "Any" if "Any" in unique else " | ".join(unique) or "Any"

    # -- models -----------------------------------------------------------------------------

    def schema_root(self, schema: dict[str, Any], name: str) -> str:
        """Emit the models of one handler schema (its ``$defs`` first); return the root's name."""
        refs: dict[str, str] = {}
        defs = schema.get("$defs")
        pending: list[tuple[str, dict[str, Any]]] = []
        if isinstance(defs, dict):
            for key, sub in defs.items():
                if not isinstance(sub, dict):
                    continue
                ref = "#/$defs/" + str(key).replace("~", "~0").replace("/", "~1")
                known = self.by_schema.get(json.dumps(sub, sort_keys=True))
                if known is not None:
                    refs[ref] = known
                else:
                    refs[ref] = self.fresh(_camel(str(key)))
                    self.by_schema[json.dumps(sub, sort_keys=True)] = refs[ref]
                    pending.append((refs[ref], sub))
        refs["#"] = name
        for cls, sub in pending:
            self.model(sub, schema, refs, cls, fixed=True)
        self.model(schema, schema, refs, name, fixed=True)
        return name

    def model(
        self,
        spec: dict[str, Any],
        root: dict[str, Any],
        refs: dict[str, str],
        hint: str,
        *,
        fixed: bool = False,
    ) -> str:
        name = hint if fixed else self.fresh(_camel(hint))
        lines = [f"class {name}(BaseModel):"]
        doc = spec.get("description")
        if isinstance(doc, str) and doc:
            lines.append(f"    {doc[:2000]!r}")
        config = ["serialize_by_alias=True", "validate_by_name=True", "validate_default=True"]
        if spec.get("additionalProperties") is False:
            config.append("extra='forbid'")
        lines.append(f"    model_config = ConfigDict({', '.join(config)})")
        props = spec.get("properties") if isinstance(spec.get("properties"), dict) else {}
        required = (
            set(spec.get("required") or ()) if isinstance(spec.get("required"), list) else set()
        )
        names: set[str] = set()
        for prop, sub in (props or {}).items():
            prop = str(prop)
            py = _ident(prop, "field")
            # a field must not shadow a name later annotations use (str, list, model classes)
            if py in _MODEL_ATTRS or py.startswith("model_") or py in self.used:
                py = f"f_{py}"
            while py in names:
                py += "_"
            names.add(py)
            kind = self.type_of(sub, root, refs, f"{name}_{py}")
            args: list[str] = []
            if prop not in required:
                default = _literal(sub.get("default")) if isinstance(sub, dict) else None
                if isinstance(sub, dict) and "default" in sub and default is not None:
                    fits = _fits(kind, sub["default"])
                    args.append(f"default={default}" if fits else f"default=_json({default})")
                else:
                    if not kind.endswith("| None") and kind not in ("Any", "None"):
                        kind = f"{kind} | None"
                    args += ["default=None", "exclude_if=lambda v: v is None"]
            if py != prop:
                args.append(f"alias={prop!r}")
            if isinstance(sub, dict):
                for key, arg in _CONSTRAINTS.items():
                    value = sub.get(key)
                    if key.endswith("Items") and kind.startswith("tuple["):
                        continue
                    if isinstance(value, bool) or not isinstance(value, int | float | str):
                        continue
                    if (key == "pattern") != isinstance(value, str):
                        continue
                    literal = _literal(value)
                    if literal is not None:
                        args.append(f"{arg}={literal}")
                text = sub.get("description")
                if isinstance(text, str) and text:
                    args.append(f"description={text[:500]!r}")
            value = f" = Field({', '.join(args)})" if args else ""
            lines.append(f"    {py}: {kind}{value}")
        self.classes.append("\n".join(lines))
        self.class_names.append(name)
        return name


def _function(fn: FunctionSchema, name: str, model_in: str, model_out: str) -> str:
    doc = fn.description.strip() or f"Run {fn.name!r} on the source."
    return "\n".join(
        [
            f"def {name}(",
            f"    data: {model_in},",
            "    *,",
            "    payment: int,",
            "    expires_in: int = 600,",
            "    source: str = SOURCE,",
            "    **options: Any,",
            f") -> TypedTask[{model_out}]:",
            f"    {doc[:4000]!r}",
            "    return publish_typed(",
            f"        source, {fn.name!r}, data, {model_out}, payment=payment, expires_in=expires_in,",
            "        **options,",
            "    )",
        ]
    )


def generate_stubs(document: HandlersDocument, *, source: str) -> str:
    """Python source of a typed client module for ``source`` (a checksum address)."""
    from ogpu.protocol._base import checksum

    address = checksum(source, what="source address")
    emitter = _Emitter()
    functions: list[str] = []
    exported: list[str] = []
    for fname in document.names():
        fn = document.functions[fname]
        base = _camel(fname)
        model_in = emitter.schema_root(fn.input_schema, emitter.fresh(f"{base}In"))
        model_out = emitter.schema_root(fn.output_schema, emitter.fresh(f"{base}Out"))
        py = _ident(fname, "function")
        while py in emitter.used:
            py += "_"
        emitter.used.add(py)
        functions.append(_function(fn, py, model_in, model_out))
        exported += [py, model_in, model_out]
    header = [
        f'"""Typed client of the OpenGPU source {address} (written by `ogpu source stubs`).',
        "",
        "Each function publishes a task and returns a TypedTask; its wait_for_result() gives the",
        'validated output model. Regenerate after the source changes its handlers."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any, Literal",
        "",
        "from pydantic import BaseModel, ConfigDict, Field",
        "",
        "from ogpu.client.typed import TypedTask, publish_typed",
        "",
        "__all__ = [" + ", ".join(repr(n) for n in sorted({"SOURCE", *exported})) + "]",
        "",
        f"SOURCE = {address!r}",
        "",
        "",
        "def _json(value: Any) -> Any:",
        '    "A JSON default, validated into the field type by pydantic (validate_default)."',
        "    return value",
    ]
    rebuild = [f"{name}.model_rebuild()" for name in emitter.class_names]
    parts = ["\n".join(header), *emitter.classes, *functions, "\n".join(rebuild)]
    return "\n\n\n".join(parts) + "\n"
