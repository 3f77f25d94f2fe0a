"""Bounded JSON: hostile nesting is refused with ValueError instead of overflowing the C stack."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ogpu.types import jsonsafe

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=20,
)


@given(json_values)
def test_loads_agrees_with_json_on_ordinary_documents(value: Any) -> None:
    import json

    assert jsonsafe.loads(json.dumps(value)) == value


def test_brackets_inside_strings_do_not_count() -> None:
    text = '{"a": "' + "[" * 5000 + '"}'
    assert jsonsafe.loads(text) == {"a": "[" * 5000}


@pytest.mark.parametrize("depth", [513, 20_000, 200_000])
def test_deep_documents_are_refused(depth: int) -> None:
    with pytest.raises(ValueError, match="deeper than 512"):
        jsonsafe.loads(b"[" * depth + b"]" * depth)


def test_the_bound_itself_is_accepted() -> None:
    assert jsonsafe.loads("[" * 512 + "]" * 512) is not None


def test_check_depth_on_objects_and_cycles() -> None:
    nested: Any = 1
    for _ in range(512):
        nested = [nested]
    jsonsafe.check_depth(nested)
    with pytest.raises(ValueError):
        jsonsafe.check_depth([nested])
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(ValueError):
        jsonsafe.check_depth(cycle)
