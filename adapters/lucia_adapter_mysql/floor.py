"""The benchmarks' raw-driver floor on MySQL / MariaDB: :class:`Floor`, each operation written
directly with aiomysql (as few statements as Lucia's tables allow) plus bulk loading;
:class:`Server`, the benchmark's stores (Lucia's tables under a private prefix) on one autocommit
pool the library and the floor share; :data:`FLOOR`, the floor in words for the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import aiomysql

from lucia_core.database import DEFAULT_TABLES, KeyRow, SessionRow
from lucia_core.expiration import now_ms

from .adapter import mysql_adapter
from .connection import connection_options
from .schema import MYSQL, create_schema

#: What the floor is, per operation, in words (for the report).
FLOOR = {
    "validate": "one SELECT s.*, u.* ... JOIN ... WHERE s.id = %s on a pooled autocommit connection"
    " (acquire, cursor, execute, fetchone), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations (autocommit)",
    "create_session": "one INSERT (the foreign key checks the user) alongside one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE by primary key",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}
#: Connections per pool: the library and the floor share it; at concurrency 64 tasks queue for one.
POOL_SIZE = 16


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
    """The benchmarks' connections to one server: one autocommit pool of ``size`` connections
    (``charset="utf8mb4"``), shared by the library and the floor; a store is Lucia's tables under
    a name prefix."""

    #: The scale scenario stays at its small sizes here.
    large_scale = False

    def __init__(self, url: str, run: str, size: int = POOL_SIZE) -> None:
        self.url, self.run, self.size = url, run, size
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

    async def store(self, tag: str) -> tuple[Any, Floor]:
        """New tables ``lb<pid>_<tag>_auth_user`` and so on (``run`` shortened: MariaDB's names
        are at most 64 characters): the adapter over them and their floor."""
        prefix = f"{self.run.replace('lucia_bench_', 'lb')}_{tag}"
        tables = {role: f"{prefix}_{name}" for role, name in DEFAULT_TABLES.items()}
        await create_schema(self.pool, tables=tables)
        return mysql_adapter(self.pool, tables=tables), Floor(self.pool, tables)

    async def version(self) -> str:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute("SELECT VERSION()")
            row = await cursor.fetchone()
        return str(row[0])
