"""One isolated store per backend for the hostile-input tests: the adapter under test, and raw
row counts read through the driver (not the adapter), so a test can show that a hostile value
changed nothing it should not have.

Every store gets tables of its own: SQLite a fresh file, PostgreSQL a schema
``lucia_test_<random>``, MySQL a database ``lucia_test_<random>``, MongoDB a database
``lucia_test_<random>``, Redis key prefixes ``lucia-test:<random>:...``; all are removed on exit.
The SQL tables are Lucia's plus the test application's columns: ``auth_user.username`` (unique
text), ``auth_user.note`` and ``user_session.note`` (long text), ``user_session.country``.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import aiomysql
import aiosqlite
import asyncpg
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from lucia_adapter_mongodb import DEFAULT_COLLECTIONS, create_indexes, mongodb_adapter
from lucia_adapter_mysql import mysql_adapter
from lucia_adapter_postgres import create_schema, postgres_adapter
from lucia_adapter_redis import redis_session_adapter
from lucia_adapter_sqlite import sqlite_adapter
from tests.backends import backend_url
from tests.conformance.mysql.database import (
    SCHEMA as MYSQL_SCHEMA,
)
from tests.conformance.mysql.database import (
    connection_options,
    create_database,
    drop_database,
    sql_statements,
)
from tests.conformance.redis.raw_redis import delete_prefixed, keys_under, random_prefixes

#: Every backend the hostile-input tests run on; "redis" stores sessions only.
BACKENDS = ("sqlite", "postgres", "mysql", "mongodb", "redis")
#: Backends whose columns are fixed SQL identifiers.
SQL_BACKENDS = frozenset({"sqlite", "postgres", "mysql"})

_SQLITE_SCHEMA = (Path(__file__).resolve().parents[2] / "schemas" / "sqlite.sql").read_text()
_SQLITE_COLUMNS = """
ALTER TABLE auth_user ADD COLUMN username TEXT;
CREATE UNIQUE INDEX auth_user_username ON auth_user (username);
ALTER TABLE auth_user ADD COLUMN note TEXT;
ALTER TABLE user_session ADD COLUMN country TEXT;
ALTER TABLE user_session ADD COLUMN note TEXT;
"""
_MYSQL_COLUMNS = (
    "ALTER TABLE `auth_user` ADD COLUMN `username` VARCHAR(255) NULL, ADD UNIQUE KEY `username` (`username`)",
    "ALTER TABLE `auth_user` ADD COLUMN `note` MEDIUMTEXT NULL",
    "ALTER TABLE `user_session` ADD COLUMN `country` VARCHAR(255) NULL",
    "ALTER TABLE `user_session` ADD COLUMN `note` MEDIUMTEXT NULL",
)


class UnreachableAdapter:
    """An adapter whose every method fails the test: header parsing must not touch storage."""

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, NoReturn]]:
        async def fail(*args: Any, **kwargs: Any) -> NoReturn:
            raise AssertionError(f"the database was reached: {name}{args!r}")

        return fail


@dataclass
class Store:
    """A backend's adapter on tables of its own, and a raw row counter."""

    name: str
    adapter: Any
    #: False for a session-only adapter (Redis).
    has_users: bool
    #: Row counts by table ("user", "key", "session"), read through the driver.
    count_rows: Callable[[], Awaitable[dict[str, int]]]

    async def counts(self) -> dict[str, int]:
        """The current row count of each table."""
        return await self.count_rows()


@asynccontextmanager
async def sqlite_store(directory: Path) -> AsyncIterator[Store]:
    """A fresh SQLite file under ``directory``."""
    connection = await aiosqlite.connect(directory / f"security-{secrets.token_hex(4)}.db")
    try:
        await connection.executescript(_SQLITE_SCHEMA + _SQLITE_COLUMNS)
        await connection.commit()

        async def count() -> dict[str, int]:
            found = {}
            for role, table in (("user", "auth_user"), ("key", "user_key"), ("session", "user_session")):
                async with connection.execute(f"SELECT count(*) FROM {table}") as cursor:
                    row = await cursor.fetchone()
                found[role] = int(row[0]) if row else 0
            return found

        yield Store("sqlite", sqlite_adapter(connection), True, count)
    finally:
        await connection.close()


