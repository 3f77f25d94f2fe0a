"""Handler registration, annotation reading and in-process runs of ogpu.service."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest
from pydantic import BaseModel
from service_test_helpers import AddIn, AddOut, TextIn, TextOut

import ogpu.service as service_pkg
from ogpu.service import (
    HandlerFailedError,
    HandlerInputError,
    HandlerNotFoundError,
    HandlerOutputError,
    HandlerRegistrationError,
    HandlerTimeoutError,
    OutputTooLargeError,
    Service,
    ServiceError,
    default_service,
    expose,
    load_handlers,
)
from ogpu.types.errors import OGPUError


def test_expose_reads_models_from_annotations(service: Service) -> None:
    add = service.get("add")
    assert add.input_model is AddIn
    assert add.output_model is AddOut
    assert not add.is_async
    assert service.get("shout").is_async
    assert service.get("shout").fn.__name__ == "shout_async"
    assert service.names() == ["add", "big", "boom", "shout"]


def test_expose_returns_the_function_unchanged() -> None:
    svc = Service()

    def double(data: AddIn) -> AddOut:
        return AddOut(total=2 * data.a)

    assert svc.expose(double) is double
    assert double(AddIn(a=2, b=0)).total == 4


def test_string_annotations_are_resolved() -> None:
    svc = Service()
    ns: dict[str, object] = {}
    exec(
        "from __future__ import annotations\n"
        "from service_test_helpers import AddIn, AddOut\n"
        "def f(data: AddIn) -> AddOut:\n"
        "    return AddOut(total=data.a)\n",
        ns,
    )
    svc.expose(ns["f"])  # type: ignore[arg-type]
    assert svc.get("f").input_model is AddIn


@pytest.mark.parametrize(
    "source",
    [
        "def f(data) -> AddOut: ...",
        "def f(data: dict) -> AddOut: ...",
        "def f(data: AddIn): ...",
        "def f(data: AddIn) -> int: ...",
        "def f() -> AddOut: ...",
        "def f(a: AddIn, b: AddIn) -> AddOut: ...",
        "def f(*, data: AddIn) -> AddOut: ...",
    ],
)
def test_bad_signatures_are_refused(source: str) -> None:
    ns: dict[str, object] = {"AddIn": AddIn, "AddOut": AddOut}
    exec(source, ns)
    with pytest.raises(HandlerRegistrationError) as info:
        Service().expose(ns["f"])  # type: ignore[arg-type]
    assert "pydantic" in str(info.value)
    assert isinstance(info.value, OGPUError) and isinstance(info.value, TypeError)


def test_duplicate_names_are_refused(service: Service) -> None:
    def add(data: AddIn) -> AddOut:
        return AddOut(total=0)

    with pytest.raises(HandlerRegistrationError, match="already registered"):
        service.expose(add)
    with pytest.raises(HandlerRegistrationError, match="already registered"):
        service.expose(name="shout")(add)


def test_run_validates_and_returns_json(service: Service) -> None:
    assert service.run("add", {"a": 2, "b": 3}) == {"total": 5}
    assert service.run("add", AddIn(a=1, b=1)) == {"total": 2}
    assert service.run("shout", {"text": "hi"}) == {"text": "HI!"}


def test_run_async_handler_from_inside_a_running_loop(service: Service) -> None:
    async def main() -> dict[str, object]:
        sync_result = service.run("shout", {"text": "loop"})  # sync call inside a loop
        async_result = await service.run_async("add", {"a": 1, "b": 2})
        return {"sync": sync_result, "async": async_result}

    assert asyncio.run(main()) == {"sync": {"text": "LOOP!"}, "async": {"total": 3}}


def test_run_unknown_function(service: Service) -> None:
    with pytest.raises(HandlerNotFoundError) as info:
        service.run("nope", {})
    assert info.value.function_name == "nope"
    assert info.value.available == ("add", "big", "boom", "shout")
    assert "add, big, boom, shout" in str(info.value)


def test_run_invalid_input_carries_validation_errors(service: Service) -> None:
    with pytest.raises(HandlerInputError) as info:
        service.run("add", {"a": "not a number", "b": -1})
    errors = info.value.errors
    assert {tuple(e["loc"]) for e in errors} == {("a",), ("b",)}
    assert {e["type"] for e in errors} == {"int_parsing", "greater_than_equal"}
    assert "a: " in str(info.value) and "b: " in str(info.value)
    assert isinstance(info.value, ServiceError)


def test_run_failing_handler_wraps_cause(service: Service) -> None:
    with pytest.raises(HandlerFailedError) as info:
        service.run("boom", {"text": "this"})
    assert isinstance(info.value.cause, ValueError)
    assert info.value.__cause__ is info.value.cause
    assert info.value.error == "ValueError: cannot handle this"


def test_output_size_cap(service: Service) -> None:
    service.max_output_bytes = 100
    assert service.run("big", {"a": 50, "b": 0})["text"] == "x" * 50
    with pytest.raises(OutputTooLargeError) as info:
        service.run("big", {"a": 200, "b": 0})
    assert info.value.limit == 100
    assert info.value.size == len('{"text":""}') + 200
    assert "over the 100-byte limit" in str(info.value)


def test_default_output_cap_is_one_mebibyte(service: Service) -> None:
    assert service.max_output_bytes == 1024 * 1024
    with pytest.raises(OutputTooLargeError):
        service.run("big", {"a": 1024 * 1024, "b": 0})


def test_handler_returning_wrong_type() -> None:
    svc = Service()

    @svc.expose
    def as_dict(data: AddIn) -> AddOut:
        return {"total": data.a}  # type: ignore[return-value]

    @svc.expose
    def wrong(data: AddIn) -> AddOut:
        return {"nope": 1}  # type: ignore[return-value]

    @svc.expose
    def nothing(data: AddIn) -> AddOut:
        return None  # type: ignore[return-value]

    assert svc.run("as_dict", {"a": 7, "b": 0}) == {"total": 7}
    with pytest.raises(HandlerOutputError, match="AddOut"):
        svc.run("wrong", {"a": 1, "b": 0})
    with pytest.raises(HandlerOutputError, match="None"):
        svc.run("nothing", {"a": 1, "b": 0})


def test_timeout_sync_and_async() -> None:
    svc = Service()

    @svc.expose(timeout=0.2)
    def slow(data: AddIn) -> AddOut:
        time.sleep(data.a / 10)
        return AddOut(total=data.a)

    @svc.expose(timeout=0.2)
    async def slow_async(data: AddIn) -> AddOut:
        await asyncio.sleep(data.a / 10)
        return AddOut(total=data.a)

    assert svc.run("slow", {"a": 0, "b": 0}) == {"total": 0}
    assert svc.run("slow_async", {"a": 0, "b": 0}) == {"total": 0}
    for name in ("slow", "slow_async"):
        started = time.monotonic()
        with pytest.raises(HandlerTimeoutError) as info:
            svc.run(name, {"a": 10, "b": 0})
        assert time.monotonic() - started < 0.9
        assert info.value.timeout == 0.2


def test_init_handler_runs_once_before_first_task() -> None:
    svc = Service()
    calls: list[str] = []

    @svc.init
    def setup() -> None:
        calls.append("init")

    @svc.expose
    def add(data: AddIn) -> AddOut:
        calls.append("add")
        return AddOut(total=data.a + data.b)

    assert calls == []
    svc.run("add", {"a": 1, "b": 1})
    svc.run("add", {"a": 1, "b": 1})
    assert calls == ["init", "add", "add"]
    with pytest.raises(HandlerRegistrationError, match="already has an init"):

        @svc.init
        def other() -> None:
            pass


def test_bare_expose_targets_the_swappable_default() -> None:
    isolated = Service("isolated")
    before = default_service()
    with isolated.as_default():
        assert default_service() is isolated

        @expose
        def plain(data: TextIn) -> TextOut:
            return TextOut(text=data.text)

        @expose(name="renamed")
        def other(data: TextIn) -> TextOut:
            return TextOut(text=data.text * 2)

        assert service_pkg.run("renamed", {"text": "ab"}) == {"text": "abab"}
    assert default_service() is before
    assert isolated.names() == ["plain", "renamed"]
    assert "plain" not in before and "renamed" not in before


def test_load_handlers_finds_the_module_service() -> None:
    svc = load_handlers("ogpu.devnet.demo_handlers")
    from ogpu.devnet.demo_handlers import demo_service

    assert svc is demo_service
    assert svc.names() == ["echo", "hash", "sentiment", "text_stats", "thumbnail"]
    assert load_handlers("ogpu.devnet.demo_handlers:demo_service") is demo_service


SOURCE_WITH_BARE_EXPOSE = """
from pydantic import BaseModel
from ogpu.service import expose, init

