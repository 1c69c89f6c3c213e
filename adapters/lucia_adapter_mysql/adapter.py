"""The MySQL / MariaDB adapter: users, keys and sessions in one database, over an aiomysql pool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lucia_core.drivers import expect, missing_driver

try:
    import aiomysql
except ImportError:  # pragma: no cover - exercised in a test with aiomysql hidden
    raise missing_driver("lucia_adapter_mysql", "aiomysql", "mysql") from None

from lucia_core.adapter import Adapter, SessionAndUserReader, UserAndSessionsReader
from lucia_core.database import KeyRow, SessionRow, UserRow
from lucia_core.errors import LuciaError
from lucia_core.sql import JoinedColumns, Statements, table_names

from .connection import execute, fetch, fetch_one, pooled
from .schema import MYSQL
from .tokens import MySQLTokens

# The server's error codes (not its messages, which differ between servers and versions).
ER_DUP_ENTRY = 1062
ER_NO_REFERENCED_ROW_2 = 1452


def is_unique_violation(error: BaseException) -> bool:
    """Whether a driver error is the server refusing a duplicate value of a unique index."""
    return isinstance(error, aiomysql.IntegrityError) and _code(error) == ER_DUP_ENTRY


def _code(error: BaseException) -> object:
    return error.args[0] if error.args else None


class MySQLAdapter(MySQLTokens, Adapter, SessionAndUserReader, UserAndSessionsReader):
    """A regular adapter (users, keys, sessions, one-time tokens) with a one-query
    ``get_session_and_user`` and ``get_user_and_sessions``.

    Each call takes a connection from the pool and gives it back with no transaction open: a
    statement is committed when the connection is not in autocommit mode, ``set_user`` runs in an
    explicit transaction, and any error rolls back (a connection that cannot is closed). So the
    pool's ``autocommit`` setting does not matter. The pool must be created with
    ``charset="utf8mb4"``; the adapter adds ``STRICT_ALL_TABLES`` to each connection's session
    ``sql_mode`` (once per connection), so that too-long values fail instead of being truncated.
    A refused insert is told apart by the server's error code, then confirmed by a lookup: a
    duplicate entry (1062) is a taken key id when that id exists, a missing referenced row (1452)
    a missing user when that user does not exist; anything else propagates.
    """

    def __init__(self, pool: aiomysql.Pool, *, tables: Mapping[str, str] | None = None) -> None:
        names = table_names(MYSQL, tables)
        self._pool = expect(
            "mysql_adapter", pool, aiomysql.Pool, "an aiomysql pool",
            'pool = await aiomysql.create_pool(host=..., user=..., db=..., charset="utf8mb4")',
        )  # fmt: skip
        self._user, self._key, self._session = names["user"], names["key"], names["session"]
        self._token = names["token"]
        self._sql = Statements(names)
        self._session_user_split = JoinedColumns()
        self._user_sessions_split = JoinedColumns()
        self._session_and_user = self._sql(
            "SELECT s.*, NULL AS `lucia:split`, u.* FROM {session} AS s"
            " JOIN {user} AS u ON u.`id` = s.`user_id` WHERE s.`id` = %s"
        )

    def __repr__(self) -> str:
        return f"MySQLAdapter(user={self._user}, key={self._key}, session={self._session})"

    async def _rows(self, sql: str, value: str) -> list[dict[str, Any]]:
        async with pooled(self._pool) as connection:
            names, rows = await fetch(connection, sql, (value,))
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def _keys(self, sql: str, value: str) -> list[KeyRow]:
        async with pooled(self._pool) as connection:
            _, rows = await fetch(connection, sql, (value,))
        return [KeyRow(id=row[0], user_id=row[1], hashed_password=row[2]) for row in rows]

    async def _execute(self, sql: str, *parameters: Any) -> int:
        async with pooled(self._pool) as connection:
            return await execute(connection, sql, parameters)

    async def _update(self, table: str, row_id: str, partial: Mapping[str, Any]) -> None:
        if partial:
            await self._execute(MYSQL.update(table, tuple(partial)), *partial.values(), row_id)

    async def _exists(self, connection: Any, template: str, value: str) -> bool:
        return bool((await fetch(connection, self._sql(template), (value,)))[1])

    async def _insert(self, connection: Any, table: str, row: Mapping[str, Any]) -> None:
        """Insert into the key or session table, mapping Lucia's two errors; others propagate."""
        try:
            await execute(connection, MYSQL.insert(table, tuple(row)), list(row.values()))
        except aiomysql.IntegrityError as error:
            code = _code(error)
            if (
                code == ER_DUP_ENTRY
                and table == self._key
                and await self._exists(connection, "SELECT 1 FROM {key} WHERE `id` = %s", row["id"])
            ):
                raise LuciaError("AUTH_DUPLICATE_KEY_ID") from error
            if code == ER_NO_REFERENCED_ROW_2 and not await self._exists(
                connection, "SELECT 1 FROM {user} WHERE `id` = %s", row["user_id"]
            ):
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        rows = await self._rows(self._sql("SELECT * FROM {user} WHERE `id` = %s"), user_id)
        return rows[0] if rows else None

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        async with pooled(self._pool, transaction=True) as connection:
            await execute(connection, MYSQL.insert(self._user, tuple(user)), list(user.values()))
            if key is not None:
                await self._insert(connection, self._key, key)

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        await self._update(self._user, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {user} WHERE `id` = %s"), user_id)

    async def get_key(self, key_id: str) -> KeyRow | None:
        sql = self._sql("SELECT `id`, `user_id`, `hashed_password` FROM {key} WHERE `id` = %s")
        keys = await self._keys(sql, key_id)
        return keys[0] if keys else None

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        sql = self._sql("SELECT `id`, `user_id`, `hashed_password` FROM {key} WHERE `user_id` = %s")
        return await self._keys(sql, user_id)

    async def set_key(self, key: KeyRow) -> None:
        async with pooled(self._pool) as connection:
            await self._insert(connection, self._key, key)

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        await self._update(self._key, key_id, partial_key)

    async def replace_key_password(
        self, key_id: str, expected_hashed_password: str | None, hashed_password: str | None
    ) -> bool:
        # <=> is MySQL's NULL-safe equality; BINARY compares the bytes, whatever the collation.
        sql = self._sql(
            "UPDATE {key} SET `hashed_password` = %s"
            " WHERE `id` = %s AND CAST(`hashed_password` AS BINARY) <=> CAST(%s AS BINARY)"
        )
        return await self._execute(sql, hashed_password, key_id, expected_hashed_password) == 1

    async def delete_key(self, key_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {key} WHERE `id` = %s"), key_id)

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {key} WHERE `user_id` = %s"), user_id)

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        rows = await self._rows(self._sql("SELECT * FROM {session} WHERE `id` = %s"), session_id)
        return rows[0] if rows else None

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        return await self._rows(self._sql("SELECT * FROM {session} WHERE `user_id` = %s"), user_id)

    async def set_session(self, session: SessionRow) -> None:
        async with pooled(self._pool) as connection:
            await self._insert(connection, self._session, session)

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        await self._update(self._session, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {session} WHERE `id` = %s"), session_id)

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        await self._execute(self._sql("DELETE FROM {session} WHERE `user_id` = %s"), user_id)

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        names, row = await fetch_one(self._pool, self._session_and_user, (session_id,))
        return (None, None) if row is None else self._session_user_split.row(names, row)

    # UserAndSessionsReader

    async def get_user_and_sessions(self, user_id: str) -> tuple[UserRow | None, list[SessionRow]]:
        sql = self._sql(
            "SELECT u.*, NULL AS `lucia:split`, s.* FROM {user} AS u"
            " LEFT JOIN {session} AS s ON s.`user_id` = u.`id` WHERE u.`id` = %s"
        )
        async with pooled(self._pool) as connection:
            names, rows = await fetch(connection, sql, (user_id,))
        return self._user_sessions_split.one_and_many(names, rows)


def mysql_adapter(pool: aiomysql.Pool, *, tables: Mapping[str, str] | None = None) -> MySQLAdapter:
    """Create a :class:`MySQLAdapter` over an aiomysql pool (MySQL 8 or MariaDB 10.11+).

    Create the pool with ``charset="utf8mb4"``; its ``autocommit`` setting does not matter.
    ``tables`` may rename any of the tables ``{"user": ..., "key": ..., "session": ...}``
    (defaults ``auth_user``, ``user_key``, ``user_session``). Raises ValueError for an unknown key
    or a name that is not a plain identifier (letters, digits, underscores; at most 63), and
    TypeError when ``pool`` is not an aiomysql pool. Names are always backtick-quoted in SQL, and
    every value is passed as a parameter.
    """
    return MySQLAdapter(pool, tables=tables)
