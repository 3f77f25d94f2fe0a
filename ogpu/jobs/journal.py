"""The durable journal of jobs: one SQLite file (stdlib ``sqlite3``, WAL), safe across crashes.

Every step that matters for money is written (and committed) *before* the step it guards:

* ``items``: one row per input, keyed by its idempotency key (``<job>/<index>`` in a job, the
  caller's key for a single ``publish_task(..., idempotency_key=...)``), with its final result;
* ``attempts``: one row per publish of an input — inserted as an *intent* before anything is
  signed, then carrying the task address once the receipt is seen, what was paid and refunded;
* ``txs``: every signed transaction of an attempt (raw bytes, hash, nonce, fields), written after
  signing and before the first broadcast, so a restarted process re-sends the same bytes instead
  of signing a second publish;
* ``responses``: what was seen of each response (content key, bid, verdict).

Commits use ``synchronous=NORMAL`` by default: a killed process loses nothing (the WAL is in the
OS page cache); ``synchronous="FULL"`` also survives a power cut.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ogpu.types.errors import JobError, JobNotFoundError

__all__ = ["Attempt", "Item", "Journal", "SignedTx", "default_journal_path"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    spec TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'running'
);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    job TEXT,
    idx INTEGER,
    input TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    result TEXT,
    error TEXT,
    updated REAL
);
CREATE INDEX IF NOT EXISTS items_job ON items(job, idx);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    n INTEGER NOT NULL,
    state TEXT NOT NULL,
    payment INTEGER NOT NULL,
    expiry INTEGER NOT NULL,
    task TEXT,
    paid INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER NOT NULL DEFAULT 0,
    attempted INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    published REAL,
    done REAL,
    note TEXT
);
CREATE INDEX IF NOT EXISTS attempts_key ON attempts(key, n);
CREATE TABLE IF NOT EXISTS txs (
    hash TEXT PRIMARY KEY,
    attempt INTEGER NOT NULL,
    sender TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    raw TEXT NOT NULL,
    fields TEXT NOT NULL,
    created REAL NOT NULL,
    mined INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS txs_attempt ON txs(attempt);
CREATE TABLE IF NOT EXISTS responses (
    response TEXT PRIMARY KEY,
    attempt INTEGER NOT NULL,
    provider TEXT NOT NULL,
    bid INTEGER NOT NULL,
    content TEXT,
    verdict TEXT NOT NULL
);
"""

#: attempt states that have not reached the chain's answer yet (a transaction may be in flight)
UNSETTLED = ("intent", "signed")
#: attempt states after which the input needs a new attempt (or has none left)
ENDED = ("dead", "reverted", "refunded")
#: item states that are final
FINAL_ITEM = ("done", "failed", "canceled")


def default_journal_path() -> Path:
    """``$OGPU_JOURNAL`` or ``~/.ogpu/jobs.sqlite3``."""
    env = os.environ.get("OGPU_JOURNAL")
    return Path(env).expanduser() if env else Path.home() / ".ogpu" / "jobs.sqlite3"


@dataclass(frozen=True)
class Item:
    """One input of a job (or one keyed single publish)."""

    key: str
    job: str | None
    idx: int | None
    input: Any
    state: str
    result: Any
    error: dict[str, Any] | None


@dataclass(frozen=True)
class Attempt:
    """One publish of an input."""

    id: int
    key: str
    n: int
    state: str
    payment: int
    expiry: int
    task: str | None
    paid: int
    refunded: int
    attempted: bool
    answered: bool
    created: float
    published: float | None
    done: float | None
    note: str | None


@dataclass(frozen=True)
class SignedTx:
    """A signed transaction of an attempt (the first, or a fee-bumped replacement)."""

    hash: str
    attempt: int
    sender: str
    nonce: int
    raw: str
    fields: dict[str, Any]
    created: float
    mined: bool


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True)


def _attempt(row: Sequence[Any]) -> Attempt:
    return Attempt(*row[:9], *map(bool, row[9:11]), *row[11:])


def _item(row: Sequence[Any]) -> Item:
    key, job, idx, data, state, result, error = row
    return Item(key, job, idx, json.loads(data), state, _load(result), _load(error))


_ATTEMPT_COLS = ", ".join(f.name for f in fields(Attempt))
_ITEM_COLS = ", ".join(f.name for f in fields(Item))
_TX_COLS = ", ".join(f.name for f in fields(SignedTx))


