"""The SQLite adapter: users, keys and sessions in one SQLite database, over aiosqlite."""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sqlite3
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

try:
    import aiosqlite
except ImportError as error:  # pragma: no cover - exercised in a test with aiosqlite hidden
    raise ImportError(
        'lucia_adapter_sqlite needs aiosqlite; install it with: pip install "lucia-core[sqlite]"'
    ) from error

from lucia_core.database import KeyRow, SessionRow, TokenRow, UserRow
from lucia_core.errors import LuciaError

#: Lucia v2's default table names.
DEFAULT_TABLES: Mapping[str, str] = {
    "user": "auth_user",
    "key": "user_key",
    "session": "user_session",
    "token": "user_token",
}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# aiosqlite runs every statement of a connection on one thread, but coroutines interleave between
# statements: without a lock, one coroutine's statements would land inside another's transaction
# (and be rolled back with it), and reads would see rows a failing write is about to roll back.
# One lock per connection, so that two adapters sharing a connection also take turns.
_LOCKS: weakref.WeakKeyDictionary[aiosqlite.Connection, asyncio.Lock] = weakref.WeakKeyDictionary()


def _quote(name: object, kind: str) -> str:
    """Return the identifier double-quoted, or raise ValueError if it is not a plain identifier."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"invalid SQLite {kind} name {name!r}: names must match [A-Za-z_][A-Za-z0-9_]*")
    return f'"{name}"'


def _insert_sql(table: str, row: Mapping[str, Any]) -> tuple[str, list[Any]]:
    if not row:
        raise ValueError("cannot insert an empty row")
    columns = ", ".join(_quote(name, "column") for name in row)
    placeholders = ", ".join("?" for _ in row)
    # Identifiers are validated and quoted by _quote; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(row.values())  # noqa: S608


def _violation(error: sqlite3.IntegrityError, table: str) -> str | None:
    """Which constraint of ``table`` an INSERT into it broke: "id", "foreign key" or None (other).

    ``sqlite_errorname`` exists from Python 3.11; the message is the fallback for 3.10.
    """
    name = getattr(error, "sqlite_errorname", "")
    message = str(error)
    if name == "SQLITE_CONSTRAINT_FOREIGNKEY" or message == "FOREIGN KEY constraint failed":
        return "foreign key"
    if name == "SQLITE_CONSTRAINT_PRIMARYKEY" or message.lower() == (
        f"unique constraint failed: {table}.id".lower()
    ):
        return "id"
    return None


# A query's first column can carry the column names of a table as SELECT * lists them (hidden
# columns of virtual tables excluded), computed by the statement that reads the rows: the names
# are always the ones the rows were read with, and there is no cache to invalidate.
_NAMES = "(SELECT json_group_array(name) FROM pragma_table_xinfo(?) WHERE hidden != 1)"


@functools.lru_cache(maxsize=64)
def _column_names(text: str) -> tuple[str, ...]:
    return tuple(json.loads(text))


async def _fetch_all(
    connection: aiosqlite.Connection, sql: str, parameters: Sequence[Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a query; return its column names and its rows as plain tuples."""
    cursor = await connection.execute(sql, parameters)
    try:
        cursor.row_factory = None  # whatever factory the caller set on the connection
        rows = await cursor.fetchall()
        names = [column[0] for column in cursor.description]
    finally:
        await cursor.close()
    return names, [tuple(row) for row in rows]


