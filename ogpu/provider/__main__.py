"""``python -m ogpu.provider [run options]`` — the same as ``ogpu provider run``."""

from __future__ import annotations

import sys


def main() -> None:
    from ogpu.cli.provider import app

    argv = sys.argv[1:]
    if not argv or argv[0] not in ("run", "status", "--help", "-h"):
        argv = ["run", *argv]
    app(args=argv, prog_name="python -m ogpu.provider")


if __name__ == "__main__":
    main()
