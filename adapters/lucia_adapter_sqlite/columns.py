"""The column names of the SQLite adapter's reads: read once per statement from its cursor, then
reused while the database's schema version (returned by the same statement) is unchanged.

A read written ``VERSIONED + "* FROM ..."`` returns the schema version as its first column. When
the cached names were read at that version they are still the ones ``*`` expands to; after any
schema change (an attribute column added, from any connection) the names are read again. So the
common read is one trip to aiosqlite's thread, without a per-row column-name subquery.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite

#: The start of every read whose column names are cached: the schema version, then the columns.
VERSIONED = "SELECT (SELECT schema_version FROM pragma_schema_version), "


async def described(
    connection: aiosqlite.Connection, sql: str, parameters: Sequence[Any]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """The column names (from the cursor) and rows (plain tuples, whatever the row factory)."""
    cursor = await connection.execute(sql, parameters)
    try:
        cursor.row_factory = None
        rows = await cursor.fetchall()
        return tuple(column[0] for column in cursor.description), [tuple(row) for row in rows]
    finally:
        await cursor.close()


class ColumnNames:
    """Per read statement: the schema version its column names were read at, and the names."""

    def __init__(self) -> None:
        self._known: dict[str, tuple[Any, tuple[str, ...]]] = {}

    async def read(
        self, connection: aiosqlite.Connection, sql: str, parameters: Sequence[Any]
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Column names (without the version column) and rows (plain tuples, still starting with
        it: callers skip it, so that no row is copied) of ``sql``, which starts with
        :data:`VERSIONED`. The caller holds the connection's read turn."""
        known = self._known.get(sql)
        factory = connection.row_factory
        if known is not None and factory in (None, sqlite3.Row):
            fetched = await connection.execute_fetchall(sql, parameters)
            rows = [tuple(row) for row in fetched] if factory else cast("list[tuple[Any, ...]]", fetched)
            if not rows:
                return (), []
            if known[0] == rows[0][0]:  # read again (below) only after a schema change
                return known[1], rows
        names, rows = await described(connection, sql, parameters)
        if rows:
            self._known[sql] = (rows[0][0], names[1:])
        return names[1:], rows
