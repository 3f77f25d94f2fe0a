"""Existence checks shared by ``Task.load`` and ``Response.load``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ogpu.protocol._base import call, checksum
from ogpu.types import OGPUError, TxRpcError

if TYPE_CHECKING:
    from ogpu.protocol._object import ProtocolObject

__all__ = ["is_protocol_object"]


def is_protocol_object(obj: ProtocolObject, registry_view: str) -> bool:
    """Whether ``obj`` was created by this deployment.

    Uses the Nexus registry view (``isTask`` / ``isResponse``, devnet extensions: one call). On
    deployments without it (official contracts) it falls back to ``owner() == Nexus``. Transport
    failures are raised, never reported as "not found".
    """
    s = obj.session
    try:
        return bool(call(s, "Nexus", registry_view, obj.address))
    except TxRpcError:
        raise
    except (OGPUError, AttributeError, TypeError, ValueError):
        pass
    try:
        owner = obj._call("owner")
    except TxRpcError:
        raise
    except (OGPUError, AttributeError, TypeError, ValueError):
        return False
    return checksum(owner) == checksum(s.address_of("Nexus"))
