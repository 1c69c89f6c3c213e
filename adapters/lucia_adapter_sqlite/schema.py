"""The SQLite schema: the one source of ``schemas/sqlite.sql``, and applying it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

import aiosqlite

from lucia_core.database import DEFAULT_TABLES, Attribute, resolve_names
from lucia_core.sql import Dialect

#: How SQLite spells names (double quotes; no ``schema.table``) and parameters.
SQLITE = Dialect("SQLite", '"', "qmark")

HEADER = """\
-- Lucia v2's tables for SQLite, with the default names used by lucia_adapter_sqlite.
-- Idempotent: safe to run on every start. Add user and session attribute columns as you need.
-- user_token holds one-time tokens and codes (Auth.create_token / create_code): its id is the
-- SHA-256 hex of the secret, never the secret; expires is unix epoch milliseconds.
-- The adapter turns foreign keys on (PRAGMA foreign_keys = ON) on its connection.
-- Generated from lucia_adapter_sqlite/schema.py (lucia-core schema sqlite).

"""

TABLES = """\
CREATE TABLE IF NOT EXISTS {user} (
    id TEXT NOT NULL PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS {key} (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    hashed_password TEXT NULL
);

CREATE TABLE IF NOT EXISTS {session} (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    active_expires INTEGER NOT NULL,
    idle_expires INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS {token} (
    id TEXT NOT NULL PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    purpose TEXT NOT NULL,
    expires INTEGER NOT NULL
);

CREATE INDEX IF NOT EXISTS {key_index} ON {key} (user_id);

CREATE INDEX IF NOT EXISTS {session_index} ON {session} (user_id);

CREATE INDEX IF NOT EXISTS {token_index} ON {token} (user_id);
"""


def schema_sql(*, tables: Mapping[str, str] | None = None) -> str:
    """The idempotent DDL of Lucia v2's three tables, the token table and their ``user_id`` indexes; with the
    default ``tables`` exactly ``schemas/sqlite.sql``."""
    names = resolve_names("tables", tables, DEFAULT_TABLES, kind="table")
    quoted = {role: SQLITE.quote_table(name) for role, name in names.items()}
    indexes = {
        f"{role}_index": SQLITE.quote(f"{names[role]}_user_id", "index")
        for role in ("key", "session", "token")
    }
    return HEADER + TABLES.format(**quoted, **indexes)


async def create_schema(connection: aiosqlite.Connection, *, tables: Mapping[str, str] | None = None) -> None:
    """Create Lucia's tables and indexes if they do not exist yet, and commit. Idempotent."""
    await connection.executescript(schema_sql(tables=tables))
    await connection.commit()


_TYPES = {"text": "TEXT", "long_text": "TEXT", "integer": "INTEGER"}


async def add_attributes(
    connection: aiosqlite.Connection,
    attributes: Iterable[Attribute],
    *,
    tables: Mapping[str, str] | None = None,
) -> None:
    """Add the attribute columns (and unique indexes) that are missing, and commit; idempotent."""
    names = resolve_names("tables", tables, DEFAULT_TABLES, kind="table")
    for attribute in attributes:
        table, column = SQLITE.quote_table(names[attribute.table]), SQLITE.quote(attribute.name)
        existing = {row[1] for row in await connection.execute_fetchall(f"PRAGMA table_info({table})")}
        if attribute.name not in existing:
            await connection.execute(f"ALTER TABLE {table} ADD COLUMN {column} {_TYPES[attribute.type]}")
        if attribute.unique:
            index = SQLITE.quote(attribute.index_name, "index")
            await connection.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ({column})")
    await connection.commit()


def sqlite_path(url: str) -> Path:
    """The file of ``sqlite:///relative.db`` or ``sqlite:////absolute.db``; ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or not parts.path.startswith("/") or len(parts.path) < 2:
        raise ValueError("an SQLite URL looks like sqlite:///relative.db or sqlite:////absolute/path.db")
    return Path(unquote(parts.path[1:]))


async def apply_schema(url: str) -> None:
    """Open the database file named by ``url`` (see :func:`sqlite_path`) and create Lucia's tables
    if missing (idempotent)."""
    async with aiosqlite.connect(sqlite_path(url)) as connection:
        await create_schema(connection)


#: What ``schemas/`` holds for this backend (the defaults).
schema_text = schema_sql
