"""SQLite (aiosqlite): each store is a database file of its own, in WAL mode, on one connection;
the connection and the floor are ``lucia_adapter_sqlite.testing``'s."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from lucia_adapter_sqlite.testing import benchmark_store, library_version
from lucia_core import lucia

from .backend import Backend, FloorStore

FLOOR = {
    "validate": "one SELECT s.*, u.* ... JOIN ... WHERE s.id = ? through connection.execute_fetchall"
    " (one trip to aiosqlite's thread), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations and a commit",
    "create_session": "one INSERT (foreign keys on) and a commit, then one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE and a commit",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}


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

    async def store(self, tag: str) -> FloorStore:
        """A new database file ``<tag>.db``; the library and the floor share its one connection."""
        assert self.folder is not None, "connect() first"
        adapter, floor = await benchmark_store(self.folder / f"{tag}.db")
        return FloorStore(lucia(adapter=adapter, env="PROD"), floor)

    async def server_version(self) -> str:
        """The SQLite library's version."""
        return library_version()
