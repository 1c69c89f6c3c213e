"""PostgreSQL (asyncpg): stores are private schemas holding Lucia's tables under their default names."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import asyncpg

from lucia_adapter_postgres import create_schema, postgres_adapter
from lucia_core import KeyRow, SessionRow, lucia
from lucia_core.expiration import now_ms

from .backend import Backend, Store, flatten, run_label
from .data import active_expirations

#: Connections per pool: the library and the floor share it; at concurrency 64 tasks queue for one.
POOL_SIZE = 16

FLOOR = {
    "validate": "one prepared SELECT s.*, u.* FROM user_session s JOIN auth_user u ON u.id = s.user_id"
    " WHERE s.id = $1 (pool.fetchrow), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations by primary key",
    "create_session": "one INSERT (the foreign key checks the user) alongside one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE by primary key",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}


def pg_tables(schema: str) -> dict[str, str]:
    """Lucia's default table names qualified with ``schema`` (the adapters' ``tables`` option)."""
    return {"user": f"{schema}.auth_user", "key": f"{schema}.user_key", "session": f"{schema}.user_session"}


async def create_pg_store_schema(pool: asyncpg.Pool, schema: str) -> dict[str, str]:
    """Create ``schema`` holding Lucia's tables (lucia-core's ``create_schema``); the table names."""
    await pool.execute(f'CREATE SCHEMA "{schema}"')
    tables = pg_tables(schema)
    await create_schema(pool, tables=tables)
    return tables


async def drop_pg_store_schema(pool: asyncpg.Pool, schema: str) -> None:
    """Drop ``schema`` and everything in it."""
    await pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def copy_users(pool: asyncpg.Pool, schema: str, ids: Sequence[str]) -> None:
    """COPY user rows (ids only) into ``schema``.auth_user."""
    async with pool.acquire() as connection:
        await connection.copy_records_to_table(
            "auth_user", records=[(user_id,) for user_id in ids], columns=["id"], schema_name=schema
        )


async def copy_keys(pool: asyncpg.Pool, schema: str, rows: Sequence[KeyRow]) -> None:
    """COPY key rows into ``schema``.user_key."""
    async with pool.acquire() as connection:
        await connection.copy_records_to_table(
            "user_key",
            records=[(row["id"], row["user_id"], row["hashed_password"]) for row in rows],
            columns=["id", "user_id", "hashed_password"],
            schema_name=schema,
        )


class PostgresStore(Store):
    """Lucia's tables in the schema ``schema``; lucia-core's PostgreSQL adapter over the pool."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self.pool = pool
        self.schema = schema
        self.auth = lucia(adapter=postgres_adapter(pool, tables=pg_tables(schema)), env="PROD")
        session, user = f'"{schema}".user_session', f'"{schema}".auth_user'
        self._validate = f"SELECT s.*, u.* FROM {session} s JOIN {user} u ON u.id = s.user_id WHERE s.id = $1"  # noqa: S608 - the run's own table names
        self._renew = f"UPDATE {session} SET active_expires = $1, idle_expires = $2 WHERE id = $3"  # noqa: S608 - the run's own table names
        self._insert = (
            f"INSERT INTO {session} (id, user_id, active_expires, idle_expires) VALUES ($1, $2, $3, $4)"  # noqa: S608 - the run's own table names
        )
        self._user = f"SELECT * FROM {user} WHERE id = $1"  # noqa: S608 - the run's own table names
        self._delete = f"DELETE FROM {session} WHERE id = $1"  # noqa: S608 - the run's own table names
        self._user_sessions = (
            f"SELECT u.id AS lucia_user_id, s.* FROM {user} u LEFT JOIN {session} s ON s.user_id = u.id"  # noqa: S608 - the run's own table names
            " WHERE u.id = $1"
        )

    async def insert_users(self, ids: Sequence[str]) -> None:
        """COPY users."""
        await copy_users(self.pool, self.schema, ids)

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        """COPY sessions."""
        async with self.pool.acquire() as connection:
            await connection.copy_records_to_table(
                "user_session",
                records=flatten(rows),
                columns=["id", "user_id", "active_expires", "idle_expires"],
                schema_name=self.schema,
            )

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """COPY keys."""
        await copy_keys(self.pool, self.schema, rows)

    async def analyze(self) -> None:
        """ANALYZE the three tables."""
        for table in ("auth_user", "user_key", "user_session"):
            await self.pool.execute(f'ANALYZE "{self.schema}".{table}')

    async def drop(self) -> None:
        """DROP SCHEMA ... CASCADE."""
        await drop_pg_store_schema(self.pool, self.schema)

    async def floor_validate(self, session_id: str) -> bool:
        """One SELECT ... JOIN by primary key."""
        row = await self.pool.fetchrow(self._validate, session_id)
        return row is not None and now_ms() < row["active_expires"]

    async def floor_validate_idle(self, session_id: str) -> bool:
        """The SELECT ... JOIN, then an UPDATE of both expirations."""
        row = await self.pool.fetchrow(self._validate, session_id)
        if row is None or now_ms() >= row["idle_expires"]:
            return False
        await self.pool.execute(self._renew, *active_expirations(), session_id)
        return True

    async def floor_create_session(self, session_id: str, user_id: str) -> None:
        """One INSERT alongside the user's SELECT (each on a pooled connection)."""
        await asyncio.gather(
            self.pool.fetchrow(self._user, user_id),
            self.pool.execute(self._insert, session_id, user_id, *active_expirations()),
        )

    async def floor_invalidate_session(self, session_id: str) -> None:
        """One DELETE."""
        await self.pool.execute(self._delete, session_id)

    async def floor_get_user_sessions(self, user_id: str) -> int:
        """One SELECT of the user LEFT JOIN its sessions; live ones counted."""
        rows = await self.pool.fetch(self._user_sessions, user_id)
        now = now_ms()
        return sum(1 for row in rows if row["id"] is not None and now < row["idle_expires"])


class PostgresBackend(Backend):
    """A PostgreSQL server, one asyncpg pool of :data:`POOL_SIZE` connections."""

    name = "postgres"
    label = "PostgreSQL"
    floor = FLOOR
    large_scale = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: Any = None

    async def connect(self) -> None:
        """Open the pool."""
        self.pool = await asyncpg.create_pool(self.url, min_size=POOL_SIZE, max_size=POOL_SIZE)

    async def close(self) -> None:
        """Close the pool."""
        if self.pool is not None:
            await self.pool.close()

    async def store(self, tag: str) -> PostgresStore:
        """A new schema ``lucia_bench_<pid>_<tag>`` with Lucia's tables."""
        schema = f"{run_label()}_{tag}"
        await create_pg_store_schema(self.pool, schema)
        return PostgresStore(self.pool, schema)

    async def server_version(self) -> str:
        """``SHOW server_version``."""
        return str(await self.pool.fetchval("SHOW server_version"))
