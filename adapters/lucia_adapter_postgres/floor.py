"""The benchmarks' raw-driver floor on PostgreSQL: :class:`Floor`, each operation written directly
with asyncpg (as few statements as Lucia's tables allow) plus bulk loading (COPY); :class:`Server`,
the benchmark's stores (private schemas holding Lucia's tables under their default names) on one
pool the library and the floor share; :data:`FLOOR`, the floor in words for the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from lucia_core.database import DEFAULT_TABLES, KeyRow, SessionRow
from lucia_core.expiration import now_ms

from .adapter import postgres_adapter
from .schema import POSTGRES
from .testing import create_store, drop_store, store_tables

#: What the floor is, per operation, in words (for the report).
FLOOR = {
    "validate": "one prepared SELECT s.*, u.* FROM user_session s JOIN auth_user u ON u.id = s.user_id"
    " WHERE s.id = $1 (pool.fetchrow), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations by primary key",
    "create_session": "one INSERT (the foreign key checks the user) alongside one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE by primary key",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}
#: Connections per pool: the library and the floor share it; at concurrency 64 tasks queue for one.
POOL_SIZE = 16


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
    the library and the floor, and the stores made on it: schemas ``<run>_<tag>``."""

    #: The scale scenario goes to its large sizes here.
    large_scale = True

    def __init__(self, url: str, run: str, size: int = POOL_SIZE) -> None:
        self.url, self.run, self.size = url, run, size
        self.pool: Any = None

    async def connect(self) -> None:
        self.pool = await asyncpg.create_pool(self.url, min_size=self.size, max_size=self.size)

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def store(self, tag: str) -> tuple[Any, Floor]:
        """A new schema ``<run>_<tag>`` with Lucia's tables: the adapter over it and its floor."""
        tables = await create_store(self.pool, f"{self.run}_{tag}", ())
        return postgres_adapter(self.pool, tables=tables), Floor(self.pool, tables)

    async def version(self) -> str:
        return str(await self.pool.fetchval("SHOW server_version"))
