"""Throwaway PostgreSQL stores for tests and benchmarks: a schema ``lucia_test_<random>`` of Lucia's
tables (plus attribute columns) on a server named by URL, the adapter over a pool of its own, raw
access to the same tables for the conformance suite, and the benchmarks' raw-driver floor.

    async with throwaway_store(url) as store:   # the schema is dropped at the end
        auth = lucia(adapter=store.adapter)
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from lucia_conformance.raw import RawDatabase, sql_database
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.database import DEFAULT_TABLES, Attribute, KeyRow, SessionRow
from lucia_core.expiration import now_ms

from .adapter import postgres_adapter
from .schema import POSTGRES, add_attributes, create_schema

#: What a deployment's stores need: asyncpg's statement cache off behind PgBouncer's transaction
#: pooling (see the README).
DEPLOYMENT_OPTIONS: dict[str, dict[str, Any]] = {"pgbouncer": {"statement_cache_size": 0}}


def store_tables(label: str) -> dict[str, str]:
    """Lucia's default table names in the schema ``label``."""
    return {role: f"{label}.{name}" for role, name in DEFAULT_TABLES.items()}


async def create_store(
    executor: Any, label: str, attributes: Iterable[Attribute] = SUITE_ATTRIBUTES
) -> dict[str, str]:
    """Create the schema ``label`` with Lucia's tables and the attribute columns; the tables."""
    tables = store_tables(label)
    await executor.execute(f"CREATE SCHEMA {POSTGRES.quote(label, 'schema')}")
    await create_schema(executor, tables=tables)
    await add_attributes(executor, attributes, tables=tables)
    return tables


async def drop_store(executor: Any, tables: Mapping[str, str]) -> None:
    """Drop the schema of ``tables`` and everything in it."""
    schema = tables["user"].split(".", 1)[0]
    await executor.execute(f"DROP SCHEMA IF EXISTS {POSTGRES.quote(schema, 'schema')} CASCADE")


