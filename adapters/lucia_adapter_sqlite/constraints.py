"""Which constraint an SQLite integrity error is about, from its error name (Python >= 3.11) or,
on 3.10, its message."""

from __future__ import annotations

import sqlite3


def is_unique_violation(error: BaseException) -> bool:
    """Whether a driver error is the database refusing a duplicate value of a unique index."""
    code = getattr(error, "sqlite_errorname", "")
    return isinstance(error, sqlite3.IntegrityError) and (
        code in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY")
        or str(error).startswith("UNIQUE constraint failed")
    )


def _violation(error: sqlite3.IntegrityError, table: str) -> str | None:
    """Which constraint of ``table`` an INSERT into it broke: "id", "foreign key" or None (other).

    ``sqlite_errorname`` exists from Python 3.11; the message is the fallback for 3.10.
    """
    name = getattr(error, "sqlite_errorname", "")
    message = str(error)
    if name == "SQLITE_CONSTRAINT_FOREIGNKEY" or message == "FOREIGN KEY constraint failed":
        return "foreign key"
    if name == "SQLITE_CONSTRAINT_PRIMARYKEY" or message.lower() == (
        f"unique constraint failed: {table}.id".lower()
    ):
        return "id"
    return None


__all__ = ["_violation", "is_unique_violation"]
