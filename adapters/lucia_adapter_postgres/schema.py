"""The PostgreSQL schema: the one source of ``schemas/postgres.sql``, and applying it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager

import asyncpg

from lucia_core.database import DEFAULT_TABLES, Attribute, resolve_names
from lucia_core.sql import MAX_IDENTIFIER, Dialect

#: How PostgreSQL spells names (double quotes, ``schema.table`` allowed) and parameters.
POSTGRES = Dialect("PostgreSQL", '"', "numeric", qualified=True)

HEADER = """\
-- Lucia v2's tables for PostgreSQL, with the default names used by lucia_adapter_postgres.
-- Idempotent: safe to run on every start. Add user and session attribute columns as you need.
-- lucia_adapter_postgres.create_schema(pool, tables=...) runs these statements, with your table
-- names substituted; expirations are unix epoch milliseconds (BIGINT). user_token holds one-time
-- tokens and codes: its id is the SHA-256 hex of the secret, never the secret.
-- Generated from lucia_adapter_postgres/schema.py (lucia-core schema postgres).

"""

TABLES = """\
CREATE TABLE IF NOT EXISTS {user} (
    id TEXT PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS {key} (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    hashed_password TEXT
);

CREATE TABLE IF NOT EXISTS {session} (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    active_expires BIGINT NOT NULL,
    idle_expires BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS {token} (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    purpose TEXT NOT NULL,
    expires BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS {key_index} ON {key} (user_id);

CREATE INDEX IF NOT EXISTS {session_index} ON {session} (user_id);

CREATE INDEX IF NOT EXISTS {token_index} ON {token} (user_id);
"""

_INDEX_SUFFIX = "_user_id_idx"


def _index(table: str) -> str:
    base = table.rsplit(".", 1)[-1]
    return POSTGRES.quote(f"{base[: MAX_IDENTIFIER - len(_INDEX_SUFFIX)]}{_INDEX_SUFFIX}", "index")


def schema_sql(*, tables: Mapping[str, str] | None = None) -> str:
    """The idempotent DDL of Lucia v2's three tables, the token table and their ``user_id`` indexes.

    ``tables`` renames tables as in :func:`~lucia_adapter_postgres.postgres_adapter`; with the
    defaults this is exactly ``schemas/postgres.sql``. Schemas named in qualified table names must
    already exist.
    """
    names = resolve_names("tables", tables, DEFAULT_TABLES, kind="table")
    quoted = {role: POSTGRES.quote_table(name) for role, name in names.items()}
    indexes = {f"{role}_index": _index(names[role]) for role in ("key", "session", "token")}
    ddl = TABLES.format(**quoted, **indexes)
    return HEADER + ddl


async def create_schema(
    executor: asyncpg.Pool | asyncpg.Connection, *, tables: Mapping[str, str] | None = None
) -> None:
    """Create Lucia's tables and indexes (see :func:`schema_sql`) if they do not exist yet.

    ``executor`` is an asyncpg pool or connection. Idempotent: safe to run on every start.
    """
    await executor.execute(schema_sql(tables=tables))


_TYPES = {"text": "TEXT", "long_text": "TEXT", "integer": "BIGINT"}


async def add_attributes(
    executor: asyncpg.Pool | asyncpg.Connection,
    attributes: Iterable[Attribute],
    *,
    tables: Mapping[str, str] | None = None,
) -> None:
    """Add the attribute columns (and unique indexes) that are missing; idempotent, and safe for
    two processes starting at once (they take turns on an advisory lock)."""
    names = resolve_names("tables", tables, DEFAULT_TABLES, kind="table")
    async with _connection(executor) as connection, connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('lucia_add_attributes'))")
        for attribute in attributes:
            table, column = POSTGRES.quote_table(names[attribute.table]), POSTGRES.quote(attribute.name)
            await connection.execute(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {_TYPES[attribute.type]}"
            )
            if attribute.unique:
                index = POSTGRES.quote(attribute.index_name, "index")
                await connection.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ({column})")


@asynccontextmanager
async def _connection(executor: asyncpg.Pool | asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    if isinstance(executor, asyncpg.Pool):
        async with executor.acquire() as connection:
            yield connection
    else:
        yield executor


async def apply_schema(url: str) -> None:
    """Connect to ``postgresql://...`` and create Lucia's tables if missing (idempotent)."""
    connection = await asyncpg.connect(url)
    try:
        await create_schema(connection)
    finally:
        await connection.close()


#: What ``schemas/`` holds for this backend (the defaults).
schema_text = schema_sql