@asynccontextmanager
async def postgres_store() -> AsyncIterator[Store]:
    """A schema of its own on the PostgreSQL test server."""
    url = backend_url("postgres")
    schema = f"lucia_test_{secrets.token_hex(6)}"
    tables = {"user": f"{schema}.auth_user", "key": f"{schema}.user_key", "session": f"{schema}.user_session"}
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f'CREATE SCHEMA "{schema}"')
        await create_schema(admin, tables=tables)
        await admin.execute(
            f'ALTER TABLE "{schema}".auth_user ADD COLUMN username TEXT UNIQUE, ADD COLUMN note TEXT;'
            f' ALTER TABLE "{schema}".user_session ADD COLUMN country TEXT, ADD COLUMN note TEXT;'
        )
        async with asyncpg.create_pool(url, min_size=1, max_size=4) as pool:

            async def count() -> dict[str, int]:
                return {
                    role: int(await pool.fetchval(f'SELECT count(*) FROM "{schema}".{table}'))
                    for role, table in (
                        ("user", "auth_user"),
                        ("key", "user_key"),
                        ("session", "user_session"),
                    )
                }

            yield Store("postgres", postgres_adapter(pool, tables=tables), True, count)
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await admin.close()


@asynccontextmanager
async def mysql_store() -> AsyncIterator[Store]:
    """A database of its own on the MySQL / MariaDB test server."""
    options = connection_options(backend_url("mysql"))
    name = await create_database(options, (*sql_statements(MYSQL_SCHEMA), *_MYSQL_COLUMNS))
    try:
        pool = await aiomysql.create_pool(**options, db=name, minsize=1, maxsize=4)
        raw = await aiomysql.connect(**options, db=name, autocommit=True)
        try:

            async def count() -> dict[str, int]:
                found = {}
                for role, table in (("user", "auth_user"), ("key", "user_key"), ("session", "user_session")):
                    async with raw.cursor() as cursor:
                        await cursor.execute(f"SELECT count(*) FROM `{table}`")
                        row = await cursor.fetchone()
                    found[role] = int(row[0])
                return found

            yield Store("mysql", mysql_adapter(pool), True, count)
        finally:
            raw.close()
            pool.close()
            await pool.wait_closed()
    finally:
        await drop_database(options, name)


@asynccontextmanager
async def mongodb_store() -> AsyncIterator[Store]:
    """A database of its own on the MongoDB-protocol test server."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(backend_url("mongodb"), maxPoolSize=4)
    name = f"lucia_test_{secrets.token_hex(6)}"
    async with client:
        database = client[name]
        try:
            await create_indexes(database)
            await database[DEFAULT_COLLECTIONS["user"]].create_index("username", unique=True)

            async def count() -> dict[str, int]:
                return {
                    role: await database[collection].count_documents({})
                    for role, collection in DEFAULT_COLLECTIONS.items()
                }

            yield Store("mongodb", mongodb_adapter(database), True, count)
        finally:
            await client.drop_database(name)


@asynccontextmanager
async def redis_store() -> AsyncIterator[Store]:
    """Key prefixes of their own on the standalone Redis test server (sessions only)."""
    client = Redis.from_url(backend_url("redis"), decode_responses=True)
    prefixes = random_prefixes()
    try:

        async def count() -> dict[str, int]:
            sessions = [key async for key in keys_under(client, prefixes["session"])]
            sets = [key async for key in keys_under(client, prefixes["user_sessions"])]
            return {"session": len(sessions), "user_sessions": len(sets)}

        yield Store("redis", redis_session_adapter(client, prefixes=prefixes), False, count)
    finally:
        await delete_prefixed(client, prefixes)
        await client.aclose()


@asynccontextmanager
async def open_store(name: str, directory: Path) -> AsyncIterator[Store]:
    """The store for backend ``name`` (one of :data:`BACKENDS`); skips when its server is absent."""
    factories: dict[str, Callable[[], Any]] = {
        "sqlite": lambda: sqlite_store(directory),
        "postgres": postgres_store,
        "mysql": mysql_store,
        "mongodb": mongodb_store,
        "redis": redis_store,
    }
    async with factories[name]() as store:
        yield store