def raw_database(url: str, tables: Mapping[str, str], pool: asyncpg.Pool | None = None) -> RawDatabase:
    """Raw access to ``tables``: through ``pool``, or a connection opened per call (which works
    across server restarts)."""

    async def run(sql: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
        # No statement cache on a connection of one call (the URL may be PgBouncer's).
        executor = pool if pool is not None else await asyncpg.connect(url, statement_cache_size=0)
        try:
            return [dict(record.items()) for record in await executor.fetch(sql, *parameters)]
        finally:
            if pool is None:
                await executor.close()

    return sql_database(POSTGRES, tables, run)


@asynccontextmanager
async def throwaway_store(
    url: str,
    *,
    attributes: Iterable[Attribute] = SUITE_ATTRIBUTES,
    pool_size: int = 8,
    raw_per_call: bool = False,
    **pool_options: Any,
) -> AsyncIterator[ThrowawayStore]:
    """A schema of its own with Lucia's tables and ``attributes``, dropped when the context ends.

    ``raw_per_call`` makes raw access open a connection per call; ``pool_options`` go to
    ``asyncpg.create_pool`` for the adapter's pools.
    """
    label = f"lucia_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(url)
    try:
        tables = await create_store(admin, label, attributes)
    finally:
        await admin.close()

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        options = {"min_size": 1, "max_size": pool_size, **pool_options}
        async with asyncpg.create_pool(url, **options) as pool:
            yield postgres_adapter(pool, tables=tables)

    try:
        async with asyncpg.create_pool(url, min_size=1, max_size=pool_size, **pool_options) as pool:
            raw = raw_database(url, tables, None if raw_per_call else pool)
            adapter = postgres_adapter(pool, tables=tables)
            yield ThrowawayStore("postgres", adapter, raw, open_adapter, tables, pool, label)
    finally:
        admin = await asyncpg.connect(url)  # a new one: the server may have restarted meanwhile
        try:
            await drop_store(admin, tables)
        finally:
            await admin.close()


class Floor:
    """The benchmarks' floor: each operation written directly with asyncpg, in as few statements
    as Lucia's tables allow, plus bulk loading (COPY)."""

    def __init__(self, pool: asyncpg.Pool, tables: Mapping[str, str]) -> None:
        self.pool = pool
        self.schema = tables["user"].split(".", 1)[0]
        user, session = POSTGRES.quote_table(tables["user"]), POSTGRES.quote_table(tables["session"])
        self.validate_sql = (
            f"SELECT s.*, u.* FROM {session} s JOIN {user} u ON u.id = s.user_id WHERE s.id = $1"  # noqa: S608
        )
        self.renew_sql = f"UPDATE {session} SET active_expires = $1, idle_expires = $2 WHERE id = $3"  # noqa: S608
        self.insert_sql = POSTGRES.insert(session, ("id", "user_id", "active_expires", "idle_expires"))
        self.user_sql = f"SELECT * FROM {user} WHERE id = $1"  # noqa: S608
        self.delete_sql = f"DELETE FROM {session} WHERE id = $1"  # noqa: S608
        self.user_sessions_sql = (
            f"SELECT u.id AS lucia_user_id, s.* FROM {user} u LEFT JOIN {session} s ON s.user_id = u.id"  # noqa: S608
            " WHERE u.id = $1"
        )

    async def _copy(self, table: str, columns: list[str], records: list[tuple[Any, ...]]) -> None:
        async with self.pool.acquire() as connection:
            await connection.copy_records_to_table(
                table, records=records, columns=columns, schema_name=self.schema
            )

    async def insert_users(self, ids: Sequence[str]) -> None:
        await self._copy("auth_user", ["id"], [(user_id,) for user_id in ids])

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        columns = ["id", "user_id", "active_expires", "idle_expires"]
        await self._copy("user_session", columns, [tuple(row[c] for c in columns) for row in rows])

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        columns = ["id", "user_id", "hashed_password"]
        await self._copy(
            "user_key", columns, [(row["id"], row["user_id"], row["hashed_password"]) for row in rows]
        )

    async def analyze(self) -> None:
        for table in DEFAULT_TABLES.values():
            await self.pool.execute(f"ANALYZE {POSTGRES.quote(self.schema)}.{POSTGRES.quote(table)}")

    async def validate(self, session_id: str) -> bool:
        row = await self.pool.fetchrow(self.validate_sql, session_id)
        return row is not None and now_ms() < row["active_expires"]

    async def validate_idle(self, session_id: str, renewed: tuple[int, int]) -> bool:
        row = await self.pool.fetchrow(self.validate_sql, session_id)
        if row is None or now_ms() >= row["idle_expires"]:
            return False
        await self.pool.execute(self.renew_sql, *renewed, session_id)
        return True

    async def create_session(self, session_id: str, user_id: str, expirations: tuple[int, int]) -> None:
        await asyncio.gather(
            self.pool.fetchrow(self.user_sql, user_id),
            self.pool.execute(self.insert_sql, session_id, user_id, *expirations),
        )

    async def invalidate_session(self, session_id: str) -> None:
        await self.pool.execute(self.delete_sql, session_id)

    async def get_user_sessions(self, user_id: str) -> int:
        rows = await self.pool.fetch(self.user_sessions_sql, user_id)
        now = now_ms()
        return sum(1 for row in rows if row["id"] is not None and now < row["idle_expires"])

    async def fetch_user(self, user_id: str) -> Any:
        """The user row, as the Redis floor reads it alongside its sessions."""
        return await self.pool.fetchrow(self.user_sql, user_id)

    async def drop(self) -> None:
        """Drop the store's schema."""
        await drop_store(self.pool, store_tables(self.schema))


class Server:
    """The benchmarks' connections to one server: one pool of ``size`` connections, shared by
    the library and the floor, and the stores made on it (``store(label)``)."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size = url, size
        self.pool: Any = None

    async def connect(self) -> None:
        self.pool = await asyncpg.create_pool(self.url, min_size=self.size, max_size=self.size)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def store(self, label: str) -> tuple[Any, Floor]:
        """A new schema ``label`` with Lucia's tables: the adapter over it and its floor."""
        tables = await create_store(self.pool, label, ())
        return postgres_adapter(self.pool, tables=tables), Floor(self.pool, tables)

    async def version(self) -> str:
        return str(await self.pool.fetchval("SHOW server_version"))
