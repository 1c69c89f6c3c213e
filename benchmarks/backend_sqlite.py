"""SQLite (aiosqlite): each store is a database file of its own, in WAL mode, on one connection."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import KeyRow, SessionRow, lucia
from lucia_core.cli import schema_text
from lucia_core.expiration import now_ms

from .backend import Backend, Store, flatten
from .data import active_expirations

FLOOR = {
    "validate": "one SELECT s.*, u.* ... JOIN ... WHERE s.id = ? through connection.execute_fetchall"
    " (one trip to aiosqlite's thread), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations and a commit",
    "create_session": "one INSERT (foreign keys on) and a commit, then one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE and a commit",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}

_VALIDATE = "SELECT s.*, u.* FROM user_session s JOIN auth_user u ON u.id = s.user_id WHERE s.id = ?"
_RENEW = "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?"
_INSERT = "INSERT INTO user_session (id, user_id, active_expires, idle_expires) VALUES (?, ?, ?, ?)"
_USER = "SELECT * FROM auth_user WHERE id = ?"
_DELETE = "DELETE FROM user_session WHERE id = ?"
_USER_SESSIONS = (
    "SELECT u.id, s.id, s.user_id, s.active_expires, s.idle_expires"
    " FROM auth_user u LEFT JOIN user_session s ON s.user_id = u.id WHERE u.id = ?"
)


class SQLiteStore(Store):
    """One database file with Lucia's tables (``schemas/sqlite.sql``); the library and the floor
    share its single aiosqlite connection (WAL journal, ``synchronous=NORMAL``)."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.auth = lucia(adapter=sqlite_adapter(connection), env="PROD")

    @classmethod
    async def open(cls, path: Path) -> SQLiteStore:
        """Create the file, set WAL mode, apply lucia-core's schema."""
        connection = await aiosqlite.connect(path)
        await connection.execute("PRAGMA journal_mode = WAL")
        await connection.execute("PRAGMA synchronous = NORMAL")
        await connection.execute("PRAGMA foreign_keys = ON")
        await connection.executescript(schema_text("sqlite"))
        await connection.commit()
        return cls(connection, path)

    async def insert_users(self, ids: Sequence[str]) -> None:
        """executemany, committed."""
        await self.connection.executemany("INSERT INTO auth_user (id) VALUES (?)", [(i,) for i in ids])
        await self.connection.commit()

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        """executemany, committed."""
        await self.connection.executemany(_INSERT, flatten(rows))
        await self.connection.commit()

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """executemany, committed."""
        await self.connection.executemany(
            "INSERT INTO user_key (id, user_id, hashed_password) VALUES (?, ?, ?)",
            [(row["id"], row["user_id"], row["hashed_password"]) for row in rows],
        )
        await self.connection.commit()

    async def analyze(self) -> None:
        """ANALYZE."""
        await self.connection.execute("ANALYZE")
        await self.connection.commit()

    async def drop(self) -> None:
        """Close the connection and delete the file (with its WAL and shared-memory files)."""
        await self.connection.close()
        for suffix in ("", "-wal", "-shm"):
            await asyncio.to_thread(Path(f"{self.path}{suffix}").unlink, missing_ok=True)

    async def floor_validate(self, session_id: str) -> bool:
        """One execute_fetchall."""
        rows = await self.connection.execute_fetchall(_VALIDATE, (session_id,))
        for row in rows:
            return bool(now_ms() < row[2])
        return False

    async def floor_validate_idle(self, session_id: str) -> bool:
        """The SELECT, then the UPDATE and a commit."""
        rows = list(await self.connection.execute_fetchall(_VALIDATE, (session_id,)))
        if not rows or now_ms() >= rows[0][3]:
            return False
        await self.connection.execute(_RENEW, (*active_expirations(), session_id))
        await self.connection.commit()
        return True

    async def floor_create_session(self, session_id: str, user_id: str) -> None:
        """One INSERT and a commit, then the user's SELECT."""
        await self.connection.execute(_INSERT, (session_id, user_id, *active_expirations()))
        await self.connection.commit()
        await self.connection.execute_fetchall(_USER, (user_id,))

    async def floor_invalidate_session(self, session_id: str) -> None:
        """One DELETE and a commit."""
        await self.connection.execute(_DELETE, (session_id,))
        await self.connection.commit()

    async def floor_get_user_sessions(self, user_id: str) -> int:
        """One SELECT ... LEFT JOIN."""
        rows = await self.connection.execute_fetchall(_USER_SESSIONS, (user_id,))
        now = now_ms()
        return sum(1 for row in rows if row[1] is not None and now < row[4])


class SQLiteBackend(Backend):
    """SQLite files in a temporary folder (``sqlite3`` library version as the server version)."""

    name = "sqlite"
    label = "SQLite"
    floor = FLOOR
    large_scale = True

    def __init__(self, folder: str | None = None) -> None:
        self.parent = folder
        self.folder: Path | None = None

    async def connect(self) -> None:
        """Create the temporary folder."""
        self.folder = Path(tempfile.mkdtemp(prefix="lucia_bench_", dir=self.parent))

    async def close(self) -> None:
        """Remove the temporary folder."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)

    async def store(self, tag: str) -> SQLiteStore:
        """A new database file ``<tag>.db``."""
        assert self.folder is not None, "connect() first"
        return await SQLiteStore.open(self.folder / f"{tag}.db")

    async def server_version(self) -> str:
        """The SQLite library's version."""
        return sqlite3.sqlite_version
