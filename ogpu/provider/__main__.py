"""``python -m ogpu.provider [--network NAME] [run options]`` — the same as
``ogpu [--network NAME] provider run``."""

from __future__ import annotations

import sys

#: The root command's options, accepted anywhere in the arguments (there is no root command here).
_ROOT_FLAGS = ("--json", "--debug")


def main() -> None:
    from ogpu.cli.app import app

    root: list[str] = []
    rest: list[str] = []
    args = iter(sys.argv[1:])
    for arg in args:
        if arg == "--network":
            root += [arg, next(args, "")]
        elif arg.startswith("--network=") or arg in _ROOT_FLAGS:
            root.append(arg)
        else:
            rest.append(arg)
    if not rest or rest[0] not in ("run", "status", "--help", "-h"):
        rest = ["run", *rest]
    app(args=[*root, "provider", *rest], prog_name="python -m ogpu.provider")


if __name__ == "__main__":
    main()
