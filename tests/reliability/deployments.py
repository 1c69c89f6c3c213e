"""Each backend as an application deploys it, plus raw reads that bypass the adapters.

A :class:`Deployment` is Lucia's tables (a collection, a key prefix) of one test, isolated from
everything else on the server: an SQLite file, a PostgreSQL schema ``lucia_test_<random>``, a
MariaDB database ``lucia_test_<random>``, a MongoDB database ``lucia_test_<random>``, or Redis key
prefixes ``lucia-test:<random>:...`` with the users in PostgreSQL or SQLite. Its
:meth:`~Deployment.open_adapter` opens a new pool (or client) and an adapter over it, as one
application process would, so two calls give two independent "processes" on the same data. Its
:class:`Raw` reads go through a connection of their own, opened per call, so they also work
after a server restart.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import aiomysql
import aiosqlite
import asyncpg
from pymongo import AsyncMongoClient
from redis.asyncio import Redis, RedisCluster

from lucia_adapter_mongodb import DEFAULT_COLLECTIONS, create_indexes, mongodb_adapter
from lucia_adapter_mysql import mysql_adapter
from lucia_adapter_postgres import create_schema, postgres_adapter
from lucia_adapter_redis import redis_session_adapter
from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Adapter, join_adapters
from tests.conformance.mysql.database import connection_options, create_database, drop_database
from tests.conformance.redis.raw_redis import delete_prefixed, random_prefixes

SQLITE_SCHEMA = (Path(__file__).resolve().parents[2] / "schemas" / "sqlite.sql").read_text()

#: Connections per pool (or client): small, as on a 2-core machine, so that calls queue for them.
POOL_SIZE = 10


class Raw(Protocol):
    """Reads of the stored rows that bypass the adapter under test."""

    async def user_ids(self) -> set[str]:
        """The ids of every stored user."""
        ...

    async def keys(self) -> dict[str, str]:
        """Every stored key: its id -> its ``user_id``."""
        ...

    async def sessions(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Each id's stored session row (expirations as int ms), or None where there is none."""
        ...

    async def session(self, session_id: str) -> dict[str, Any] | None:
        """The stored session row (expirations as int ms), or None."""
        ...


@dataclass
class Deployment:
    """One test's storage on one backend: adapters over fresh pools, and raw reads."""

    name: str
    open_adapter: Callable[[], AbstractAsyncContextManager[Adapter]]
    raw: Raw


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    # Expirations as plain ints (pymongo gives bson.Int64, an int subclass).
    return {name: int(value) if name.endswith("_expires") else value for name, value in row.items()}


# ------------------------------------------------------------------------------------------ SQLite


class SQLiteRaw:
    """Raw reads of an SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def _rows(self, sql: str, *parameters: Any) -> list[dict[str, Any]]:
        async with aiosqlite.connect(self.path) as connection:
            connection.row_factory = aiosqlite.Row
            async with connection.execute(sql, parameters) as cursor:
                return [dict(row) for row in await cursor.fetchall()]

    async def user_ids(self) -> set[str]:
        return {row["id"] for row in await self._rows("SELECT id FROM auth_user")}

    async def keys(self) -> dict[str, str]:
        return {row["id"]: row["user_id"] for row in await self._rows("SELECT id, user_id FROM user_key")}

    async def sessions(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        stored = {row["id"]: _plain(row) for row in await self._rows("SELECT * FROM user_session")}
        return {session_id: stored.get(session_id) for session_id in session_ids}

    async def session(self, session_id: str) -> dict[str, Any] | None:
        return (await self.sessions([session_id]))[session_id]


@asynccontextmanager
async def sqlite_deployment(directory: Path) -> AsyncIterator[Deployment]:
    """Lucia's tables in ``directory/auth.db``; each adapter gets a connection of its own."""
    path = directory / "auth.db"
    async with aiosqlite.connect(path) as connection:
        await connection.executescript(SQLITE_SCHEMA)
        await connection.commit()

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Adapter]:
        async with aiosqlite.connect(path) as connection:
            yield sqlite_adapter(connection)

    yield Deployment("sqlite", open_adapter, SQLiteRaw(path))