class SQLiteAdapter:
    """A regular adapter (users, keys, sessions) with a one-query ``get_session_and_user``.

    Every method takes a per-connection lock, so coroutines sharing the connection never run
    inside each other's transaction. Each write runs in a savepoint: when no transaction was open
    it commits on success, and it rolls back on any error. Leave the connection's
    ``isolation_level`` at its default or set it to None; on Python >= 3.12 do not open it with
    ``autocommit=False``, or writes wait for your own ``commit()``. Foreign keys are switched on
    (``PRAGMA foreign_keys = ON``) before the first statement.
    """

    def __init__(self, connection: aiosqlite.Connection, *, tables: Mapping[str, str] | None = None) -> None:
        names = dict(DEFAULT_TABLES)
        if tables is not None:
            unknown = set(tables) - set(DEFAULT_TABLES)
            if unknown:
                raise ValueError(
                    f"unknown table keys {sorted(unknown)}: use 'user', 'key', 'session' and 'token'"
                )
            names.update(tables)
        self._connection = connection
        self._user = _quote(names["user"], "table")
        self._key = _quote(names["key"], "table")
        self._session = _quote(names["session"], "table")
        self._user_name = names["user"]
        self._key_name = names["key"]
        self._session_name = names["session"]
        self._token = _quote(names["token"], "table")
        self._token_name = names["token"]
        self._foreign_keys_on = False

    def __repr__(self) -> str:
        return f"SQLiteAdapter(user={self._user}, key={self._key}, session={self._session})"

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[aiosqlite.Connection]:
        async with _LOCKS.setdefault(self._connection, asyncio.Lock()):
            await self._enable_foreign_keys()
            yield self._connection

    async def _select(self, sql: str, parameters: Sequence[Any]) -> list[tuple[Any, ...]]:
        """The rows of one query, read in one trip to aiosqlite's thread.

        ``execute_fetchall`` queues the whole statement as a single job before this coroutine
        yields, and aiosqlite runs its jobs in order. So unless a write of this adapter is in
        progress (it holds the lock from its SAVEPOINT to its RELEASE), the read cannot land
        inside a write's transaction, and it needs neither the lock nor a cursor of its own.
        Otherwise (and before foreign keys are on, or with a row factory other than none or
        ``sqlite3.Row``) it waits for the lock and reads through a cursor.
        """
        connection = self._connection
        lock = _LOCKS.setdefault(connection, asyncio.Lock())
        if self._foreign_keys_on and not lock.locked() and connection.row_factory in (None, sqlite3.Row):
            return [tuple(row) for row in await connection.execute_fetchall(sql, parameters)]
        async with self._read() as connection:
            _, rows = await _fetch_all(connection, sql, parameters)
        return rows

    async def _select_rows(self, table: str, name: str, column: str, value: str) -> list[dict[str, Any]]:
        """Every row of ``table`` whose ``column`` is ``value``, with every column, as dicts."""
        rows = await self._select(
            f"SELECT {_NAMES}, * FROM {table} WHERE {column} = ?",  # noqa: S608 - names validated
            (name, value),
        )
        if not rows:
            return []
        names = _column_names(rows[0][0])
        return [dict(zip(names, row[1:], strict=True)) for row in rows]

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        connection = self._connection
        async with _LOCKS.setdefault(connection, asyncio.Lock()):
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

    async def _enable_foreign_keys(self) -> None:
        # The pragma is a no-op inside a transaction, so check that it took and retry if not.
        if self._foreign_keys_on:
            return
        await self._connection.execute("PRAGMA foreign_keys = ON")
        _, rows = await _fetch_all(self._connection, "PRAGMA foreign_keys", ())
        self._foreign_keys_on = bool(rows and rows[0][0])

    async def _get_one(self, table: str, name: str, row_id: str) -> dict[str, Any] | None:
        rows = await self._select_rows(table, name, "id", row_id)
        return rows[0] if rows else None

    async def _update(self, table: str, row_id: str, partial: Mapping[str, Any]) -> None:
        if not partial:
            return
        assignments = ", ".join(f"{_quote(name, 'column')} = ?" for name in partial)
        async with self._write() as connection:
            await connection.execute(
                f"UPDATE {table} SET {assignments} WHERE id = ?",  # noqa: S608 - names validated
                [*partial.values(), row_id],
            )

    async def _delete(self, table: str, column: str, value: str) -> None:
        async with self._write() as connection:
            await connection.execute(
                f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608 - fixed, quoted names
                (value,),
            )

    async def _insert_key(self, connection: aiosqlite.Connection, key: KeyRow) -> None:
        sql, parameters = _insert_sql(self._key, key)
        try:
            await connection.execute(sql, parameters)
        except sqlite3.IntegrityError as error:
            violation = _violation(error, self._key_name)
            if violation == "id":
                raise LuciaError("AUTH_DUPLICATE_KEY_ID") from error
            if violation == "foreign key":
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise

    async def _select_keys(self, column: str, value: str) -> list[KeyRow]:
        rows = await self._select(
            f"SELECT id, user_id, hashed_password FROM {self._key} WHERE {column} = ?",  # noqa: S608
            (value,),
        )
        return [KeyRow(id=row[0], user_id=row[1], hashed_password=row[2]) for row in rows]

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        """Return the user row with this id, with every attribute column, or None."""
        return await self._get_one(self._user, self._user_name, user_id)

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        """Store the user and, when given, its key, in one transaction.

        A taken key id raises LuciaError("AUTH_DUPLICATE_KEY_ID"); other errors (a taken unique
        attribute, say) propagate as ``sqlite3`` exceptions. Either way nothing is stored.
        """
        sql, parameters = _insert_sql(self._user, user)
        async with self._write() as connection:
            await connection.execute(sql, parameters)
            if key is not None:
                await self._insert_key(connection, key)

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        """Set the named columns of the user; a missing user is a no-op.

        Raises ValueError when a column name is not a plain identifier.
        """
        await self._update(self._user, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user; a missing user is a no-op."""
        await self._delete(self._user, "id", user_id)

    async def get_key(self, key_id: str) -> KeyRow | None:
        """Return the key row with this id, or None."""
        keys = await self._select_keys("id", key_id)
        return keys[0] if keys else None

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        """Return every key of the user (an empty list if none)."""
        return await self._select_keys("user_id", user_id)

    async def set_key(self, key: KeyRow) -> None:
        """Store the key.

        Raises LuciaError("AUTH_DUPLICATE_KEY_ID") when the id is taken and
        LuciaError("AUTH_INVALID_USER_ID") when the user does not exist.
        """
        async with self._write() as connection:
            await self._insert_key(connection, key)

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        """Set the named columns of the key; a missing key is a no-op."""
        await self._update(self._key, key_id, partial_key)

    async def delete_key(self, key_id: str) -> None:
        """Delete the key; a missing key is a no-op."""
        await self._delete(self._key, "id", key_id)

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        """Delete every key of the user."""
        await self._delete(self._key, "user_id", user_id)

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        """Return the session row with this id, with every attribute column, or None."""
        return await self._get_one(self._session, self._session_name, session_id)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        """Return every session of the user (an empty list if none)."""
        return await self._select_rows(self._session, self._session_name, "user_id", user_id)

    async def set_session(self, session: SessionRow) -> None:
        """Store the session; raises LuciaError("AUTH_INVALID_USER_ID") for a missing user."""
        sql, parameters = _insert_sql(self._session, session)
        async with self._write() as connection:
            try:
                await connection.execute(sql, parameters)
            except sqlite3.IntegrityError as error:
                if _violation(error, self._session_name) == "foreign key":
                    raise LuciaError("AUTH_INVALID_USER_ID") from error
                raise

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        """Set the named columns of the session; a missing session is a no-op."""
        await self._update(self._session, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        """Delete the session; a missing session is a no-op."""
        await self._delete(self._session, "id", session_id)

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        """Delete every session of the user."""
        await self._delete(self._session, "user_id", user_id)

    # TokenAdapter

    async def get_token(self, token_id: str) -> TokenRow | None:
        """Return the token row with this id, with every attribute column, or None."""
        return await self._get_one(self._token, self._token_name, token_id)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        """Return every token of the user (an empty list if none)."""
        return await self._select_rows(self._token, self._token_name, "user_id", user_id)

    async def set_token(self, token: TokenRow) -> None:
        """Store the token; raises LuciaError("AUTH_INVALID_USER_ID") for a missing user."""
        sql, parameters = _insert_sql(self._token, token)
        async with self._write() as connection:
            try:
                await connection.execute(sql, parameters)
            except sqlite3.IntegrityError as error:
                if _violation(error, self._token_name) == "foreign key":
                    raise LuciaError("AUTH_INVALID_USER_ID") from error
                raise

    async def consume_token(self, token_id: str) -> TokenRow | None:
        """Delete the token and return its row (``DELETE ... RETURNING``, one statement), or None."""
        async with self._write() as connection:
            names, rows = await _fetch_all(
                connection,
                f"DELETE FROM {self._token} WHERE id = ? RETURNING *",  # noqa: S608 - quoted name
                (token_id,),
            )
        return dict(zip(names, rows[0], strict=True)) if rows else None

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        """Delete every token of the user, or those of ``purpose`` only."""
        if purpose is None:
            await self._delete(self._token, "user_id", user_id)
            return
        async with self._write() as connection:
            await connection.execute(
                f"DELETE FROM {self._token} WHERE user_id = ? AND purpose = ?",  # noqa: S608
                (user_id, purpose),
            )

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        """Return the session and its user in one query, or (None, None).

        Both tables have an ``id`` column and their attribute columns are not known in advance,
        so the query's first two columns carry each table's column names (as ``SELECT *`` lists
        them), which split the joined row exactly.
        """
        rows = await self._select(
            f"SELECT {_NAMES}, {_NAMES}, s.*, u.*"  # noqa: S608
            f" FROM {self._session} AS s JOIN {self._user} AS u ON u.id = s.user_id"
            " WHERE s.id = ?",
            (self._session_name, self._user_name, session_id),
        )
        if not rows:
            return None, None
        row = rows[0]
        session_names, user_names = _column_names(row[0]), _column_names(row[1])
        split = 2 + len(session_names)
        session = dict(zip(session_names, row[2:split], strict=True))
        return session, dict(zip(user_names, row[split:], strict=True))


def sqlite_adapter(
    connection: aiosqlite.Connection, *, tables: Mapping[str, str] | None = None
) -> SQLiteAdapter:
    """Create a :class:`SQLiteAdapter` over an open aiosqlite connection.

    ``tables`` may rename any of the tables ``{"user": ..., "key": ..., "session": ...,
    "token": ...}`` (defaults ``auth_user``, ``user_key``, ``user_session``, ``user_token``).
    Raises ValueError for an unknown key or a name that is not a plain identifier (letters,
    digits, underscores); names are always quoted in SQL, and every value is a parameter.
    """
    return SQLiteAdapter(connection, tables=tables)
