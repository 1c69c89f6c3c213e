"""Where the demo keeps its users, keys and sessions, chosen by URL.

``open_storage(database_url, session_url)`` connects to the database, creates Lucia's tables
(or MongoDB indexes) with the adapter package's own schema function, adds the demo's attribute
columns, and returns a :class:`Storage` holding the adapter. Every step is idempotent, so it runs
on each start.

The demo's attributes: users have a ``username`` (unique: a column with a unique index, or a
unique MongoDB index); sessions have ``user_agent`` and ``created_at`` (unix milliseconds), shown
in the list of a user's sessions.

Database URLs: ``sqlite:///relative.db``, ``sqlite:////absolute.db`` (or a plain file path),
``postgresql://...``, ``mysql://...`` (or ``mariadb://``), ``mongodb://host/database``. A session
URL, ``redis://...`` (``rediss://``, or ``redis-cluster://`` for a Redis Cluster), keeps the
sessions in Redis and the users in the database. Each driver is imported only when its URL is used.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from lucia_core import Adapter, SessionAdapter, join_adapters

#: The file the demo uses when no database URL is given.
DEFAULT_DATABASE_URL = "sqlite:///lucia-demo.sqlite3"

#: Attribute columns the demo adds: name -> (SQLite, PostgreSQL, MySQL) type.
USER_COLUMNS = {
    "username": ("TEXT", "TEXT", "VARCHAR(255)"),
    "email": ("TEXT", "TEXT", "VARCHAR(255)"),
    "email_verified": ("INTEGER", "INTEGER", "INTEGER"),
}
SESSION_COLUMNS = {
    "user_agent": ("TEXT", "TEXT", "VARCHAR(255)"),
    "created_at": ("INTEGER", "BIGINT", "BIGINT"),
}
#: The unique index on usernames (the same name on every backend).
USERNAME_INDEX = "auth_user_username_unique"

IsUniqueViolation = Callable[[BaseException], bool]


@dataclass
class Storage:
    """An open database (and, optionally, a Redis for sessions) behind one Lucia adapter.

    ``adapter``: what to give ``lucia(adapter=...)``. ``description``: where users and sessions
    live, in words, for the page footer. ``is_unique_violation``: whether an exception raised by
    ``create_user`` is the database refusing a duplicate username (the user row's unique index
    can fire before the key's ``AUTH_DUPLICATE_KEY_ID``). Close it with :meth:`aclose`.
    """

    adapter: Adapter
    description: str
    is_unique_violation: IsUniqueViolation
    _exit_stack: AsyncExitStack = field(default_factory=AsyncExitStack, repr=False)

    async def aclose(self) -> None:
        """Close every connection opened for this storage."""
        await self._exit_stack.aclose()


@dataclass
class _Opened:
    adapter: Any
    description: str
    is_unique_violation: IsUniqueViolation


async def open_storage(database_url: str = DEFAULT_DATABASE_URL, session_url: str | None = None) -> Storage:
    """Connect to ``database_url`` (and ``session_url`` for sessions), creating what is missing.

    Raises ValueError for a URL of an unknown kind, and the driver's own errors when a server
    cannot be reached.
    """
    stack = AsyncExitStack()
    try:
        users = await _open_database(database_url, stack)
        adapter: Adapter = users.adapter
        description = users.description
        if session_url:
            sessions, where = await _open_redis(session_url, stack)
            adapter = join_adapters(users.adapter, sessions)
            description = f"users in {users.description}, sessions in {where}"
        return Storage(adapter, description, users.is_unique_violation, stack)
    except BaseException:
        await stack.aclose()
        raise


def describe_url(url: str) -> str:
    """A URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


async def _open_database(url: str, stack: AsyncExitStack) -> _Opened:
    scheme = urlsplit(url).scheme if "://" in url else "sqlite"
    openers: Mapping[str, Callable[[str, AsyncExitStack], Awaitable[_Opened]]] = {
        "sqlite": _open_sqlite,
        "postgresql": _open_postgres,
        "postgres": _open_postgres,
        "mysql": _open_mysql,
        "mariadb": _open_mysql,
        "mongodb": _open_mongodb,
        "mongodb+srv": _open_mongodb,
    }
    opener = openers.get(scheme)
    if opener is None:
        raise ValueError(
            f"unsupported database URL {describe_url(url)!r}: use sqlite:///file.db, postgresql://..., "
            "mysql://... or mongodb://host/database"
        )
    return await opener(url, stack)


def sqlite_path(url: str) -> Path:
    """The file of ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or a plain path."""
    if "://" not in url:
        return Path(url)
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or len(parts.path) < 2:
        raise ValueError("an SQLite URL looks like sqlite:///relative.db or sqlite:////absolute/path.db")
    return Path(unquote(parts.path[1:]))


async def _open_sqlite(url: str, stack: AsyncExitStack) -> _Opened:
    import aiosqlite

    from lucia_adapter_sqlite import apply_schema, sqlite_adapter

    path = sqlite_path(url)
    await apply_schema(f"sqlite:///{path}")
    connection = await aiosqlite.connect(path)
    stack.push_async_callback(connection.close)
    for table, columns in (("auth_user", USER_COLUMNS), ("user_session", SESSION_COLUMNS)):
        cursor = await connection.execute(f'PRAGMA table_info("{table}")')
        existing = {row[1] for row in await cursor.fetchall()}
        for name, types in columns.items():
            if name not in existing:
                await connection.execute(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {types[0]}')
    await connection.execute(f'CREATE UNIQUE INDEX IF NOT EXISTS "{USERNAME_INDEX}" ON auth_user (username)')
    await connection.commit()

    def is_unique_violation(error: BaseException) -> bool:
        return isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)

    return _Opened(sqlite_adapter(connection), f"the SQLite file {path}", is_unique_violation)


async def _open_postgres(url: str, stack: AsyncExitStack) -> _Opened:
    import asyncpg

    from lucia_adapter_postgres import create_schema, postgres_adapter

    pool = await asyncpg.create_pool(url, min_size=1, max_size=10)
    stack.push_async_callback(pool.close)
    await create_schema(pool)
    statements = [
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {types[1]}"
        for table, columns in (("auth_user", USER_COLUMNS), ("user_session", SESSION_COLUMNS))
        for name, types in columns.items()
    ]
    statements.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {USERNAME_INDEX} ON auth_user (username)")
    async with pool.acquire() as connection, connection.transaction():
        # Two demos starting at once on one database: the second waits rather than collides.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('lucia_demo_schema'))")
        for statement in statements:
            await connection.execute(statement)

    def is_unique_violation(error: BaseException) -> bool:
        return isinstance(error, asyncpg.UniqueViolationError)

    return _Opened(postgres_adapter(pool), f"PostgreSQL ({describe_url(url)})", is_unique_violation)


async def _open_mysql(url: str, stack: AsyncExitStack) -> _Opened:
    import aiomysql

    from lucia_adapter_mysql import create_schema, mysql_adapter

    parts = urlsplit(url)
    database = unquote(parts.path.strip("/"))
    if not database:
        raise ValueError("a MySQL URL looks like mysql://user:password@host:3306/database")
    pool = await aiomysql.create_pool(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        db=database,
        charset="utf8mb4",
        autocommit=True,
        minsize=1,
        maxsize=10,
    )

    async def close_pool() -> None:
        pool.close()
        await pool.wait_closed()

    stack.push_async_callback(close_pool)
    await create_schema(pool)
    async with pool.acquire() as connection, connection.cursor() as cursor:
        for table, columns in (("auth_user", USER_COLUMNS), ("user_session", SESSION_COLUMNS)):
            await cursor.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = DATABASE() AND table_name = %s",
                (table,),
            )
            existing = {row[0] for row in await cursor.fetchall()}
            for name, types in columns.items():
                if name not in existing:
                    await cursor.execute(f"ALTER TABLE `{table}` ADD COLUMN `{name}` {types[2]} NULL")
        await cursor.execute(
            "SELECT 1 FROM information_schema.statistics"
            " WHERE table_schema = DATABASE() AND table_name = 'auth_user' AND index_name = %s",
            (USERNAME_INDEX,),
        )
        if not await cursor.fetchall():
            await cursor.execute(f"CREATE UNIQUE INDEX `{USERNAME_INDEX}` ON `auth_user` (`username`)")

    def is_unique_violation(error: BaseException) -> bool:
        # 1062: ER_DUP_ENTRY.
        return isinstance(error, aiomysql.IntegrityError) and bool(error.args) and error.args[0] == 1062

    return _Opened(mysql_adapter(pool), f"MySQL ({describe_url(url)})", is_unique_violation)


