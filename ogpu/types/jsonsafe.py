"""JSON with bounded nesting, for content the SDK does not control.

``json.loads`` recurses once per nesting level in C. web3 imports py_ecc, which raises Python's
recursion limit to 100,000, so a hostile document nested ~100k deep (a few hundred KB of ``[``)
overflows the C stack and kills the process instead of raising. Everything that parses untrusted
JSON (IPFS content, pinning answers, service request bodies, RPC replies) goes through
:func:`loads`, and everything that serialises caller data checks :func:`check_depth` first.

>>> loads(b'{"a": [1, {"b": "[[["}]}')
{'a': [1, {'b': '[[['}]}
>>> loads(b"[" * 600 + b"]" * 600)
Traceback (most recent call last):
...
ValueError: JSON nested deeper than 512 levels
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["MAX_DEPTH", "check_depth", "loads"]

#: Deeper than any real task config, metadata document or RPC reply.
MAX_DEPTH = 512

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


def _text_depth(data: bytes) -> int:
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub(b'""', data)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads(data: bytes | str, *, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` that refuses documents nested deeper than ``max_depth`` (``ValueError``)."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    # A document with fewer brackets than the bound cannot be too deep: skip the scan.
    if raw.count(b"[") + raw.count(b"{") > max_depth and _text_depth(raw) > max_depth:
        raise ValueError(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(raw)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {max_depth} levels") from None


def check_depth(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``ValueError`` when lists/dicts in ``value`` nest deeper than ``max_depth``.

    Iterative, so it is safe on any depth (and on cycles, which it reports as too deep).

    >>> check_depth({"a": [[1]]})
    >>> nested: list[Any] = []
    >>> for _ in range(600):
    ...     nested = [nested]
    >>> check_depth(nested)
    Traceback (most recent call last):
    ...
    ValueError: data nested deeper than 512 levels
    """
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > max_depth:
            raise ValueError(f"data nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)
