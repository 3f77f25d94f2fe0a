"""The ``ogpu.service`` logger, with the official SDK's task-outcome levels.

>>> logger.task_success("task 0xabc done")  # level TASK_SUCCESS (25)
"""

from __future__ import annotations

import logging
from typing import Any

__all__ = ["TASK_FAIL", "TASK_SUCCESS", "TASK_TIMEOUT", "ServiceLogger", "logger"]

TASK_SUCCESS = 25
TASK_TIMEOUT = 35
TASK_FAIL = 45

logging.addLevelName(TASK_SUCCESS, "TASK_SUCCESS")
logging.addLevelName(TASK_TIMEOUT, "TASK_TIMEOUT")
logging.addLevelName(TASK_FAIL, "TASK_FAIL")

_base = logging.getLogger("ogpu.service")
if not _base.handlers:
    _base.addHandler(logging.NullHandler())


class ServiceLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """A ``logging`` adapter over ``ogpu.service`` adding ``task_success``/``task_fail``/``task_timeout``."""

    def task_success(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Log a finished task (level 25)."""
        self.log(TASK_SUCCESS, msg, *args, **kwargs)

    def task_timeout(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Log a task whose handler timed out (level 35)."""
        self.log(TASK_TIMEOUT, msg, *args, **kwargs)

    def task_fail(self, msg: str, *args: Any, **kwargs: Any) -> None:
        """Log a task whose handler failed (level 45)."""
        self.log(TASK_FAIL, msg, *args, **kwargs)


logger = ServiceLogger(_base, {})
