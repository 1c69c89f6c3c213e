"""The rows the benchmarks store: generated, deterministic, lucia-core's own row shapes.

Ids are derived from a label and a number with BLAKE2b, so that the i-th session id can be
recomputed instead of kept in memory (a million stored sessions need no million-string list) and
so that ids are spread over the whole key space like random ids are. Session ids are 40
characters and user ids 15, of ``[0-9a-f]`` (a subset of lucia-core's ``[a-z0-9]``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from lucia_core.database import SessionRow
from lucia_core.expiration import now_ms

DAY_MS = 24 * 60 * 60 * 1000
#: Lucia's default periods, as lucia-core stores them.
ACTIVE_PERIOD_MS = DAY_MS
IDLE_PERIOD_MS = 14 * DAY_MS


def session_id(label: str, number: int) -> str:
    """The ``number``-th session id of ``label``: 40 hex characters."""
    return hashlib.blake2b(f"s:{label}:{number}".encode(), digest_size=20).hexdigest()


def user_id(label: str, number: int) -> str:
    """The ``number``-th user id of ``label``: 15 hex characters."""
    return hashlib.blake2b(f"u:{label}:{number}".encode(), digest_size=8).hexdigest()[:15]


def active_expirations(at_ms: int | None = None) -> tuple[int, int]:
    """``(active_expires, idle_expires)`` of a session created now: active for a day."""
    now = now_ms() if at_ms is None else at_ms
    return now + ACTIVE_PERIOD_MS, now + ACTIVE_PERIOD_MS + IDLE_PERIOD_MS


def idle_expirations(at_ms: int | None = None) -> tuple[int, int]:
    """Expirations of a session that went idle a minute ago (validating it renews it)."""
    now = now_ms() if at_ms is None else at_ms
    return now - 60_000, now - 60_000 + IDLE_PERIOD_MS


def sessions(
    label: str, count: int, *, users: int, idle: bool = False, start: int = 0
) -> Iterator[SessionRow]:
    """Sessions ``start`` .. ``start + count - 1`` of ``label``; session i belongs to user ``i % users``."""
    active, idle_expires = idle_expirations() if idle else active_expirations()
    for number in range(start, start + count):
        yield {
            "id": session_id(label, number),
            "user_id": user_id(label, number % users),
            "active_expires": active,
            "idle_expires": idle_expires,
        }


def chunks(rows: Iterator[SessionRow], size: int) -> Iterator[list[SessionRow]]:
    """``rows`` in lists of at most ``size``."""
    batch: list[SessionRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
