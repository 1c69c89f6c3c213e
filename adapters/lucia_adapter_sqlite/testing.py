"""Throwaway SQLite stores for tests and benchmarks: a fresh database file of Lucia's tables (plus
attribute columns) in a folder, the adapter over a connection of its own, raw access to the same
tables for the conformance suite (a second connection, in autocommit mode). The benchmarks'
raw-driver floor is :mod:`.floor`.

    async with throwaway_store(tmp_path) as store:   # the file is deleted at the end
        auth = lucia(adapter=store.adapter)
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from lucia_conformance.raw import RawDatabase, sql_database
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.database import DEFAULT_TABLES, Attribute

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
