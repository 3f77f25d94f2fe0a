"""Load ``.env`` files into the environment (as the official SDK does at ``import ogpu.chain``).

Files are read in order ``./.env``, ``~/.env``, ``<sdk dir>/.env``; a variable already set (in
the environment or by an earlier file) is never overridden. Set ``OGPU_NO_DOTENV=1`` to skip.
Values are never logged.

>>> parse_env_text('A=1\\n# c\\nexport B="two words"\\n')
{'A': '1', 'B': 'two words'}
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

__all__ = ["load_env_files", "parse_env_text"]


def parse_env_text(text: str) -> dict[str, str]:
    """Parse ``KEY=value`` lines (``export`` prefix, quotes and ``#`` comments allowed)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, _, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not key.replace("_", "").isalnum():
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        out[key] = value
    return out


def load_env_files(
    paths: list[Path] | None = None, environ: MutableMapping[str, str] | None = None
) -> list[Path]:
    """Load the ``.env`` files that exist; returns the ones read."""
    env = os.environ if environ is None else environ
    if env.get("OGPU_NO_DOTENV", "").strip().lower() in ("1", "true", "yes"):
        return []
    if paths is None:
        paths = [
            Path.cwd() / ".env",
            Path.home() / ".env",
            Path(__file__).resolve().parents[1] / ".env",
        ]
    read: list[Path] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        read.append(path)
        for key, value in parse_env_text(text).items():
            env.setdefault(key, value)
    return read
