"""The ``ogpu`` command."""

import sys

# httpx imports its own command line (click, rich.progress, pygments) whenever click is
# installed; the ogpu command never runs it, so spare every invocation that import. httpx then
# binds ``httpx.main`` to its "not installed" stub. No effect when httpx is already imported.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from ogpu.cli.app import app, main

__all__ = ["app", "main"]
