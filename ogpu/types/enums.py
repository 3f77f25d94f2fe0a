"""Protocol enums (uint8 on-chain) and the hardware environment bitmask.

>>> combine_environments(Environment.CPU, Environment.NVIDIA)
3
>>> environment_names(5)
['CPU', 'AMD']
"""

from __future__ import annotations

from enum import Enum, IntEnum, IntFlag

__all__ = [
    "DeliveryMethod",
    "Environment",
    "ResponseStatus",
    "Role",
    "SourceStatus",
    "TaskStatus",
    "combine_environments",
    "environment_names",
    "parse_environments",
]


class TaskStatus(IntEnum):
    """Task lifecycle (docs/protocol.md, "The task state machine")."""

    NEW = 0
    ATTEMPTED = 1
    RESPONDED = 2
    CANCELED = 3
    EXPIRED = 4
    FINALIZED = 5


SourceStatus = IntEnum("SourceStatus", "ACTIVE INACTIVE", start=0)
SourceStatus.__doc__ = "Source lifecycle."
ResponseStatus = IntEnum("ResponseStatus", "SUBMITTED CONFIRMED", start=0)
ResponseStatus.__doc__ = "Response lifecycle."
DeliveryMethod = IntEnum("DeliveryMethod", "MANUAL_CONFIRMATION FIRST_RESPONSE", start=0)
DeliveryMethod.__doc__ = "How a task's winning response is chosen."


class Environment(IntFlag):
    """Hardware environments a source image supports (bit flags)."""

    CPU = 1
    NVIDIA = 2
    AMD = 4


_ENV_ORDER = (Environment.CPU, Environment.NVIDIA, Environment.AMD)


class Role(Enum):
    """Who signs: selects the ``<ROLE>_PRIVATE_KEY`` environment variable."""

    CLIENT = "client"
    PROVIDER = "provider"
    MASTER = "master"
    AGENT = "agent"

    @property
    def env_var(self) -> str:
        """The environment variable holding this role's key, e.g. ``CLIENT_PRIVATE_KEY``."""
        return f"{self.value.upper()}_PRIVATE_KEY"


def combine_environments(*environments: Environment | int) -> int:
    """Bitwise OR of environment flags.

    >>> combine_environments(Environment.CPU, Environment.AMD)
    5
    """
    mask = 0
    for env in environments:
        mask |= int(env)
    return mask


def parse_environments(mask: int) -> list[Environment]:
    """The flags present in ``mask`` in CPU, NVIDIA, AMD order (unknown bits are ignored)."""
    return [env for env in _ENV_ORDER if int(mask) & env.value]


def environment_names(mask: int) -> list[str]:
    """Names of the flags present in ``mask``.

    >>> environment_names(3)
    ['CPU', 'NVIDIA']
    """
    return [str(env.name) for env in parse_environments(mask)]
