"""The SQLite adapter: users, keys and sessions in one SQLite database, over aiosqlite."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from lucia_core.drivers import expect, missing_driver

try:
    import aiosqlite
except ImportError:  # pragma: no cover - exercised in a test with aiosqlite hidden
    raise missing_driver("lucia_adapter_sqlite", "aiosqlite", "sqlite") from None

from lucia_core.adapter import Adapter, SessionAndUserReader, UserAndSessionsReader
from lucia_core.database import KeyRow, SessionRow, UserRow
from lucia_core.errors import LuciaError
from lucia_core.sql import JoinedColumns, Statements, table_names

from .columns import Reads, described
from .constraints import _violation, is_unique_violation
from .schema import SQLITE
from .tokens import SQLiteTokens
from .turns import turns_of


class SQLiteAdapter(SQLiteTokens, Adapter, SessionAndUserReader, UserAndSessionsReader):
    """A regular adapter (users, keys, sessions, one-time tokens) with a one-query
    ``get_session_and_user`` and ``get_user_and_sessions``.

    Coroutines sharing the connection take turns (``turns.py``): reads side by side, each write
    alone, so no statement runs inside another coroutine's transaction and reads never see a
    write that is still to roll back.
    Each write runs in a savepoint: when no transaction was open it commits on success, and it
    rolls back on any error. Leave the connection's ``isolation_level`` at its default or set it
    to None; on Python >= 3.12 do not open it with ``autocommit=False``, or writes wait for your
    own ``commit()``. Foreign keys are switched on (``PRAGMA foreign_keys = ON``) before the
    first statement.
    """

    def __init__(self, connection: aiosqlite.Connection, *, tables: Mapping[str, str] | None = None) -> None:
        names = table_names(SQLITE, tables)
        self._connection = expect(
            "sqlite_adapter",
            connection,
            aiosqlite.Connection,
            "an open aiosqlite connection",
            'connection = await aiosqlite.connect("app.db")',
        )
        self._turns = turns_of(connection)
        self._user, self._key, self._session = names["user"], names["key"], names["session"]
        self._token = names["token"]
        self._key_name = self._key.strip('"')
        self._sql = Statements(names)
        self._reads = Reads(connection)
        self._foreign_keys_on = False
        self._session_user_split = JoinedColumns()
        self._user_sessions_split = JoinedColumns()

    def __repr__(self) -> str:
        return f"SQLiteAdapter(user={self._user}, key={self._key}, session={self._session})"

    async def _select(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of one query as plain tuples, in one trip to aiosqlite's thread (through a
        cursor of its own when the connection has a row factory other than none or Row)."""
        connection = self._connection
        async with self._turns.reading():
            await self._enable_foreign_keys()
            if connection.row_factory in (None, sqlite3.Row):
                return [tuple(row) for row in await connection.execute_fetchall(sql, parameters)]
            return (await described(connection, sql, parameters))[1]

    async def _named(self, template: str, value: str) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Column names and rows of the read ``template`` (``SELECT ...``; see .columns)."""
        async with self._turns.reading():
            if not self._foreign_keys_on:
                await self._enable_foreign_keys()
            return await self._reads.read(self._sql(template), (value,))

    async def _rows(self, template: str, value: str) -> list[dict[str, Any]]:
        """Every row the read ``template`` finds, with every column."""
        names, rows = await self._named(template, value)
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def _keys(self, sql: str, value: str) -> list[KeyRow]:
        rows = await self._select(sql, (value,))
        return [KeyRow(id=row[0], user_id=row[1], hashed_password=row[2]) for row in rows]

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        connection = self._connection
        async with self._turns.writing():
            await self._enable_foreign_keys()
            outermost = not connection.in_transaction
            await connection.execute("SAVEPOINT lucia")
            try:
                yield connection
                await connection.execute("RELEASE lucia")
            except BaseException:
                if outermost:
                    await connection.rollback()
                else:
                    await connection.execute("ROLLBACK TO lucia")
                    await connection.execute("RELEASE lucia")
                raise

    async def _execute(self, sql: str, parameters: Sequence[Any]) -> int:
        """Run one write statement; the number of rows it changed."""
        async with self._write() as connection:
            cursor = await connection.execute(sql, parameters)
            return int(cursor.rowcount)

    async def _enable_foreign_keys(self) -> None:
        # The pragma is a no-op inside a transaction, so check that it took and retry if not.
        if self._foreign_keys_on:
            return
        await self._connection.execute("PRAGMA foreign_keys = ON")
        cursor = await self._connection.execute("PRAGMA foreign_keys")
        cursor.row_factory = None
        row = await cursor.fetchone()
        await cursor.close()
        self._foreign_keys_on = bool(row and row[0])

    async def _update(self, table: str, row_id: str, partial: Mapping[str, Any]) -> None:
        if partial:
            await self._execute(SQLITE.update(table, tuple(partial)), [*partial.values(), row_id])

    async def _insert(self, connection: aiosqlite.Connection, table: str, row: Mapping[str, Any]) -> None:
        """Insert into the key, session or token table, mapping Lucia's two errors; others propagate."""
        try:
            await connection.execute(SQLITE.insert(table, tuple(row)), list(row.values()))
        except sqlite3.IntegrityError as error:
            violation = _violation(error, self._key_name if table == self._key else "")
            if violation == "id":
                raise LuciaError("AUTH_DUPLICATE_KEY_ID") from error
            if violation == "foreign key":
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        rows = await self._rows("SELECT * FROM {user} WHERE id = ?", user_id)
        return rows[0] if rows else None

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        async with self._write() as connection:
            await connection.execute(SQLITE.insert(self._user, tuple(user)), list(user.values()))
            if key is not None:
                await self._insert(connection, self._key, key)

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        await self._update(self._user, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {user} WHERE id = ?"), (user_id,))

    async def get_key(self, key_id: str) -> KeyRow | None:
        keys = await self._keys(
            self._sql("SELECT id, user_id, hashed_password FROM {key} WHERE id = ?"), key_id
        )
        return keys[0] if keys else None

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        return await self._keys(
            self._sql("SELECT id, user_id, hashed_password FROM {key} WHERE user_id = ?"), user_id
        )

    async def set_key(self, key: KeyRow) -> None:
        async with self._write() as connection:
            await self._insert(connection, self._key, key)

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        await self._update(self._key, key_id, partial_key)

    async def replace_key_password(
        self, key_id: str, expected_hashed_password: str | None, hashed_password: str | None
    ) -> bool:
        sql = self._sql("UPDATE {key} SET hashed_password = ? WHERE id = ? AND hashed_password IS ?")
        return await self._execute(sql, (hashed_password, key_id, expected_hashed_password)) == 1

    async def delete_key(self, key_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {key} WHERE id = ?"), (key_id,))

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {key} WHERE user_id = ?"), (user_id,))

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        rows = await self._rows("SELECT * FROM {session} WHERE id = ?", session_id)
        return rows[0] if rows else None

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        return await self._rows("SELECT * FROM {session} WHERE user_id = ?", user_id)

    async def set_session(self, session: SessionRow) -> None:
        async with self._write() as connection:
            await self._insert(connection, self._session, session)

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        await self._update(self._session, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {session} WHERE id = ?"), (session_id,))

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {session} WHERE user_id = ?"), (user_id,))

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        names, rows = await self._named(
            'SELECT s.*, NULL AS "lucia:split", u.* FROM {session} AS s JOIN {user} AS u ON u.id = s.user_id'
            " WHERE s.id = ?",
            session_id,
        )
        return self._session_user_split.row(names, rows[0]) if rows else (None, None)

    # UserAndSessionsReader

    async def get_user_and_sessions(self, user_id: str) -> tuple[UserRow | None, list[SessionRow]]:
        names, rows = await self._named(
            'SELECT u.*, NULL AS "lucia:split", s.* FROM {user} AS u LEFT JOIN {session} AS s'
            " ON s.user_id = u.id WHERE u.id = ?",
            user_id,
        )
        return self._user_sessions_split.one_and_many(names, rows)


def sqlite_adapter(
    connection: aiosqlite.Connection, *, tables: Mapping[str, str] | None = None
) -> SQLiteAdapter:
    """Create a :class:`SQLiteAdapter` over an open aiosqlite connection.

    ``tables`` may rename any of the tables ``{"user": ..., "key": ..., "session": ..., "token":
    ...}`` (defaults ``auth_user``, ``user_key``, ``user_session``, ``user_token``). Raises
    ValueError for an unknown key or a name that is not a plain identifier (letters, digits,
    underscores; at most 63), and TypeError when ``connection`` is not an aiosqlite connection.
    Names are always quoted in SQL, and every value is passed as a parameter.
    """
    return SQLiteAdapter(connection, tables=tables)


__all__ = ["SQLiteAdapter", "_violation", "is_unique_violation", "sqlite_adapter"]
