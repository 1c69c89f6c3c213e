"""The benchmarks' raw-driver floor on SQLite: :class:`Floor`, each operation written directly with
aiosqlite (as few statements as Lucia's tables allow) plus bulk loading; :class:`Server`, the
benchmark's stores (a database file of its own each, in WAL mode, on one connection the library
and the floor share); :data:`FLOOR`, the floor in words for the report.
"""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aiosqlite

from lucia_core.database import KeyRow, SessionRow
from lucia_core.expiration import now_ms

from .adapter import sqlite_adapter
from .schema import create_schema

#: What the floor is, per operation, in words (for the report).
FLOOR = {
    "validate": "one SELECT s.*, u.* ... JOIN ... WHERE s.id = ? through connection.execute_fetchall"
    " (one trip to aiosqlite's thread), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations and a commit",
    "create_session": "one INSERT (foreign keys on) and a commit, then one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE and a commit",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}


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


class Server:
    """SQLite files in a temporary folder (made in ``folder``, or the system's), one per store,
    removed by :meth:`close`; the ``sqlite3`` library's version as the server version."""

    #: The scale scenario goes to its large sizes here.
    large_scale = True

    def __init__(self, folder: str | None, run: str) -> None:
        self.parent, self.run = folder, run
        self.folder: Path | None = None

    async def connect(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lucia_bench_", dir=self.parent))

    async def close(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    async def store(self, tag: str) -> tuple[Any, Floor]:
        """A new database file ``<tag>.db`` (WAL journal, ``synchronous=NORMAL``) with Lucia's
        tables: the adapter over its one connection, and the floor on the same connection."""
        assert self.folder is not None, "connect() first"
        path = self.folder / f"{tag}.db"
        connection = await aiosqlite.connect(path)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
            await connection.execute(f"PRAGMA {pragma}")
        await create_schema(connection)
        return sqlite_adapter(connection), Floor(connection, str(path))

    async def version(self) -> str:
        """The SQLite library's version."""
        return sqlite3.sqlite_version
