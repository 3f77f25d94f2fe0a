"""How a MANUAL_CONFIRMATION task's answer is chosen among its responses."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Policy"]

_SPEC = re.compile(r"^(first|cheapest|quorum)(?::([0-9]{1,3}))?$")


@dataclass(frozen=True)
class Policy:
    """``first``: the first valid response; ``cheapest``: the lowest bid among the first ``k``
    valid responses (or those seen ``window`` seconds after the first valid one); ``quorum``:
    ``k`` valid responses with identical content (by the CID of their canonical JSON), then the
    cheapest of them. A response is *valid* when its data names a CID, the fetched bytes match it
    and the job's validator (if any) accepts the document.

    >>> Policy.parse("quorum:2")
    Policy(kind='quorum', k=2, window=10.0)
    """

    kind: str = "first"
    k: int = 1
    window: float = 10.0

    def __post_init__(self) -> None:
        if self.kind not in ("first", "cheapest", "quorum"):
            raise ValueError(f"unknown policy {self.kind!r}: use first, cheapest or quorum")
        if not 1 <= self.k <= 100:
            raise ValueError("the policy's k must be between 1 and 100")
        if not 0 <= self.window <= 86_400:
            raise ValueError("the policy's window must be between 0 and 86400 seconds")

    @classmethod
    def parse(cls, spec: str | Policy | None) -> Policy:
        """``"first"``, ``"cheapest"``, ``"cheapest:3"``, ``"quorum:2"`` (or a Policy)."""
        if spec is None:
            return cls()
        if isinstance(spec, Policy):
            return spec
        m = _SPEC.match(str(spec).strip().lower())
        if m is None:
            raise ValueError(f"policy {spec!r}: expected first, cheapest[:k] or quorum:k")
        kind, k = m.group(1), m.group(2)
        if kind == "quorum" and k is None:
            raise ValueError("quorum needs a size: quorum:k (e.g. quorum:2)")
        default = 2 if kind == "cheapest" else 1
        return cls(kind, int(k) if k else default)

    def __str__(self) -> str:
        return self.kind if self.kind == "first" else f"{self.kind}:{self.k}"