# -------------------------------------------------------------------------------------- PostgreSQL


class PostgresRaw:
    """Raw reads of one schema, over a connection opened per call."""

    def __init__(self, url: str, schema: str) -> None:
        self.url = url
        self.schema = schema

    async def _rows(self, sql: str, *parameters: Any) -> list[dict[str, Any]]:
        connection = await asyncpg.connect(self.url)
        try:
            return [dict(record.items()) for record in await connection.fetch(sql, *parameters)]
        finally:
            await connection.close()

    async def user_ids(self) -> set[str]:
        return {row["id"] for row in await self._rows(f'SELECT id FROM "{self.schema}".auth_user')}

    async def keys(self) -> dict[str, str]:
        rows = await self._rows(f'SELECT id, user_id FROM "{self.schema}".user_key')
        return {row["id"]: row["user_id"] for row in rows}

    async def sessions(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        rows = await self._rows(f'SELECT * FROM "{self.schema}".user_session')
        stored = {row["id"]: _plain(row) for row in rows}
        return {session_id: stored.get(session_id) for session_id in session_ids}

    async def session(self, session_id: str) -> dict[str, Any] | None:
        return (await self.sessions([session_id]))[session_id]


@asynccontextmanager
async def postgres_deployment(url: str, **pool_options: Any) -> AsyncIterator[Deployment]:
    """Lucia's tables in a schema ``lucia_test_<random>``, dropped afterwards."""
    schema = f"lucia_test_{secrets.token_hex(6)}"
    tables = {
        "user": f"{schema}.auth_user",
        "key": f"{schema}.user_key",
        "session": f"{schema}.user_session",
        "token": f"{schema}.user_token",
    }
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        await create_schema(connection, tables=tables)
    finally:
        await connection.close()

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Adapter]:
        options = {"min_size": 1, "max_size": POOL_SIZE, **pool_options}
        async with asyncpg.create_pool(url, **options) as pool:
            yield postgres_adapter(pool, tables=tables)

    try:
        yield Deployment("postgres", open_adapter, PostgresRaw(url, schema))
    finally:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await connection.close()


# ----------------------------------------------------------------------------------------- MariaDB


class MySQLRaw:
    """Raw reads of one database, over an autocommit connection opened per call."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)

    async def _rows(self, sql: str, *parameters: Any) -> list[dict[str, Any]]:
        connection = await aiomysql.connect(**self.options, autocommit=True)
        try:
            async with connection.cursor(aiomysql.DictCursor) as cursor:
                await cursor.execute(sql, parameters)
                return list(await cursor.fetchall())
        finally:
            connection.close()

    async def user_ids(self) -> set[str]:
        return {row["id"] for row in await self._rows("SELECT id FROM auth_user")}

    async def keys(self) -> dict[str, str]:
        return {row["id"]: row["user_id"] for row in await self._rows("SELECT id, user_id FROM user_key")}

    async def sessions(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        stored = {row["id"]: _plain(row) for row in await self._rows("SELECT * FROM user_session")}
        return {session_id: stored.get(session_id) for session_id in session_ids}

    async def session(self, session_id: str) -> dict[str, Any] | None:
        return (await self.sessions([session_id]))[session_id]


@asynccontextmanager
async def mysql_deployment(url: str, **pool_options: Any) -> AsyncIterator[Deployment]:
    """Lucia's tables in a database ``lucia_test_<random>``, dropped afterwards."""
    options = connection_options(url)
    name = await create_database(options)
    database = {**options, "db": name}

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Adapter]:
        pool = await aiomysql.create_pool(**database, minsize=1, maxsize=POOL_SIZE, **pool_options)
        try:
            yield mysql_adapter(pool)
        finally:
            pool.close()
            await pool.wait_closed()

    try:
        yield Deployment("mysql", open_adapter, MySQLRaw(database))
    finally:
        await drop_database(options, name)


