"""Pure data of the SDK: enums, the error hierarchy, receipts, struct mirrors and snapshots.

>>> from ogpu.types import TaskStatus, InsufficientBalanceError
>>> TaskStatus(5).name
'FINALIZED'
"""

from ogpu.types import errors as errors
from ogpu.types.enums import (
    DeliveryMethod,
    Environment,
    ResponseStatus,
    Role,
    SourceStatus,
    TaskStatus,
    combine_environments,
    environment_names,
    parse_environments,
)
from ogpu.types.errors import *  # noqa: F403
from ogpu.types.errors import __all__ as _errors_all
from ogpu.types.params import (
    MasterSnapshot,
    ProviderSnapshot,
    ResponseParams,
    ResponseSnapshot,
    SourceParams,
    SourceSnapshot,
    TaskParams,
    TaskSnapshot,
)
from ogpu.types.receipt import DryRunResult, PendingTx, Receipt

__all__ = [
    "DeliveryMethod",
    "DryRunResult",
    "Environment",
    "MasterSnapshot",
    "PendingTx",
    "ProviderSnapshot",
    "Receipt",
    "ResponseParams",
    "ResponseSnapshot",
    "ResponseStatus",
    "Role",
    "SourceParams",
    "SourceSnapshot",
    "SourceStatus",
    "TaskParams",
    "TaskSnapshot",
    "TaskStatus",
    "combine_environments",
    "environment_names",
    "parse_environments",
    *_errors_all,
]