STATE = {}

class In(BaseModel):
    n: int

class Out(BaseModel):
    square: int

@init
def warm_up() -> None:
    STATE["ready"] = True

@expose
def square(data: In) -> Out:
    assert STATE["ready"]
    return Out(square=data.n * data.n)
"""


def test_load_handlers_from_bare_expose_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "my_source_mod.py").write_text(SOURCE_WITH_BARE_EXPOSE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "my_source_mod", raising=False)
    with Service("scratch").as_default() as scratch:
        svc = load_handlers("my_source_mod")
        assert svc.names() == ["square"]
        assert svc.run("square", {"n": 7}) == {"square": 49}
        assert scratch.names() == ["square"]
    monkeypatch.delitem(sys.modules, "my_source_mod", raising=False)


def test_load_handlers_from_file_path(tmp_path: Path) -> None:
    path = tmp_path / "main.py"
    path.write_text(
        SOURCE_WITH_BARE_EXPOSE.replace("from ogpu.service import expose, init", "")
        .replace("@init", "@svc.init")
        .replace("@expose", "@svc.expose")
        .replace(
            "STATE = {}", "from ogpu.service import Service\nsvc = Service('file')\nSTATE = {}"
        )
    )
    svc = load_handlers(str(path))
    assert svc.name == "file"
    assert svc.run("square", {"n": 3}) == {"square": 9}


def test_load_handlers_errors(tmp_path: Path) -> None:
    with pytest.raises(ServiceError, match="cannot import"):
        load_handlers("no_such_module_xyz")
    with pytest.raises(ServiceError, match="does not exist"):
        load_handlers(str(tmp_path / "missing.py"))
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    with Service().as_default(), pytest.raises(ServiceError, match="registered no handlers"):
        load_handlers(str(empty))
    with pytest.raises(ServiceError, match=r"not an ogpu\.service\.Service"):
        load_handlers("ogpu.devnet.demo_handlers:text_stats")


def test_describe_has_json_schemas(service: Service) -> None:
    info = service.get("add").describe()
    assert info["input_schema"]["properties"]["b"]["minimum"] == 0
    assert info["output_schema"]["required"] == ["total"]


class _Unused(BaseModel):
    pass


def test_a_cancelled_caller_is_never_handed_a_result_instead() -> None:
    """A caller cancelled while its handler finishes ends cancelled, at whatever loop step the
    cancellation lands (``asyncio.wait_for`` before Python 3.12 lost it at some of them)."""
    import asyncio

    from ogpu.service.handler import Handler, _with_timeout

    handler = Handler.__new__(Handler)
    object.__setattr__(handler, "name", "quick")
    object.__setattr__(handler, "timeout", 5.0)

    async def quick() -> int:
        await asyncio.sleep(0)
        return 1

    async def attempt(steps: int) -> str:
        caller = asyncio.ensure_future(_with_timeout(handler, quick()))
        for _ in range(steps):
            await asyncio.sleep(0)
        if not caller.cancel():
            return "finished first"
        try:
            await caller
        except asyncio.CancelledError:
            return "cancelled"
        return "lost the cancellation"

    outcomes = [asyncio.run(attempt(steps)) for steps in range(1, 9)]
    assert "lost the cancellation" not in outcomes, outcomes
    assert "cancelled" in outcomes and "finished first" in outcomes, outcomes
