"""Throwaway SQLite stores for tests and benchmarks: a fresh database file of Lucia's tables (plus
attribute columns) in a folder, the adapter over a connection of its own, raw access to the same
tables for the conformance suite (a second connection, in autocommit mode), and the benchmarks'
raw-driver floor.

    async with throwaway_store(tmp_path) as store:   # the file is deleted at the end
        auth = lucia(adapter=store.adapter)
"""

from __future__ import annotations

import asyncio
import secrets
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from lucia_conformance.raw import RawDatabase, sql_database
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.database import DEFAULT_TABLES, Attribute, KeyRow, SessionRow
from lucia_core.expiration import now_ms

from .adapter import sqlite_adapter
from .schema import SQLITE, add_attributes, create_schema

# A new store is a copy of a file made once per process and set of attributes: tests make many.
_TEMPLATES: dict[tuple[Attribute, ...], bytes] = {}


async def create_store(path: Path, attributes: Iterable[Attribute] = SUITE_ATTRIBUTES) -> None:
    """Create the database file ``path`` with Lucia's tables and the attribute columns."""
    key = tuple(attributes)
    if key not in _TEMPLATES:
        async with aiosqlite.connect(path) as connection:
            await create_schema(connection)
            await add_attributes(connection, key)
        _TEMPLATES[key] = await asyncio.to_thread(path.read_bytes)
        return
    await asyncio.to_thread(path.write_bytes, _TEMPLATES[key])


def raw_database(connection: aiosqlite.Connection) -> RawDatabase:
    """Raw access to Lucia's tables through ``connection`` (open it with ``isolation_level=None``,
    so that it only ever sees committed rows)."""

    async def run(sql: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
        async with connection.execute(sql, parameters) as cursor:
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]

    return sql_database(SQLITE, DEFAULT_TABLES, run)


@asynccontextmanager
async def throwaway_store(
    folder: Path | str, *, attributes: Iterable[Attribute] = SUITE_ATTRIBUTES
) -> AsyncIterator[ThrowawayStore]:
    """A new database file in ``folder``, deleted when the context ends."""
    path = Path(folder) / f"lucia_test_{secrets.token_hex(6)}.sqlite3"
    await create_store(path, attributes)

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        async with aiosqlite.connect(path) as connection:
            yield sqlite_adapter(connection)

    try:
        async with (
            aiosqlite.connect(path) as connection,
            aiosqlite.connect(path, isolation_level=None) as raw,
        ):
            await raw.execute("PRAGMA foreign_keys = ON")
            tables = dict(DEFAULT_TABLES)
            adapter = sqlite_adapter(connection)
            yield ThrowawayStore(
                "sqlite", adapter, raw_database(raw), open_adapter, tables, connection, str(path)
            )
    finally:
        for suffix in ("", "-wal", "-shm", "-journal"):
            await asyncio.to_thread(Path(f"{path}{suffix}").unlink, missing_ok=True)


class Floor:
    """The benchmarks' floor: each operation written directly with aiosqlite on the library's own
    connection, plus bulk loading (executemany)."""

    VALIDATE = "SELECT s.*, u.* FROM user_session s JOIN auth_user u ON u.id = s.user_id WHERE s.id = ?"
    RENEW = "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?"
    INSERT = "INSERT INTO user_session (id, user_id, active_expires, idle_expires) VALUES (?, ?, ?, ?)"
    USER = "SELECT * FROM auth_user WHERE id = ?"
    DELETE = "DELETE FROM user_session WHERE id = ?"
    USER_SESSIONS = (
        "SELECT u.id, s.id, s.user_id, s.active_expires, s.idle_expires"
        " FROM auth_user u LEFT JOIN user_session s ON s.user_id = u.id WHERE u.id = ?"
    )

    def __init__(self, connection: aiosqlite.Connection, path: str) -> None:
        self.connection = connection
        self.path = path

    async def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        await self.connection.executemany(sql, rows)
        await self.connection.commit()

    async def insert_users(self, ids: Sequence[str]) -> None:
        await self._many("INSERT INTO auth_user (id) VALUES (?)", [(user_id,) for user_id in ids])

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        columns = ("id", "user_id", "active_expires", "idle_expires")
        await self._many(self.INSERT, [tuple(row[column] for column in columns) for row in rows])

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        await self._many(
            "INSERT INTO user_key (id, user_id, hashed_password) VALUES (?, ?, ?)",
            [(row["id"], row["user_id"], row["hashed_password"]) for row in rows],
        )

    async def analyze(self) -> None:
        await self.connection.execute("ANALYZE")
        await self.connection.commit()

    async def validate(self, session_id: str) -> bool:
        for row in await self.connection.execute_fetchall(self.VALIDATE, (session_id,)):
            return bool(now_ms() < row[2])
        return False

    async def validate_idle(self, session_id: str, renewed: tuple[int, int]) -> bool:
        rows = list(await self.connection.execute_fetchall(self.VALIDATE, (session_id,)))
        if not rows or now_ms() >= rows[0][3]:
            return False
        await self.connection.execute(self.RENEW, (*renewed, session_id))
        await self.connection.commit()
        return True

    async def create_session(self, session_id: str, user_id: str, expirations: tuple[int, int]) -> None:
        await self.connection.execute(self.INSERT, (session_id, user_id, *expirations))
        await self.connection.commit()
        await self.connection.execute_fetchall(self.USER, (user_id,))

    async def invalidate_session(self, session_id: str) -> None:
        await self.connection.execute(self.DELETE, (session_id,))
        await self.connection.commit()

    async def get_user_sessions(self, user_id: str) -> int:
        rows = await self.connection.execute_fetchall(self.USER_SESSIONS, (user_id,))
        now = now_ms()
        return sum(1 for row in rows if row[1] is not None and now < row[4])

    async def drop(self) -> None:
        """Close the connection and delete the file (with its WAL and shared-memory files)."""
        path = Path(self.path)
        await self.connection.close()
        for suffix in ("", "-wal", "-shm"):
            await asyncio.to_thread(Path(f"{path}{suffix}").unlink, missing_ok=True)


async def benchmark_store(path: Path) -> tuple[Any, Floor]:
    """A new database file ``path`` (WAL journal, ``synchronous=NORMAL``) with Lucia's tables: the
    adapter over its one connection, and the floor on the same connection."""
    connection = await aiosqlite.connect(path)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        await connection.execute(f"PRAGMA {pragma}")
    await create_schema(connection)
    return sqlite_adapter(connection), Floor(connection, str(path))


def library_version() -> str:
    """The SQLite library's version."""
    return sqlite3.sqlite_version
