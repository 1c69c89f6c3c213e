"""MariaDB (aiomysql): stores are Lucia's tables under a private prefix, one autocommit pool."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql

from lucia_adapter_mysql import create_schema, mysql_adapter
from lucia_core import KeyRow, SessionRow, lucia
from lucia_core.expiration import now_ms

from .backend import Backend, Store, flatten, run_label
from .data import active_expirations

#: Connections per pool: the library and the floor share it; at concurrency 64 tasks queue for one.
POOL_SIZE = 16

FLOOR = {
    "validate": "one SELECT s.*, u.* ... JOIN ... WHERE s.id = %s on a pooled autocommit connection"
    " (acquire, cursor, execute, fetchone), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations (autocommit)",
    "create_session": "one INSERT (the foreign key checks the user) alongside one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE by primary key",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}


class MySQLStore(Store):
    """Tables ``<prefix>_auth_user``, ``<prefix>_user_key``, ``<prefix>_user_session``."""

    def __init__(self, pool: aiomysql.Pool, prefix: str) -> None:
        self.pool = pool
        self.tables = {
            "user": f"{prefix}_auth_user",
            "key": f"{prefix}_user_key",
            "session": f"{prefix}_user_session",
        }
        self.auth = lucia(adapter=mysql_adapter(pool, tables=self.tables), env="PROD")
        session, user = f"`{self.tables['session']}`", f"`{self.tables['user']}`"
        self._validate = f"SELECT s.*, u.* FROM {session} s JOIN {user} u ON u.id = s.user_id WHERE s.id = %s"  # noqa: S608 - the run's own table names
        self._renew = f"UPDATE {session} SET active_expires = %s, idle_expires = %s WHERE id = %s"  # noqa: S608 - the run's own table names
        self._insert = (
            f"INSERT INTO {session} (id, user_id, active_expires, idle_expires) VALUES (%s, %s, %s, %s)"  # noqa: S608 - the run's own table names
        )
        self._user = f"SELECT * FROM {user} WHERE id = %s"  # noqa: S608 - the run's own table names
        self._delete = f"DELETE FROM {session} WHERE id = %s"  # noqa: S608 - the run's own table names
        self._user_sessions = (
            f"SELECT u.id, s.id, s.user_id, s.active_expires, s.idle_expires FROM {user} u"  # noqa: S608 - the run's own table names
            f" LEFT JOIN {session} s ON s.user_id = u.id WHERE u.id = %s"
        )

    async def _many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.executemany(sql, rows)

    async def _execute(self, sql: str, parameters: Sequence[Any]) -> None:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(sql, parameters)

    async def insert_users(self, ids: Sequence[str]) -> None:
        """executemany (multi-row INSERTs)."""
        await self._many(f"INSERT INTO `{self.tables['user']}` (id) VALUES (%s)", [(i,) for i in ids])  # noqa: S608 - the run's own table names

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        """executemany (multi-row INSERTs)."""
        await self._many(self._insert, flatten(rows))

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """executemany."""
        await self._many(
            f"INSERT INTO `{self.tables['key']}` (id, user_id, hashed_password) VALUES (%s, %s, %s)",  # noqa: S608 - the run's own table names
            [(row["id"], row["user_id"], row["hashed_password"]) for row in rows],
        )

    async def analyze(self) -> None:
        """ANALYZE TABLE."""
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(f"ANALYZE TABLE `{self.tables['user']}`, `{self.tables['session']}`")
            await cursor.fetchall()

    async def drop(self) -> None:
        """DROP TABLE (sessions and keys first: their foreign keys point at users)."""
        for role in ("session", "key", "user"):
            await self._execute(f"DROP TABLE IF EXISTS `{self.tables[role]}`", ())

    async def floor_validate(self, session_id: str) -> bool:
        """One SELECT ... JOIN."""
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(self._validate, (session_id,))
            row = await cursor.fetchone()
        return row is not None and bool(now_ms() < row[2])

    async def floor_validate_idle(self, session_id: str) -> bool:
        """The SELECT ... JOIN, then the UPDATE, on one connection."""
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(self._validate, (session_id,))
            row = await cursor.fetchone()
            if row is None or now_ms() >= row[3]:
                return False
            await cursor.execute(self._renew, (*active_expirations(), session_id))
        return True

    async def floor_create_session(self, session_id: str, user_id: str) -> None:
        """One INSERT alongside the user's SELECT (each on a pooled connection)."""
        await asyncio.gather(
            self._fetch_user(user_id),
            self._execute(self._insert, (session_id, user_id, *active_expirations())),
        )

    async def _fetch_user(self, user_id: str) -> Any:
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(self._user, (user_id,))
            return await cursor.fetchone()

    async def floor_invalidate_session(self, session_id: str) -> None:
        """One DELETE."""
        await self._execute(self._delete, (session_id,))

    async def floor_get_user_sessions(self, user_id: str) -> int:
        """One SELECT ... LEFT JOIN."""
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute(self._user_sessions, (user_id,))
            rows = await cursor.fetchall()
        now = now_ms()
        return sum(1 for row in rows if row[1] is not None and now < row[4])


class MySQLBackend(Backend):
    """A MariaDB (or MySQL) server, one aiomysql pool (``charset="utf8mb4"``, ``autocommit=True``)."""

    name = "mysql"
    label = "MariaDB"
    floor = FLOOR

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: Any = None

    async def connect(self) -> None:
        """Open the pool from a ``mysql://user:password@host:port/database`` URL."""
        parts = urlsplit(self.url)
        self.pool = await aiomysql.create_pool(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 3306,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            db=unquote(parts.path.strip("/")),
            charset="utf8mb4",
            autocommit=True,
            minsize=POOL_SIZE,
            maxsize=POOL_SIZE,
        )

    async def close(self) -> None:
        """Close the pool."""
        if self.pool is not None:
            self.pool.close()
            await self.pool.wait_closed()

    async def store(self, tag: str) -> MySQLStore:
        """New tables ``lb<pid>_<tag>_*`` (lucia-core's ``create_schema``)."""
        store = MySQLStore(self.pool, f"{run_label().replace('lucia_bench_', 'lb')}_{tag}")
        await create_schema(self.pool, tables=store.tables)
        return store

    async def server_version(self) -> str:
        """``SELECT VERSION()``."""
        async with self.pool.acquire() as connection, connection.cursor() as cursor:
            await cursor.execute("SELECT VERSION()")
            row = await cursor.fetchone()
        return str(row[0])