class Journal:
    """A journal file; thread-safe (one connection, one lock), usable from several processes
    (SQLite locking), each job driven by one process at a time (see :class:`ogpu.jobs.Job`).

    Amounts are wei, stored as SQLite integers (64-bit): a single payment above ~9.2 OGPU x 10^18
    wei is refused by :meth:`new_attempt`.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, synchronous: str = "NORMAL"):
        if synchronous not in ("NORMAL", "FULL"):
            raise ValueError("synchronous must be 'NORMAL' or 'FULL'")
        self.path = Path(path) if path is not None else default_journal_path()
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(self.path), isolation_level=None, check_same_thread=False, timeout=30.0
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA synchronous={synchronous}")
        self._db.execute("PRAGMA busy_timeout=30000")
        with self._lock:
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``), under the journal's lock."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ------------------------------------------------------------------ jobs

    def create_job(
        self, job_id: str, spec: dict[str, Any], inputs: Sequence[Any], keys: Sequence[str]
    ) -> None:
        """Insert a job and its inputs (one transaction; ``JobError`` if the id is taken)."""
        now = time.time()
        with self.tx() as db:
            if db.execute("SELECT 1 FROM jobs WHERE id=?", (job_id,)).fetchone():
                raise JobError(f"job {job_id} already exists in {self.path}")
            db.execute(
                "INSERT INTO jobs(id, created, spec) VALUES (?, ?, ?)",
                (job_id, now, json.dumps(spec, sort_keys=True)),
            )
            try:
                db.executemany(
                    "INSERT INTO items(key, job, idx, input, updated) VALUES (?, ?, ?, ?, ?)",
                    [
                        (k, job_id, i, json.dumps(x, sort_keys=True), now)
                        for i, (k, x) in enumerate(zip(keys, inputs, strict=True))
                    ],
                )
            except sqlite3.IntegrityError:
                raise JobError("an idempotency key of this job is already in the journal") from None

    def job(self, job_id: str) -> tuple[dict[str, Any], str, float]:
        """``(spec, state, created)`` of a job; ``JobError`` if unknown."""
        rows = self._rows("SELECT spec, state, created FROM jobs WHERE id=?", (job_id,))
        if not rows:
            raise JobNotFoundError(job_id, str(self.path))
        return json.loads(rows[0][0]), rows[0][1], rows[0][2]

    def jobs(self) -> list[tuple[str, str, float]]:
        """``(id, state, created)`` of every job, newest first."""
        return self._rows("SELECT id, state, created FROM jobs ORDER BY created DESC")

    def set_job_state(self, job_id: str, state: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE jobs SET state=? WHERE id=?", (state, job_id))

    # ------------------------------------------------------------------ items

    def ensure_item(self, key: str, data: Any) -> Item:
        """The item of ``key``, inserted with ``data`` if new (single keyed publishes)."""
        encoded = json.dumps(data, sort_keys=True)
        with self.tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO items(key, input, updated) VALUES (?, ?, ?)",
                (key, encoded, time.time()),
            )
        found = self.item(key)
        assert found is not None
        return found

    def item(self, key: str) -> Item | None:
        rows = self._rows(f"SELECT {_ITEM_COLS} FROM items WHERE key=?", (key,))
        return _item(rows[0]) if rows else None

    def items(self, job_id: str) -> list[Item]:
        rows = self._rows(f"SELECT {_ITEM_COLS} FROM items WHERE job=? ORDER BY idx", (job_id,))
        return [_item(r) for r in rows]

    def states(self, job_id: str) -> dict[str, str]:
        """``key → state`` of a job's inputs (cheap: nothing decoded)."""
        return dict(self._rows("SELECT key, state FROM items WHERE job=?", (job_id,)))

    def finish_item(
        self, key: str, state: str, *, result: Any = None, error: dict[str, Any] | None = None
    ) -> None:
        with self.tx() as db:
            db.execute(
                "UPDATE items SET state=?, result=?, error=?, updated=? WHERE key=?",
                (state, _dump(result), _dump(error), time.time(), key),
            )

    # ------------------------------------------------------------------ attempts

    def new_attempt(self, key: str, payment: int, expiry: int) -> Attempt:
        """Record the intent to publish ``key`` (before anything is signed)."""
        if not 0 <= payment < 1 << 63:
            raise ValueError("payment does not fit the journal (must be below 2**63 wei)")
        now = time.time()
        with self.tx() as db:
            (n,) = db.execute("SELECT COUNT(*) FROM attempts WHERE key=?", (key,)).fetchone()
            cur = db.execute(
                "INSERT INTO attempts(key, n, state, payment, expiry, created) "
                "VALUES (?, ?, 'intent', ?, ?, ?)",
                (key, n + 1, payment, expiry, now),
            )
            db.execute("UPDATE items SET state='running', updated=? WHERE key=?", (now, key))
            attempt_id = int(cur.lastrowid or 0)
        found = self.attempt(attempt_id)
        assert found is not None
        return found

    def attempt(self, attempt_id: int) -> Attempt | None:
        rows = self._rows(f"SELECT {_ATTEMPT_COLS} FROM attempts WHERE id=?", (attempt_id,))
        return _attempt(rows[0]) if rows else None

    def attempts(self, key: str) -> list[Attempt]:
        rows = self._rows(f"SELECT {_ATTEMPT_COLS} FROM attempts WHERE key=? ORDER BY n", (key,))
        return [_attempt(r) for r in rows]

    def job_attempts(self, job_id: str) -> list[Attempt]:
        rows = self._rows(
            f"SELECT {_ATTEMPT_COLS} FROM attempts WHERE key IN "
            "(SELECT key FROM items WHERE job=?) ORDER BY id",
            (job_id,),
        )
        return [_attempt(r) for r in rows]

    def committed(self, job_id: str) -> int:
        """Payments of a job's attempts not refunded, counting intents in flight (wei)."""
        rows = self._rows(
            "SELECT COALESCE(SUM(payment - refunded), 0) FROM attempts WHERE state NOT IN "
            "('dead', 'reverted') AND key IN (SELECT key FROM items WHERE job=?)",
            (job_id,),
        )
        return int(rows[0][0])

    def update_attempt(self, attempt_id: int, **fields: Any) -> None:
        allowed = {"state", "task", "paid", "refunded", "attempted", "answered", "note", "expiry"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown attempt fields: {sorted(unknown)}")
        now = time.time()
        if fields.get("task") is not None:
            fields["published"] = now
        if fields.get("state") in ("confirmed", "refunded", "dead", "reverted", "canceled"):
            fields["done"] = now
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.tx() as db:
            db.execute(f"UPDATE attempts SET {cols} WHERE id=?", (*fields.values(), attempt_id))

    # ------------------------------------------------------------------ transactions

    def record_signed(
        self, attempt_id: int, sender: str, fields: dict[str, Any], raw: str, tx_hash: str
    ) -> None:
        """Record a signed transaction before it is broadcast."""
        clean = {k: (v if isinstance(v, int | str) else str(v)) for k, v in fields.items()}
        with self.tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO txs(hash, attempt, sender, nonce, raw, fields, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    tx_hash,
                    attempt_id,
                    sender,
                    int(fields["nonce"]),
                    raw,
                    json.dumps(clean, sort_keys=True),
                    time.time(),
                ),
            )
            db.execute(
                "UPDATE attempts SET state='signed' WHERE id=? AND state='intent'", (attempt_id,)
            )

    def txs(self, attempt_id: int) -> list[SignedTx]:
        rows = self._rows(
            f"SELECT {_TX_COLS} FROM txs WHERE attempt=? ORDER BY created, rowid", (attempt_id,)
        )
        return [
            SignedTx(h, att, sender, nonce, raw, json.loads(tx), created, bool(mined))
            for h, att, sender, nonce, raw, tx, created, mined in rows
        ]

    def mark_mined(self, tx_hash: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE txs SET mined=1 WHERE hash=?", (tx_hash,))

    # ------------------------------------------------------------------ responses

    def record_response(
        self,
        response: str,
        attempt_id: int,
        provider: str,
        bid: int,
        content: str | None,
        verdict: str,
    ) -> None:
        with self.tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO responses(response, attempt, provider, bid, content, "
                "verdict) VALUES (?, ?, ?, ?, ?, ?)",
                (response, attempt_id, provider, bid, content, verdict),
            )

    def responses(self, attempt_id: int) -> list[tuple[str, str, int, str | None, str]]:
        """``(response, provider, bid, content key, verdict)`` seen for an attempt."""
        return self._rows(
            "SELECT response, provider, bid, content, verdict FROM responses WHERE attempt=?",
            (attempt_id,),
        )
