"""Reads with their column names. The SQLite adapter reads ``SELECT *``: the names are those the
``*`` expands to at that moment (an attribute column may have been added since the last read, by
any connection), so each read needs the names together with its rows.

aiosqlite's public calls give either the rows alone (``execute_fetchall``, one trip to its
thread) or a cursor (one trip to execute, one to fetch, one to close). :class:`Reads` makes it one
trip with the names: it queues a function of its own, which executes the statement, fetches the
rows and reads the cursor's description on aiosqlite's thread, through ``Connection._execute``,
the method all of aiosqlite's own calls queue their work with (0.17 to 0.22). That method is
private, so where it is missing the reads take a public path instead: each statement also returns
the schema version, and the names are read through a cursor again only when it changed (that
costs about a fifth of a primary-key read more).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, cast

import aiosqlite

Names = tuple[str, ...]
Rows = list[tuple[Any, ...]]
Described = tuple[Names, Rows]

#: What the public path puts before the columns of every read: the schema version.
_VERSIONED = "SELECT (SELECT schema_version FROM pragma_schema_version), "


def _read_on_thread(connection: sqlite3.Connection, sql: str, parameters: Sequence[Any]) -> Described:
    # Runs on aiosqlite's thread: a cursor of our own, so rows are plain tuples whatever the
    # connection's row factory.
    cursor = connection.execute(sql, parameters)
    try:
        cursor.row_factory = None
        rows = cursor.fetchall()
        return tuple(column[0] for column in cursor.description), rows
    finally:
        cursor.close()


async def described(connection: aiosqlite.Connection, sql: str, parameters: Sequence[Any]) -> Described:
    """The column names and rows (plain tuples, whatever the row factory) of ``sql``, through
    aiosqlite's public cursor calls."""
    cursor = await connection.execute(sql, parameters)
    try:
        cursor.row_factory = None
        rows = await cursor.fetchall()
        return tuple(column[0] for column in cursor.description), [tuple(row) for row in rows]
    finally:
        await cursor.close()


class Reads:
    """One connection's reads with their column names (see the module's docstring). ``direct``:
    queue the read as one job on aiosqlite's thread (the default where aiosqlite allows it)."""

    def __init__(self, connection: aiosqlite.Connection, *, direct: bool | None = None) -> None:
        self._connection = connection
        available = callable(getattr(connection, "_execute", None)) and isinstance(
            getattr(type(connection), "_conn", None), property
        )
        self.direct = available if direct is None else direct and available
        self._known: dict[str, tuple[Any, Names]] = {}  # the public path's names, per statement

    async def read(self, sql: str, parameters: Sequence[Any]) -> Described:
        """The column names and rows (plain tuples) of the ``SELECT`` statement ``sql``. The caller
        holds the connection's read turn."""
        connection = self._connection
        if self.direct:
            # _execute and _conn are aiosqlite's own (see the module's docstring).
            queue: Any = connection._execute
            return cast("Described", await queue(_read_on_thread, connection._conn, sql, parameters))
        return await self._versioned(_VERSIONED + sql.removeprefix("SELECT "), parameters)

    async def _versioned(self, sql: str, parameters: Sequence[Any]) -> Described:
        known = self._known.get(sql)
        factory = self._connection.row_factory
        if known is not None and factory in (None, sqlite3.Row):
            fetched = await self._connection.execute_fetchall(sql, parameters)
            rows = [tuple(row) for row in fetched]
            if not rows:
                return (), []
            if known[0] == rows[0][0]:  # read the names again (below) only after a schema change
                return known[1], [row[1:] for row in rows]
        names, rows = await described(self._connection, sql, parameters)
        if rows:
            self._known[sql] = (rows[0][0], names[1:])
        return names[1:], [row[1:] for row in rows]
