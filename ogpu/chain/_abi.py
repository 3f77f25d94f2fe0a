"""Typed access to the packaged ABIs.

``ogpu/chain/artifacts.py`` sits beside the ``ogpu/chain/artifacts/`` data folder; Python imports
the module, but mypy resolves the name to the folder. Importing it dynamically keeps both happy.
"""

from __future__ import annotations

import importlib
from typing import Any, cast


def load_abi(name: str) -> list[dict[str, Any]]:
    """The ABI of the packaged artifact ``name`` (``"Vault"``, ``"Nexus"``, ...)."""
    module = importlib.import_module("ogpu.chain.artifacts")
    return cast(list[dict[str, Any]], module.load_abi(name))
