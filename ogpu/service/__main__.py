"""Serve a source's handlers: ``python -m ogpu.service pkg.module [--host H] [--port P]``.

The module is loaded with :func:`ogpu.service.load_handlers`; host, port and callback URL default
to the environment (``127.0.0.1``, ``5555``, ``CALLBACK_URL``).

Example::

    CALLBACK_URL=http://127.0.0.1:8000/callback python -m ogpu.service ogpu.devnet.demo_handlers
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ogpu.service.loader import load_handlers
from ogpu.service.server import start


def main(argv: Sequence[str] | None = None) -> None:
    """Parse arguments, load the handler module and serve it until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m ogpu.service", description=__doc__)
    parser.add_argument("module", help="handler module: pkg.module, pkg.module:service or file.py")
    parser.add_argument(
        "--host", default=None, help="bind address (default 127.0.0.1; 0.0.0.0 in a container)"
    )
    parser.add_argument("--port", type=int, default=None, help="port (default 5555)")
    parser.add_argument("--callback-url", default=None, help="overrides CALLBACK_URL")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    service = load_handlers(args.module)
    start(
        args.host,
        args.port,
        service=service,
        callback_url=args.callback_url,
        log_level=args.log_level,
    )


if __name__ == "__main__":
    main()
