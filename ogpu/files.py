"""Files the SDK keeps: state written atomically and durably, logs readable by their owner only.

>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "state.json"
>>> atomic_write(p, '{"ok": true}')
>>> p.read_text()
'{"ok": true}'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write", "open_log"]


def atomic_write(path: str | os.PathLike[str], data: bytes | str, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves the old or the new file, whole.

    Writes a temporary file beside it (created with ``mode``), fsyncs it, renames it over
    ``path`` and fsyncs the directory so the rename itself survives a power loss.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else bytes(data)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:  # platforms without directory handles (Windows)
        return
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def open_log(path: str | os.PathLike[str]) -> BinaryIO:
    """Open ``path`` for appending, created (or tightened) to mode 0600: logs may hold secrets."""
    log = Path(path)
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with contextlib.suppress(AttributeError, OSError):  # no fchmod on Windows
        os.fchmod(fd, 0o600)
    return os.fdopen(fd, "ab")
