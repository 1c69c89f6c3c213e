"""Throwaway MySQL / MariaDB stores for tests and benchmarks: a database ``lucia_test_<random>``
of Lucia's tables (plus attribute columns) on a server named by URL (the test user may create
``lucia_%`` databases), the adapter over a pool of its own, raw access to the same tables for the
conformance suite, and the benchmarks' raw-driver floor.

    async with throwaway_store(url) as store:   # the database is dropped at the end
        auth = lucia(adapter=store.adapter)
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiomysql

from lucia_conformance.raw import RawDatabase, sql_database
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.database import DEFAULT_TABLES, Attribute, KeyRow, SessionRow
from lucia_core.expiration import now_ms

from .adapter import mysql_adapter
from .connection import connection_options, open_pool
from .schema import MYSQL, add_attributes, create_schema


async def execute_statements(options: Mapping[str, Any], statements: Sequence[str]) -> None:
    """Run each statement (no parameters) on an autocommit connection of its own."""
    connection = await aiomysql.connect(**options, autocommit=True)
    try:
        async with connection.cursor() as cursor:
            for statement in statements:
                await cursor.execute(statement)
    finally:
        connection.close()


async def create_database(server: Mapping[str, Any], name: str) -> None:
    """Create the empty database ``name`` (utf8mb4) on the server of ``server``'s options."""
    await execute_statements(
        server, [f"CREATE DATABASE {MYSQL.quote(name, 'database')} CHARACTER SET utf8mb4"]
    )


async def drop_database(server: Mapping[str, Any], name: str) -> None:
    """Drop the database ``name`` if it exists."""
    await execute_statements(server, [f"DROP DATABASE IF EXISTS {MYSQL.quote(name, 'database')}"])