async def _open_mongodb(url: str, stack: AsyncExitStack) -> _Opened:
    from pymongo import AsyncMongoClient
    from pymongo.errors import ConfigurationError, DuplicateKeyError

    from lucia_adapter_mongodb import create_indexes, mongodb_adapter

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    stack.push_async_callback(client.close)
    try:
        database = client.get_default_database()
    except ConfigurationError as error:
        raise ValueError("a MongoDB URL must name the database: mongodb://host:27017/database") from error
    await create_indexes(database)
    await database["auth_user"].create_index([("username", 1)], unique=True, name=USERNAME_INDEX)

    def is_unique_violation(error: BaseException) -> bool:
        return isinstance(error, DuplicateKeyError)

    return _Opened(mongodb_adapter(database), f"MongoDB ({describe_url(url)})", is_unique_violation)


async def _open_redis(url: str, stack: AsyncExitStack) -> tuple[SessionAdapter, str]:
    from redis.asyncio import Redis, RedisCluster

    from lucia_adapter_redis import redis_session_adapter

    parts = urlsplit(url)
    client: Redis | RedisCluster
    if parts.scheme == "redis-cluster":
        client = RedisCluster.from_url(parts._replace(scheme="redis").geturl())
    elif parts.scheme in ("redis", "rediss", "unix"):
        client = Redis.from_url(url)
    else:
        raise ValueError(
            f"unsupported session URL {describe_url(url)!r}: use redis://host:6379/0 or redis-cluster://host:7000"
        )
    stack.push_async_callback(client.aclose)
    await client.ping()
    return redis_session_adapter(client), f"Redis ({describe_url(url)})"


__all__ = ["DEFAULT_DATABASE_URL", "Storage", "describe_url", "open_storage", "sqlite_path"]
