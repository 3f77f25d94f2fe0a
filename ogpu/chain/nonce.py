"""Local, thread-safe nonce management and the official SDK's nonce recovery helpers.

One :class:`NonceManager` per session hands out nonces per address without a round trip, so many
writes from one key can be in flight at once. The first nonce comes from
``eth_getTransactionCount(address, "pending")``; a "nonce too low" rejection resyncs with the chain.

>>> from ogpu.chain.nonce import NonceManager
>>> nm = NonceManager(lambda address: 7)
>>> nm.reserve("0xA"), nm.reserve("0xA")
(7, 8)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

__all__ = [
    "NonceManager",
    "clear_all_nonce_caches",
    "fix_nonce",
    "get_nonce_info",
    "reset_nonce_cache",
]


class NonceManager:
    """Hands out nonces per address; ``fetch(address)`` returns the chain's pending count."""

    def __init__(self, fetch: Callable[[str], int]) -> None:
        self._fetch = fetch
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._next: dict[str, int] = {}

    def _lock(self, address: str) -> threading.Lock:
        key = address.lower()
        with self._guard:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    def reserve(self, address: str) -> int:
        """Atomically take the next nonce for ``address``."""
        key = address.lower()
        with self._lock(key):
            nonce = self._next.get(key)
            if nonce is None:
                nonce = self._fetch(address)
            self._next[key] = nonce + 1
            return nonce

    def observe(self, address: str, chain_pending: int, *, seed: bool = False) -> None:
        """Note the chain's pending count: if another party used the key, skip past its nonces.

        With ``seed`` the count also becomes the next nonce when none is cached (saves the
        request :meth:`reserve` would otherwise make).
        """
        key = address.lower()
        with self._lock(key):
            cached = self._next.get(key)
            if (cached is None and seed) or (cached is not None and chain_pending > cached):
                self._next[key] = chain_pending

    def release(self, address: str, nonce: int) -> None:
        """Give back a nonce that was never broadcast (the node rejected the transaction)."""
        key = address.lower()
        with self._lock(key):
            if self._next.get(key) == nonce + 1:
                self._next[key] = nonce
            else:  # later nonces are out: let the chain tell us the next one
                self._next.pop(key, None)

    def resync(self, address: str) -> int:
        """After "nonce too low": move past the chain's pending count; returns the new next."""
        key = address.lower()
        with self._lock(key):
            chain = self._fetch(address)
            nxt = max(chain, self._next.get(key, chain))
            self._next[key] = nxt
            return nxt

    def get_nonce(self, address: str, force_refresh: bool = False) -> int:
        """Non-reserving read: ``max(cache, chain pending count)``."""
        key = address.lower()
        chain = self._fetch(address)
        with self._lock(key):
            cached = self._next.get(key)
            if force_refresh or cached is None:
                return chain
            return max(cached, chain)

    def get_cached_nonce(self, address: str) -> int | None:
        """The next nonce this manager would hand out, or ``None`` if not cached."""
        return self._next.get(address.lower())

    def reset(self, address: str) -> None:
        """Forget the cached nonce of one address."""
        key = address.lower()
        with self._lock(key):
            self._next.pop(key, None)

    def clear_all(self) -> None:
        """Forget every cached nonce."""
        with self._guard:
            self._next.clear()


# ---------------------------------------------------------------------------------------------
# Official SDK helpers, operating on the default session.


def _address(address: str | None, private_key: str | None) -> tuple[str, Any]:
    from ogpu.chain.signers import resolve_signer
    from ogpu.types.enums import Role

    if address is not None and private_key is None:
        return address, None
    try:
        signer = resolve_signer(private_key, Role.CLIENT)
    except Exception:
        raise ValueError("pass address= or private_key= (or set CLIENT_PRIVATE_KEY)") from None
    return address or signer.address, signer


def reset_nonce_cache(address: str | None = None, private_key: str | None = None) -> None:
    """Drop the default session's cached nonce for one address."""
    from ogpu.chain.session import get_session

    addr, _ = _address(address, private_key)
    get_session().nonces.reset(addr)


def clear_all_nonce_caches() -> None:
    """Drop all cached nonces of the default session."""
    from ogpu.chain.session import get_session

    get_session().nonces.clear_all()


def get_nonce_info(address: str | None = None, private_key: str | None = None) -> dict[str, Any]:
    """Nonce state: ``address, mined_nonce, pending_nonce, cached_nonce, has_pending, pending_count``."""
    from ogpu.chain.session import get_session

    addr, _ = _address(address, private_key)
    s = get_session()
    mined = int(s.rpc("eth_getTransactionCount", [addr, "latest"]), 16)
    pending = int(s.rpc("eth_getTransactionCount", [addr, "pending"]), 16)
    return {
        "address": addr,
        "mined_nonce": mined,
        "pending_nonce": pending,
        "cached_nonce": s.nonces.get_cached_nonce(addr),
        "has_pending": pending > mined,
        "pending_count": pending - mined,
    }


def fix_nonce(address: str | None = None, private_key: str | None = None) -> int:
    """Replace every stuck pending transaction with a 0-value self-transfer; return the next nonce.

    Needs the key (``private_key`` or ``CLIENT_PRIVATE_KEY``).
    """
    from ogpu.chain.session import get_session

    addr, signer = _address(None if private_key is None else address, private_key)
    if signer is None:
        raise ValueError("fix_nonce needs private_key= (or CLIENT_PRIVATE_KEY)")
    s = get_session()
    info = get_nonce_info(addr)
    for nonce in range(info["mined_nonce"], info["pending_nonce"]):
        s.replace_nonce(signer, nonce)
    s.nonces.reset(addr)
    return int(s.rpc("eth_getTransactionCount", [addr, "pending"]), 16)
