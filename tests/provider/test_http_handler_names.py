"""``HttpHandler`` refuses function names that would change the URL it posts to."""

from __future__ import annotations

import httpx
import pytest

from ogpu.provider.handlers import HttpHandler, InvalidFunctionNameError


def _handler(seen: list[str]) -> HttpHandler:
    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"status": "done", "result": {"ok": True}})

    client = httpx.Client(transport=httpx.MockTransport(reply))
    return HttpHandler("http://svc.test:5555", client=client)


@pytest.mark.parametrize(
    "name",
    ["../admin", "a/b", "run?x=1", "run#frag", "", "1abc", "a b", "a%2Fb", "ünï", "a.b", "a\n"],
)
def test_bad_function_names_are_refused_before_any_request(name: str) -> None:
    seen: list[str] = []
    with pytest.raises(InvalidFunctionNameError):
        _handler(seen).run(name, {}, "0x" + "11" * 20)
    assert seen == []


@pytest.mark.parametrize("name", ["sentiment", "_private", "Hash2", "text_stats"])
def test_identifier_names_are_posted_to_their_route(name: str) -> None:
    seen: list[str] = []
    task = "0x" + "11" * 20
    assert _handler(seen).run(name, {}, task) == {"ok": True}
    assert seen == [f"http://svc.test:5555/run/{name}/{task}?mode=sync"]
