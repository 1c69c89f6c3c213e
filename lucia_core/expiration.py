"""Time in Lucia's unit: unix epoch milliseconds."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now_ms() -> int:
    """The current unix time in whole milliseconds."""
    return time.time_ns() // 1_000_000


def is_within_expiration(expires_in_ms: int) -> bool:
    """True while the current time is strictly before ``expires_in_ms`` (unix epoch milliseconds)."""
    return now_ms() < expires_in_ms


def ms_to_datetime(ms: int) -> datetime:
    """A timezone-aware UTC datetime for unix epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