# ----------------------------------------------------------------------------------------- MongoDB


class MongoRaw:
    """Raw reads of one database, over a client opened per call."""

    def __init__(self, url: str, name: str) -> None:
        self.url = url
        self.name = name

    async def _documents(self, collection: str, query: Mapping[str, Any]) -> list[dict[str, Any]]:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(self.url)
        async with client:
            return await client[self.name][collection].find(dict(query)).to_list(length=None)

    async def user_ids(self) -> set[str]:
        return {doc["_id"] for doc in await self._documents(DEFAULT_COLLECTIONS["user"], {})}

    async def keys(self) -> dict[str, str]:
        return {doc["_id"]: doc["user_id"] for doc in await self._documents(DEFAULT_COLLECTIONS["key"], {})}

    async def sessions(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        documents = await self._documents(DEFAULT_COLLECTIONS["session"], {})
        stored = {
            document["_id"]: _plain(
                {("id" if name == "_id" else name): value for name, value in document.items()}
            )
            for document in documents
        }
        return {session_id: stored.get(session_id) for session_id in session_ids}

    async def session(self, session_id: str) -> dict[str, Any] | None:
        return (await self.sessions([session_id]))[session_id]


@asynccontextmanager
async def mongodb_deployment(url: str, **client_options: Any) -> AsyncIterator[Deployment]:
    """Lucia's collections (with their indexes) in a database ``lucia_test_<random>``, dropped afterwards."""
    name = f"lucia_test_{secrets.token_hex(6)}"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    async with client:
        await create_indexes(client[name])

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Adapter]:
        options = {"maxPoolSize": POOL_SIZE, **client_options}
        application: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, **options)
        async with application:
            yield mongodb_adapter(application[name])

    try:
        yield Deployment("mongodb", open_adapter, MongoRaw(url, name))
    finally:
        client = AsyncMongoClient(url)
        async with client:
            await client.drop_database(name)


# ------------------------------------------------------------------------------------------- Redis


class RedisRaw:
    """Raw reads: users and keys from the user deployment, sessions from their Redis keys."""

    def __init__(self, users: Raw, connect: Callable[[], Redis | RedisCluster], prefix: str) -> None:
        self.users = users
        self.connect = connect
        self.prefix = prefix

    async def user_ids(self) -> set[str]:
        return await self.users.user_ids()

    async def keys(self) -> dict[str, str]:
        return await self.users.keys()

    async def sessions(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        client = self.connect()
        try:
            await client.initialize()
            found = {}
            for session_id in session_ids:
                value = await client.get(f"{self.prefix}:{session_id}")
                found[session_id] = None if value is None else _plain(json.loads(value))
        finally:
            await client.aclose()
        return found

    async def session(self, session_id: str) -> dict[str, Any] | None:
        return (await self.sessions([session_id]))[session_id]


@asynccontextmanager
async def redis_deployment(
    url: str, users: Deployment, *, cluster: bool, **client_options: Any
) -> AsyncIterator[Deployment]:
    """Sessions in Redis (standalone or a cluster) under prefixes of this test's own, joined with
    the users of ``users``; the keys under the prefixes are deleted afterwards."""
    prefixes = random_prefixes()

    def connect(**options: Any) -> Redis | RedisCluster:
        if cluster:
            return RedisCluster.from_url(url, **options)
        return Redis.from_url(url, **options)

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Adapter]:
        client = connect(**client_options)
        try:
            async with users.open_adapter() as user_adapter:
                yield join_adapters(user_adapter, redis_session_adapter(client, prefixes=prefixes))
        finally:
            await client.aclose()

    name = f"{'redis-cluster' if cluster else 'redis'}+{users.name}"
    try:
        yield Deployment(name, open_adapter, RedisRaw(users.raw, connect, prefixes["session"]))
    finally:
        client = connect()
        try:
            await delete_prefixed(client, prefixes)
        finally:
            await client.aclose()
