"""The handler schema document: built from services, checked when it comes from strangers, and
used to refuse bad task input with the path of every error (no chain needed)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import BaseModel, Field

from ogpu.service import Service, serve_in_background
from ogpu.service.schemas import (
    MAX_DOCUMENT_BYTES,
    HandlersDocument,
    InvalidHandlersDocumentError,
    check_served,
    handlers_document,
)
from ogpu.types import InvalidTaskInputError, OGPUError, UnknownFunctionError

DEMO = "ogpu.devnet.demo_handlers"


@pytest.fixture(scope="module")
def demo() -> HandlersDocument:
    return HandlersDocument.parse(handlers_document(DEMO))


def test_document_lists_every_handler_with_schemas(demo: HandlersDocument) -> None:
    doc = handlers_document(DEMO)
    assert doc["version"] == 1
    assert demo.names() == ["echo", "hash", "sentiment", "text_stats", "thumbnail"]
    sentiment = demo.functions["sentiment"]
    assert sentiment.description.startswith("VADER sentiment")
    assert sentiment.input_schema["required"] == ["text"]
    assert "label" in sentiment.output_schema["properties"]
    assert ("text", "string", True) in sentiment.input_fields()
    # a Service, a module path and the document itself give the same field
    from ogpu.devnet.demo_handlers import demo_service

    assert handlers_document(demo_service) == doc == handlers_document(copy.deepcopy(doc))


def test_unknown_function_names_the_available_ones(demo: HandlersDocument) -> None:
    with pytest.raises(UnknownFunctionError) as info:
        demo.check("sentimnt", {"text": "hi"})
    assert info.value.function == "sentimnt"
    assert info.value.available == ["echo", "hash", "sentiment", "text_stats", "thumbnail"]
    assert isinstance(info.value, OGPUError)
    assert "sentiment" in str(info.value)


@pytest.mark.parametrize(
    ("function", "data", "path", "needle"),
    [
        ("sentiment", {}, "/text", "required"),
        ("sentiment", {"text": 42}, "/text", "not of type 'string'"),
        ("sentiment", {"text": "x", "neutral_threshold": 1.5}, "/neutral_threshold", "maximum"),
        ("text_stats", {"text": "x", "top_n": 500}, "/top_n", "maximum"),
        ("sentiment", {"text": {"nested": "deeper"}}, "/text", "not of type 'string'"),
        ("text_stats", {"text": "x", "top_n": [[1]]}, "/top_n", "not of type 'integer'"),
        ("echo", {"payload": 1, "unexpected": True}, "", "Additional properties"),
    ],
)
def test_bad_input_is_refused_with_its_path(
    demo: HandlersDocument, function: str, data: Any, path: str, needle: str
) -> None:
    with pytest.raises(InvalidTaskInputError) as info:
        demo.check(function, data)
    paths = [p for p, _ in info.value.errors]
    assert path in paths, info.value.errors
    assert any(needle in msg for p, msg in info.value.errors if p == path), info.value.errors
    assert info.value.function == function


def test_good_input_passes(demo: HandlersDocument) -> None:
    demo.check("sentiment", {"text": "great"})
    demo.check("thumbnail", {"generate": {"kind": "solid"}, "max_width": 8})


def test_reported_errors_are_bounded() -> None:
    props = {f"f{i}": {"type": "integer"} for i in range(200)}
    doc = HandlersDocument.parse(
        {
            "version": 1,
            "functions": [
                {"name": "many", "input_schema": {"type": "object", "properties": props}}
            ],
        }
    )
    with pytest.raises(InvalidTaskInputError) as info:
        doc.check("many", {f"f{i}": "x" for i in range(200)})
    assert len(info.value.errors) == InvalidTaskInputError.MAX_REPORTED
    assert info.value.total >= InvalidTaskInputError.MAX_REPORTED
    assert "more" in str(info.value)


def _with_input(schema: Any) -> dict[str, Any]:
    return {"version": 1, "functions": [{"name": "f", "input_schema": schema}]}


@pytest.mark.parametrize(
    ("document", "needle"),
    [
        (_with_input({"$ref": "https://evil.example/schema.json"}), "only local references"),
        (_with_input({"properties": {"a": {"$ref": "file:///etc/passwd"}}}), "only local"),
        (_with_input({"$id": "https://evil.example/", "type": "object"}), "'$id' is not allowed"),
        (_with_input({"properties": {"a": {"$ref": "#/$defs/missing"}}}), "resolves to nothing"),
        (_with_input({"type": "string", "pattern": "(a+)+$"}), "regular expression refused"),
        (_with_input({"type": "string", "pattern": "("}), "invalid regular expression"),
        (_with_input({"type": 12}), "not a valid JSON Schema"),
        (_with_input("not a schema"), "must be a JSON object"),
        (_with_input(json.loads("[" * 40 + "]" * 40)), "must be a JSON object"),
        ({"version": 1, "functions": [{"name": "a/b", "input_schema": {}}]}, "invalid name"),
        ({"version": 2, "functions": []}, "version 1"),
        (
            {"version": 1, "functions": [{"name": f"f{i}", "input_schema": {}} for i in range(65)]},
            "at most 64",
        ),
    ],
)
def test_hostile_documents_are_refused(document: Any, needle: str) -> None:
    with pytest.raises(InvalidHandlersDocumentError, match=None) as info:
        HandlersDocument.parse(document)
    assert needle in str(info.value)


def test_deep_and_large_schemas_are_refused() -> None:
    deep: dict[str, Any] = {"type": "object"}
    node = deep
    for _ in range(40):
        node["properties"] = {"x": {"type": "object"}}
        node = node["properties"]["x"]
    with pytest.raises(InvalidHandlersDocumentError, match="nested deeper"):
        HandlersDocument.parse(_with_input(deep))
    big = _with_input({"description": "x" * (MAX_DOCUMENT_BYTES + 1)})
    with pytest.raises(InvalidHandlersDocumentError, match="bytes"):
        HandlersDocument.parse(big)


class In(BaseModel):
    n: int = Field(ge=0, le=10)


class Out(BaseModel):
    doubled: int


def _service() -> Service:
    svc = Service("typed-test")

    @svc.expose
    def double(data: In) -> Out:
        return Out(doubled=data.n * 2)

    return svc


def test_http_service_serves_the_same_document_and_providers_check_it() -> None:
    import httpx

    from ogpu.provider.handlers import HttpHandler

    svc = _service()
    with serve_in_background(svc) as server:
        body = httpx.get(f"{server.url}/handlers", timeout=5).json()
        assert body == handlers_document(svc)
        target = HttpHandler(server.url)
        try:
            assert target.names() == ["double"]
            check_served(target, "double", {"n": 3})
            with pytest.raises(UnknownFunctionError) as unknown:
                check_served(target, "triple", {"n": 3})
            assert unknown.value.available == ["double"]
            with pytest.raises(InvalidTaskInputError) as bad:
                check_served(target, "double", {"n": 11})
            assert bad.value.errors[0][0] == "/n"
        finally:
            target.close()


def test_in_process_service_checks_with_its_own_models() -> None:
    svc = _service()
    check_served(svc, "double", {"n": 1})
    with pytest.raises(InvalidTaskInputError) as bad:
        check_served(svc, "double", {"n": "many"})
    assert bad.value.errors[0][0] == "/n"
    with pytest.raises(UnknownFunctionError):
        check_served(svc, "nope", {})