def raw_database(options: Mapping[str, Any], tables: Mapping[str, str] = DEFAULT_TABLES) -> RawDatabase:
    """Raw access to ``tables`` through an autocommit connection opened per call (so it sees only
    committed rows, and works across server restarts)."""

    async def run(sql: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
        connection = await aiomysql.connect(**options, autocommit=True)
        try:
            async with connection.cursor(aiomysql.DictCursor) as cursor:
                await cursor.execute(sql, parameters)
                return list(await cursor.fetchall())
        finally:
            connection.close()

    return sql_database(MYSQL, tables, run)


@asynccontextmanager
async def throwaway_store(
    url: str,
    *,
    attributes: Iterable[Attribute] = SUITE_ATTRIBUTES,
    pool_size: int = 8,
    raw_per_call: bool = True,
    **pool_options: Any,
) -> AsyncIterator[ThrowawayStore]:
    """A database of its own with Lucia's tables and ``attributes``, dropped when the context
    ends; ``pool_options`` go to ``aiomysql.create_pool`` (which keeps ``autocommit=False``, the
    harder case for handing connections back clean). Raw access opens a connection per call
    whatever ``raw_per_call`` says (the other server backends' option, accepted here)."""
    server = {key: value for key, value in connection_options(url).items() if key != "db"}
    name = f"lucia_test_{secrets.token_hex(6)}"
    await create_database(server, name)
    database = {**server, "db": name}

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        async with open_pool(database, pool_size=pool_size, **pool_options) as pool:
            yield mysql_adapter(pool)

    try:
        async with open_pool(database, pool_size=pool_size, **pool_options) as pool:
            await create_schema(pool)
            await add_attributes(pool, attributes)
            raw, tables = raw_database(database), dict(DEFAULT_TABLES)
            yield ThrowawayStore("mysql", mysql_adapter(pool), raw, open_adapter, tables, pool, name)
    finally:
        await drop_database(server, name)


class Floor:
    """The benchmarks' floor: each operation written directly with aiomysql on an autocommit
    pool, plus bulk loading (executemany)."""

    def __init__(self, pool: aiomysql.Pool, tables: Mapping[str, str]) -> None:
        self.pool = pool
        self.tables = {role: MYSQL.quote_table(name) for role, name in tables.items()}
        session, user = self.tables["session"], self.tables["user"]
        self.validate_sql = (
            f"SELECT s.*, u.* FROM {session} s JOIN {user} u ON u.id = s.user_id WHERE s.id = %s"  # noqa: S608
        )
        self.renew_sql = f"UPDATE {session} SET active_expires = %s, idle_expires = %s WHERE id = %s"  # noqa: S608
        self.insert_sql = MYSQL.insert(session, ("id", "user_id", "active_expires", "idle_expires"))
        self.user_sql = f"SELECT * FROM {user} WHERE id = %s"  # noqa: S608
        self.delete_sql = f"DELETE FROM {session} WHERE id = %s"  # noqa: S608
        self.user_sessions_sql = (
            f"SELECT u.id, s.id, s.user_id, s.active_expires, s.idle_expires FROM {user} u"  # noqa: S608
            f" LEFT JOIN {session} s ON s.user_id = u.id WHERE u.id = %s"
        )

    async def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.executemany(sql, rows)

    async def _one(self, sql: str, parameters: Sequence[Any]) -> Any:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, parameters)
            return await cursor.fetchone()

    async def insert_users(self, ids: Sequence[str]) -> None:
        await self._many(MYSQL.insert(self.tables["user"], ("id",)), [(user_id,) for user_id in ids])

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        columns = ("id", "user_id", "active_expires", "idle_expires")
        await self._many(self.insert_sql, [tuple(row[column] for column in columns) for row in rows])

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        sql = MYSQL.insert(self.tables["key"], ("id", "user_id", "hashed_password"))
        await self._many(sql, [(row["id"], row["user_id"], row["hashed_password"]) for row in rows])

    async def analyze(self) -> None:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(f"ANALYZE TABLE {self.tables['user']}, {self.tables['session']}")
            await cursor.fetchall()

    async def drop(self) -> None:
        """Drop the tables (tokens, sessions and keys first: their foreign keys point at users)."""
        for role in ("token", "session", "key", "user"):
            if role in self.tables:
                await self._one(f"DROP TABLE IF EXISTS {self.tables[role]}", ())

    async def validate(self, session_id: str) -> bool:
        row = await self._one(self.validate_sql, (session_id,))
        return row is not None and bool(now_ms() < row[2])

    async def validate_idle(self, session_id: str, renewed: tuple[int, int]) -> bool:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(self.validate_sql, (session_id,))
            row = await cursor.fetchone()
            if row is None or now_ms() >= row[3]:
                return False
            await cursor.execute(self.renew_sql, (*renewed, session_id))
        return True

    async def create_session(self, session_id: str, user_id: str, expirations: tuple[int, int]) -> None:
        await asyncio.gather(
            self._one(self.user_sql, (user_id,)),
            self._one(self.insert_sql, (session_id, user_id, *expirations)),
        )

    async def invalidate_session(self, session_id: str) -> None:
        await self._one(self.delete_sql, (session_id,))

    async def get_user_sessions(self, user_id: str) -> int:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(self.user_sessions_sql, (user_id,))
            rows = await cursor.fetchall()
        now = now_ms()
        return sum(1 for row in rows if row[1] is not None and now < row[4])


class Server:
    """The benchmarks' connections to one server: one autocommit pool of ``size`` connections,
    shared by the library and the floor; a store is Lucia's tables under a name prefix."""

    def __init__(self, url: str, size: int) -> None:
        self.url, self.size = url, size
        self.pool: Any = None

    async def connect(self) -> None:
        options = connection_options(self.url)
        self.pool = await aiomysql.create_pool(
            **options, autocommit=True, minsize=self.size, maxsize=self.size
        )

    async def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            await self.pool.wait_closed()

    async def store(self, prefix: str) -> tuple[Any, Floor]:
        """New tables ``<prefix>_auth_user`` and so on: the adapter over them and their floor."""
        tables = {role: f"{prefix}_{name}" for role, name in DEFAULT_TABLES.items()}
        await create_schema(self.pool, tables=tables)
        return mysql_adapter(self.pool, tables=tables), Floor(self.pool, tables)

    async def version(self) -> str:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute("SELECT VERSION()")
            row = await cursor.fetchone()
        return str(row[0])
