"""A pool behind PgBouncer in transaction (or statement) pooling mode needs asyncpg's statement
cache off: refused with a clear error on first use instead of failing, or answering wrongly, later.

asyncpg names its cached prepared statements ``__asyncpg_stmt_<n>__``, counting per client
connection, and runs them by name. Behind a transaction pooler each transaction may land on
another server connection, where that name is missing (an error) or is another client's
statement with the same number (a wrong answer: its SQL runs with these arguments). With
``statement_cache_size=0`` asyncpg sends each statement unnamed with its arguments in one go,
which any server connection runs correctly.

The pooler is recognized by the process id the connection was given at start-up: PostgreSQL
sends its backend's own, ``pg_backend_pid()``; PgBouncer makes one up (a cancel key of its own),
while a plain TCP proxy passes PostgreSQL's through. A pooler in session mode is recognized too;
there the cache would work, but the setting costs little and is asked for all the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, cast

import asyncpg

MESSAGE = (
    "lucia_adapter_postgres: this asyncpg pool reaches PostgreSQL through a connection pooler"
    " (PgBouncer: the server's process id {backend} differs from the {announced} announced to the"
    " client), and its prepared-statement cache is on (statement_cache_size={size}). Behind"
    " PgBouncer's transaction pooling, cached statements fail or run another client's SQL:"
    " create the pool with asyncpg.create_pool(..., statement_cache_size=0)."
)


async def check_connection(connection: Any) -> None:
    """Raise ValueError if ``connection`` is behind a pooler and caches prepared statements."""
    config = getattr(connection, "_config", None)
    size = getattr(config, "statement_cache_size", None)
    if size == 0:
        return
    announced = connection.get_server_pid()
    backend = await connection.fetchval("SELECT pg_backend_pid()")
    if backend != announced:
        raise ValueError(MESSAGE.format(backend=backend, announced=announced, size=size))


class CheckedPool:
    """The adapter's view of an asyncpg pool until its set-up is checked: the pool's own
    methods, after one :func:`check_connection` before the first statement. A failed check is
    raised again by every call; a passed one calls ``on_checked`` (the adapter then uses the
    pool itself, so the check costs nothing afterwards)."""

    def __init__(self, pool: asyncpg.Pool, on_checked: Callable[[], None]) -> None:
        self._pool = pool
        self._on_checked = on_checked
        self._checked = False
        self._lock = asyncio.Lock()

    async def _check(self) -> None:
        async with self._lock:
            if not self._checked:
                async with self._pool.acquire() as connection:
                    await check_connection(connection)
                self._checked = True
                self._on_checked()

    async def fetchrow(self, *args: Any) -> Any:
        if not self._checked:
            await self._check()
        return await self._pool.fetchrow(*args)

    async def fetch(self, *args: Any) -> Any:
        if not self._checked:
            await self._check()
        return await self._pool.fetch(*args)

    async def fetchval(self, *args: Any) -> Any:
        if not self._checked:
            await self._check()
        return await self._pool.fetchval(*args)

    async def execute(self, *args: Any) -> Any:
        if not self._checked:
            await self._check()
        return await self._pool.execute(*args)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Any]:
        if not self._checked:
            await self._check()
        async with self._pool.acquire() as connection:
            yield connection


def checked_pool(pool: asyncpg.Pool, on_checked: Callable[[], None]) -> asyncpg.Pool:
    """``pool`` behind a :class:`CheckedPool` (typed as the pool: it has the methods adapters use)."""
    return cast("asyncpg.Pool", CheckedPool(pool, on_checked))
