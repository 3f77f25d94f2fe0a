"""Load the SDK's own variables from ``.env`` files at ``import ogpu.chain`` (as the official SDK
loads ``.env``), parsed by python-dotenv.

Files are read in order ``./.env``, ``~/.env``, ``<sdk dir>/.env``. Only the variables the SDK
reads are taken (``OGPU_*`` and the role keys ``CLIENT_/PROVIDER_/MASTER_/AGENT_PRIVATE_KEY``):
a checked-out repository's ``.env`` cannot set ``HTTPS_PROXY``, ``PYTHONPATH`` or anything else.
A variable already set (in the environment or by an earlier file) is never overridden, values
are taken literally (no ``${VAR}`` expansion) and never logged. ``OGPU_NO_DOTENV=1`` skips it all.

>>> env = {}
>>> import tempfile, pathlib
>>> f = pathlib.Path(tempfile.mkdtemp()) / ".env"
>>> _ = f.write_text("OGPU_NETWORK=devnet\\nHTTPS_PROXY=http://proxy.test\\n")
>>> _ = load_env_files([f], env)
>>> env
{'OGPU_NETWORK': 'devnet'}
"""

from __future__ import annotations

import logging
import os
from collections.abc import MutableMapping
from pathlib import Path

from ogpu.types.enums import Role

__all__ = ["is_sdk_variable", "load_env_files"]

log = logging.getLogger("ogpu.chain")

_ROLE_KEYS = frozenset(role.env_var for role in Role)
_MAX_FILE_BYTES = 1024 * 1024


def is_sdk_variable(name: str) -> bool:
    """True for the names a ``.env`` file may set: ``OGPU_*`` (but the switch) and role keys."""
    return (name.startswith("OGPU_") and name != "OGPU_NO_DOTENV") or name in _ROLE_KEYS


def load_env_files(
    paths: list[Path] | None = None, environ: MutableMapping[str, str] | None = None
) -> list[Path]:
    """Load the SDK's variables from the ``.env`` files that exist; returns the ones read."""
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
            if not path.is_file() or path.stat().st_size > _MAX_FILE_BYTES:
                continue
            from dotenv import dotenv_values  # only when there is a file to parse

            values = dotenv_values(path, interpolate=False, encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        read.append(path)
        taken = [k for k, v in values.items() if v is not None and is_sdk_variable(k)]
        for key in taken:
            env.setdefault(key, str(values[key]))
        if taken:
            log.debug("read %s from %s", ", ".join(sorted(taken)), path)
    return read
