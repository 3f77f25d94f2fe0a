"""ogpu — the Python SDK, command line and local devnet for the OpenGPU network.

Importing ``ogpu`` is cheap: sub-packages load when first used.

Example::

    import ogpu
    from ogpu.client import publish_task, TaskInfo, TaskInput
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SUBPACKAGES = frozenset(
    {
        "agent",
        "chain",
        "cli",
        "client",
        "devnet",
        "events",
        "ipfs",
        "protocol",
        "provider",
        "service",
        "types",
    }
)
_REEXPORTS = {
    "ChainConfig": "ogpu.chain",
    "ChainId": "ogpu.chain",
    "fix_nonce": "ogpu.chain",
    "reset_nonce_cache": "ogpu.chain",
    "clear_all_nonce_caches": "ogpu.chain",
    "get_nonce_info": "ogpu.chain",
    "Session": "ogpu.chain",
    "get_session": "ogpu.chain",
    "set_session": "ogpu.chain",
    "use_session": "ogpu.chain",
    "publish_to_ipfs": "ogpu.ipfs",
    "fetch_ipfs_json": "ogpu.ipfs",
    "OGPUError": "ogpu.types",
}

__all__ = ["__version__", "set_verbose", *sorted(_REEXPORTS), *sorted(_SUBPACKAGES)]

logging.getLogger("ogpu").addHandler(logging.NullHandler())
_verbose_handler: logging.Handler | None = None


def set_verbose(enabled: bool = True, level: int = logging.DEBUG) -> None:
    """Show the SDK's log (transactions, IPFS, client steps) on stderr, or stop showing it.

    >>> set_verbose(True); set_verbose(False)
    """
    global _verbose_handler
    logger = logging.getLogger("ogpu")
    if _verbose_handler is not None:
        logger.removeHandler(_verbose_handler)
        _verbose_handler = None
    if enabled:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(level)
        _verbose_handler = handler


if os.environ.get("OGPU_VERBOSE", "").lower() in {"1", "true", "yes"}:
    set_verbose(True)


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"ogpu.{name}")
    if name in _REEXPORTS:
        return getattr(importlib.import_module(_REEXPORTS[name]), name)
    raise AttributeError(f"module 'ogpu' has no attribute {name!r}")


if TYPE_CHECKING:
    from ogpu.chain import ChainConfig as ChainConfig
    from ogpu.chain import ChainId as ChainId
    from ogpu.chain import Session as Session
    from ogpu.chain import clear_all_nonce_caches as clear_all_nonce_caches
    from ogpu.chain import fix_nonce as fix_nonce
    from ogpu.chain import get_nonce_info as get_nonce_info
    from ogpu.chain import get_session as get_session
    from ogpu.chain import reset_nonce_cache as reset_nonce_cache
    from ogpu.chain import set_session as set_session
    from ogpu.chain import use_session as use_session
    from ogpu.ipfs import fetch_ipfs_json as fetch_ipfs_json
    from ogpu.ipfs import publish_to_ipfs as publish_to_ipfs
    from ogpu.types import OGPUError as OGPUError
