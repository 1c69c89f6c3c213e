"""How the MySQL adapter uses a pooled connection: set up once per server session, handed back
with no transaction open whatever the pool's autocommit, rows read as plain tuples."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql

# Strict mode makes a too-long id or an out-of-range expiration an error instead of a silent
# truncation (two long key ids truncated to one would collide). Both servers default to it; this
# keeps it on for the adapter's sessions even where the server is configured otherwise.
_STRICT_MODE = "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')"

# Connections already set up, with the server thread id they were set up on: a reconnect
# (a new server session) gets a new id and is set up again.
_PREPARED: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def connection_options(url: str) -> dict[str, Any]:
    """``aiomysql.connect`` / ``create_pool`` keyword arguments for
    ``mysql://user:password@host:port/database`` (the database is optional); ValueError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb"):
        raise ValueError("a MySQL URL looks like mysql://user:password@host:3306/database")
    options = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "charset": "utf8mb4",
    }
    database = unquote(parts.path.strip("/"))
    return {**options, "db": database} if database else options


async def _prepare(connection: Any) -> None:
    """Once per server session: check the connection returns text as str, switch strict mode on.
    (Callers skip the call when :func:`_prepared`: it is on every query's path.)"""
    if not getattr(connection, "use_unicode", True) or not connection.charset.startswith("utf8mb4"):
        raise ValueError(
            "lucia_adapter_mysql needs a pool whose connections use utf8mb4 and return text as str:"
            ' create it with aiomysql.create_pool(..., charset="utf8mb4")'
        )
    async with connection.cursor(aiomysql.Cursor) as cursor:
        await cursor.execute(_STRICT_MODE)
    _PREPARED[connection] = connection.thread_id()


def _prepared(connection: Any) -> bool:
    return bool(_PREPARED.get(connection) == connection.thread_id())


async def _rollback(connection: Any) -> None:
    """End whatever transaction is open; a connection that cannot roll back is closed instead."""
    if connection.closed:
        return
    try:
        await connection.rollback()
    except Exception:  # the original error matters more; the pool drops a closed connection
        connection.close()


@asynccontextmanager
async def pooled(pool: aiomysql.Pool, *, transaction: bool = False) -> AsyncIterator[Any]:
    """A pooled connection, handed back with no transaction open whatever the pool's autocommit.

    On success a transaction (explicit, or implicit when autocommit is off) is committed; on any
    error it is rolled back, and a connection that cannot roll back is closed.
    """
    async with pool.acquire() as connection:
        if not _prepared(connection):
            await _prepare(connection)
        if transaction:
            await connection.begin()
        try:
            yield connection
            if transaction or not connection.get_autocommit():
                await connection.commit()
        except BaseException:
            await _rollback(connection)
            raise


async def fetch(
    connection: Any, sql: str, parameters: Sequence[Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a query; its column names and its rows as tuples (whatever the pool's cursor class)."""
    async with connection.cursor(aiomysql.Cursor) as cursor:
        await cursor.execute(sql, parameters)
        rows = await cursor.fetchall()
        names = [column[0] for column in cursor.description]
    return names, [tuple(row) for row in rows]


async def fetch_one(
    pool: aiomysql.Pool, sql: str, parameters: Sequence[Any]
) -> tuple[list[str], tuple[Any, ...] | None]:
    """Run a query on a pooled connection; its column names and first row (None if none).

    What :func:`pooled` and :func:`fetch` do, without their context managers and row copies: this
    is the validation hot path. The connection is handed back with no transaction open.
    """
    connection = await pool.acquire()
    try:
        if not _prepared(connection):
            await _prepare(connection)
        cursor = await connection.cursor(aiomysql.Cursor)
        await cursor.execute(sql, parameters)
        row = await cursor.fetchone()  # a plain tuple: the cursor class is fixed
        names = [column[0] for column in cursor.description]
        await cursor.close()
        if not connection.get_autocommit():
            await connection.commit()
    except BaseException:
        await _rollback(connection)
        raise
    finally:
        # Awaited, as aiomysql's own context manager does: the task it returns wakes the
        # coroutines waiting for a connection, and without waiting for it this caller's next query
        # takes the connection back first, so under a full pool they wake for nothing.
        await pool.release(connection)
    return names, row


async def execute(connection: Any, sql: str, parameters: Sequence[Any] | None = None) -> int:
    """Run one statement; the number of rows it changed."""
    async with connection.cursor(aiomysql.Cursor) as cursor:
        return int(await cursor.execute(sql, parameters))


@asynccontextmanager
async def connect(url: str, *, pool_size: int = 10, **pool_options: Any) -> AsyncIterator[aiomysql.Pool]:
    """An aiomysql pool (utf8mb4) for ``mysql://user:password@host:port/database``, closed on exit;
    ValueError for a URL without a database."""
    options = connection_options(url)
    if "db" not in options:
        raise ValueError("a MySQL URL looks like mysql://user:password@host:3306/database")
    async with open_pool(options, pool_size=pool_size, **pool_options) as pool:
        yield pool


@asynccontextmanager
async def open_pool(
    options: Mapping[str, Any], *, pool_size: int, **pool_options: Any
) -> AsyncIterator[aiomysql.Pool]:
    """An aiomysql pool of at most ``pool_size`` connections with ``options``, closed on exit."""
    pool = await aiomysql.create_pool(**options, minsize=1, maxsize=pool_size, **pool_options)
    try:
        yield pool
    finally:
        pool.close()
        await pool.wait_closed()
