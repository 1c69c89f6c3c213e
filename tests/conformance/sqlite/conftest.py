"""Run the lucia_conformance suite against lucia_adapter_sqlite.

This file is also the example to copy when testing your own adapter: provide ``lucia_adapter``
(the adapter under test, on empty tables) and ``lucia_database`` (raw access to the same tables),
then run, from this folder::

    pytest --pyargs lucia_conformance --rootdir=.

Each test gets a fresh SQLite file with Lucia's tables (``schemas/sqlite.sql``) plus the columns
the suite expects: ``auth_user.username`` (UNIQUE), ``user_session.country`` and ``user_token.email``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import pytest_asyncio

from lucia_adapter_sqlite import SQLiteAdapter, sqlite_adapter
from lucia_conformance import RawDatabase

SCHEMA = Path(__file__).resolve().parents[3] / "schemas" / "sqlite.sql"

TEST_COLUMNS = """
ALTER TABLE auth_user ADD COLUMN username TEXT;
CREATE UNIQUE INDEX auth_user_username ON auth_user (username);
ALTER TABLE user_session ADD COLUMN country TEXT;
ALTER TABLE user_token ADD COLUMN email TEXT;
"""


class SQLiteTable:
    """Raw access to one table (a ``lucia_conformance.RawTable``), bypassing the adapter."""

    def __init__(self, connection: aiosqlite.Connection, name: str) -> None:
        self.connection = connection
        self.name = name

    async def insert(self, row: Mapping[str, Any]) -> None:
        columns = ", ".join(f'"{column}"' for column in row)
        placeholders = ", ".join("?" for _ in row)
        await self.connection.execute(
            f'INSERT INTO "{self.name}" ({columns}) VALUES ({placeholders})', list(row.values())
        )

    async def get_all(self) -> list[dict[str, Any]]:
        async with self.connection.execute(f'SELECT * FROM "{self.name}"') as cursor:
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]

    async def clear(self) -> None:
        await self.connection.execute(f'DELETE FROM "{self.name}"')


@pytest.fixture
def database_path(tmp_path: Path) -> Path:
    """A fresh database file with the schema and the suite's test columns."""
    path = tmp_path / "lucia.sqlite3"
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(f"BEGIN; {SCHEMA.read_text()} {TEST_COLUMNS} COMMIT;")
    return path


@pytest_asyncio.fixture
async def sqlite_connection(database_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    """The adapter's own connection, as an application would open it."""
    async with aiosqlite.connect(database_path) as connection:
        yield connection


@pytest_asyncio.fixture
async def lucia_adapter(sqlite_connection: aiosqlite.Connection) -> SQLiteAdapter:
    """The adapter under test."""
    return sqlite_adapter(sqlite_connection)


@pytest_asyncio.fixture
async def lucia_database(database_path: Path) -> AsyncIterator[RawDatabase]:
    """Raw access through a second connection (autocommit), so only committed writes show."""
    async with aiosqlite.connect(database_path, isolation_level=None) as connection:
        await connection.execute("PRAGMA foreign_keys = ON")
        yield RawDatabase(
            user=SQLiteTable(connection, "auth_user"),
            key=SQLiteTable(connection, "user_key"),
            session=SQLiteTable(connection, "user_session"),
            token=SQLiteTable(connection, "user_token"),
        )
