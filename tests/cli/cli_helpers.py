"""Helpers of the command-line tests (plain functions)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from typer.testing import CliRunner, Result

Run = Callable[..., Result]


def invoke(*args: str, input: str | None = None, network: str | None = "devnet") -> Result:
    """Run ``ogpu [--network N] [--json] args...`` in-process.

    ``--json`` is a root option: when it appears among ``args`` it is placed before the
    sub-command, as a user would type it.
    """
    from ogpu.cli.app import app

    rest = [a for a in args if a != "--json"]
    root = (["--network", network] if network else []) + (["--json"] if "--json" in args else [])
    argv = root + rest
    return CliRunner().invoke(app, argv, input=input)


def ok_json(result: Result) -> Any:
    """Assert success and parse stdout as JSON."""
    assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
    return json.loads(result.stdout)


def one_line_error(result: Result, *needles: str) -> str:
    """Assert a failure reported as exactly one ``error:`` line (no traceback)."""
    assert result.exit_code not in (0, 2), (result.exit_code, result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("error: "), line
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in line, (needle, line)
    return line
