"""The ``ogpu`` command."""

from ogpu.cli.app import app, main

__all__ = ["app", "main"]
