"""The MySQL / MariaDB adapter: users, keys and sessions in one database, over an aiomysql pool."""

from __future__ import annotations

import re
import warnings
import weakref
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

try:
    import aiomysql
except ImportError as error:  # pragma: no cover - exercised in a test with aiomysql hidden
    raise ImportError(
        'lucia_adapter_mysql needs aiomysql; install it with: pip install "lucia-core[mysql]"'
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

# MySQL identifiers are at most 64 characters; we accept only plain ones and always backtick them.
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

_ER_DUP_ENTRY = 1062
_ER_NO_REFERENCED_ROW_2 = 1452
# MariaDB says "for key 'PRIMARY'", MySQL >= 8.0.19 "for key 'user_key.PRIMARY'". Anchored at the
# end, where the server writes the index name, so a duplicate value cannot fake it.
_PRIMARY_KEY_MESSAGE = re.compile(r"for key '(?:\w+\.)?PRIMARY'\Z")

# Strict mode makes a too-long id or an out-of-range expiration an error instead of a silent
# truncation (two long key ids truncated to one would collide). Both servers default to it; this
# keeps it on for the adapter's sessions even where the server is configured otherwise.
_STRICT_MODE = "SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_ALL_TABLES')"

# Marks, in get_session_and_user's joined row, where the session's columns end and the user's
# begin. A ':' is not allowed in the column names this adapter writes, so no such column clashes.
_SPLIT = "lucia:user"

# Connections already set up, with the server thread id they were set up on: a reconnect
# (a new server session) gets a new id and is set up again.
_PREPARED: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()

# Ids compare exactly (case, accents, trailing spaces, normalization): a binary NO PAD collation,
# utf8mb4_nopad_bin on MariaDB and utf8mb4_0900_bin on MySQL 8 (each server skips the other's
# version comment). Keep in sync with schemas/mysql.sql.
_ID = (
    "VARCHAR(255) CHARACTER SET utf8mb4"
    " COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL"
)
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {{user}} (\n  `id` {_ID},\n  PRIMARY KEY (`id`)\n)"
    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    f"CREATE TABLE IF NOT EXISTS {{key}} (\n  `id` {_ID},\n  `user_id` {_ID},\n"
    "  `hashed_password` VARCHAR(255) NULL,\n  PRIMARY KEY (`id`),\n  KEY `user_id` (`user_id`),\n"
    "  FOREIGN KEY (`user_id`) REFERENCES {user} (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    f"CREATE TABLE IF NOT EXISTS {{session}} (\n  `id` {_ID},\n  `user_id` {_ID},\n"
    "  `active_expires` BIGINT UNSIGNED NOT NULL,\n  `idle_expires` BIGINT UNSIGNED NOT NULL,\n"
    "  PRIMARY KEY (`id`),\n  KEY `user_id` (`user_id`),\n"
    "  FOREIGN KEY (`user_id`) REFERENCES {user} (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    f"CREATE TABLE IF NOT EXISTS {{token}} (\n  `id` {_ID},\n  `user_id` {_ID},\n"
    "  `purpose` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE /*M!100202 utf8mb4_nopad_bin */"
    " /*!80017 utf8mb4_0900_bin */ NOT NULL,\n  `expires` BIGINT UNSIGNED NOT NULL,\n"
    "  PRIMARY KEY (`id`),\n  KEY `user_id` (`user_id`),\n"
    "  FOREIGN KEY (`user_id`) REFERENCES {user} (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
)


def _quote(name: object, kind: str) -> str:
    """Return the identifier backtick-quoted, or raise ValueError if it is not a plain identifier."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"invalid MySQL {kind} name {name!r}: names must match [A-Za-z_][A-Za-z0-9_]* "
            "and be at most 64 characters"
        )
    return f"`{name}`"


def _table_names(tables: Mapping[str, str] | None) -> dict[str, str]:
    names = dict(DEFAULT_TABLES)
    if tables is not None:
        unknown = set(tables) - set(DEFAULT_TABLES)
        if unknown:
            raise ValueError(
                f"unknown table keys {sorted(unknown)}: use 'user', 'key', 'session' and 'token'"
            )
        names.update(tables)
    return {role: _quote(name, "table") for role, name in names.items()}


def _insert_sql(table: str, row: Mapping[str, Any]) -> tuple[str, list[Any]]:
    if not row:
        raise ValueError("cannot insert an empty row")
    columns = ", ".join(_quote(name, "column") for name in row)
    placeholders = ", ".join("%s" for _ in row)
    # Identifiers are validated and quoted by _quote; every value is a parameter.
    return f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", list(row.values())  # noqa: S608


async def _prepare(connection: Any) -> None:
    """Once per server session: check the connection returns text as str, switch strict mode on."""
    if _PREPARED.get(connection) == connection.thread_id():
        return
    if not getattr(connection, "use_unicode", True) or not connection.charset.startswith("utf8mb4"):
        raise ValueError(
            "lucia_adapter_mysql needs a pool whose connections use utf8mb4 and return text as str:"
            ' create it with aiomysql.create_pool(..., charset="utf8mb4")'
        )
    async with connection.cursor(aiomysql.Cursor) as cursor:
        await cursor.execute(_STRICT_MODE)
    _PREPARED[connection] = connection.thread_id()


async def _rollback(connection: Any) -> None:
    """End whatever transaction is open; a connection that cannot roll back is closed instead."""
    if connection.closed:
        return
    try:
        await connection.rollback()
    except Exception:  # the original error matters more; the pool drops a closed connection
        connection.close()


@asynccontextmanager
async def _connect(pool: aiomysql.Pool, *, transaction: bool = False) -> AsyncIterator[Any]:
    """A pooled connection, handed back with no transaction open whatever the pool's autocommit.

    On success a transaction (explicit, or implicit when autocommit is off) is committed; on any
    error it is rolled back, and a connection that cannot roll back is closed.
    """
    async with pool.acquire() as connection:
        await _prepare(connection)
        if transaction:
            await connection.begin()
        try:
            yield connection
            if transaction or not connection.get_autocommit():
                await connection.commit()
        except BaseException:
            await _rollback(connection)
            raise


async def _fetch(
    connection: Any, sql: str, parameters: Sequence[Any]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run a query; return its column names and its rows as tuples (whatever the pool's cursor)."""
    async with connection.cursor(aiomysql.Cursor) as cursor:
        await cursor.execute(sql, parameters)
        rows = await cursor.fetchall()
        names = [column[0] for column in cursor.description]
    return names, [tuple(row) for row in rows]


async def _execute(connection: Any, sql: str, parameters: Sequence[Any] | None) -> None:
    async with connection.cursor(aiomysql.Cursor) as cursor:
        await cursor.execute(sql, parameters)


class MySQLAdapter:
    """A regular adapter (users, keys, sessions) with a one-query ``get_session_and_user``.

    Each call takes a connection from the pool and gives it back with no transaction open: a
    statement is committed when the connection is not in autocommit mode, ``set_user`` runs in an
    explicit transaction, and any error rolls back (a connection that cannot is closed). So the
    pool's ``autocommit`` setting does not matter. The pool must be created with
    ``charset="utf8mb4"``; the adapter adds ``STRICT_ALL_TABLES`` to each connection's session
    ``sql_mode`` (once per connection), so that too-long values fail instead of being truncated.
    """

    def __init__(self, pool: aiomysql.Pool, *, tables: Mapping[str, str] | None = None) -> None:
        names = _table_names(tables)
        self._pool = pool
        self._user = names["user"]
        self._key = names["key"]
        self._session = names["session"]
        self._token = names["token"]

    def __repr__(self) -> str:
        return f"MySQLAdapter(user={self._user}, key={self._key}, session={self._session})"

    async def _get_one(self, table: str, row_id: str) -> dict[str, Any] | None:
        async with _connect(self._pool) as connection:
            names, rows = await _fetch(
                connection,
                f"SELECT * FROM {table} WHERE `id` = %s",  # noqa: S608 - table validated and quoted
                (row_id,),
            )
        return dict(zip(names, rows[0], strict=True)) if rows else None

    async def _get_many(self, table: str, user_id: str) -> list[dict[str, Any]]:
        async with _connect(self._pool) as connection:
            names, rows = await _fetch(
                connection,
                f"SELECT * FROM {table} WHERE `user_id` = %s",  # noqa: S608 - table validated
                (user_id,),
            )
        return [dict(zip(names, row, strict=True)) for row in rows]

    async def _update(self, table: str, row_id: str, partial: Mapping[str, Any]) -> None:
        if not partial:
            return
        assignments = ", ".join(f"{_quote(name, 'column')} = %s" for name in partial)
        async with _connect(self._pool) as connection:
            await _execute(
                connection,
                f"UPDATE {table} SET {assignments} WHERE `id` = %s",  # noqa: S608 - names validated
                [*partial.values(), row_id],
            )

    async def _delete(self, table: str, column: str, value: str) -> None:
        async with _connect(self._pool) as connection:
            await _execute(
                connection,
                f"DELETE FROM {table} WHERE {column} = %s",  # noqa: S608 - fixed, quoted names
                (value,),
            )

    async def _insert(self, connection: Any, table: str, row: Mapping[str, Any]) -> None:
        """Insert into the key or session table, mapping Lucia's two errors; others propagate."""
        sql, parameters = _insert_sql(table, row)
        try:
            await _execute(connection, sql, parameters)
        except aiomysql.IntegrityError as error:
            code = error.args[0] if error.args else None
            message = str(error.args[1]) if len(error.args) > 1 else ""
            if code == _ER_DUP_ENTRY and table == self._key and _PRIMARY_KEY_MESSAGE.search(message):
                raise LuciaError("AUTH_DUPLICATE_KEY_ID") from error
            if code == _ER_NO_REFERENCED_ROW_2 and (
                f"FOREIGN KEY (`user_id`) REFERENCES {self._user}" in message
            ):
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        """Return the user row with this id, with every attribute column, or None."""
        return await self._get_one(self._user, user_id)

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        """Store the user and, when given, its key, in one transaction.

        A taken key id raises LuciaError("AUTH_DUPLICATE_KEY_ID"); other errors (a taken unique
        attribute, say) propagate as ``aiomysql`` (PyMySQL) exceptions. Either way nothing is stored.
        """
        sql, parameters = _insert_sql(self._user, user)
        async with _connect(self._pool, transaction=True) as connection:
            await _execute(connection, sql, parameters)
            if key is not None:
                await self._insert(connection, self._key, key)

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        """Set the named columns of the user; a missing user is a no-op.

        Raises ValueError when a column name is not a plain identifier.
        """
        await self._update(self._user, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user; a missing user is a no-op."""
        await self._delete(self._user, "`id`", user_id)

    async def get_key(self, key_id: str) -> KeyRow | None:
        """Return the key row with this id, or None."""
        keys = await self._select_keys("`id`", key_id)
        return keys[0] if keys else None

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        """Return every key of the user (an empty list if none)."""
        return await self._select_keys("`user_id`", user_id)

    async def _select_keys(self, column: str, value: str) -> list[KeyRow]:
        async with _connect(self._pool) as connection:
            _, rows = await _fetch(
                connection,
                f"SELECT `id`, `user_id`, `hashed_password` FROM {self._key} WHERE {column} = %s",  # noqa: S608
                (value,),
            )
        return [KeyRow(id=row[0], user_id=row[1], hashed_password=row[2]) for row in rows]

    async def set_key(self, key: KeyRow) -> None:
        """Store the key.

        Raises LuciaError("AUTH_DUPLICATE_KEY_ID") when the id is taken (the PRIMARY key) and
        LuciaError("AUTH_INVALID_USER_ID") when the user does not exist (the foreign key).
        """
        async with _connect(self._pool) as connection:
            await self._insert(connection, self._key, key)

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        """Set the named columns of the key; a missing key is a no-op."""
        await self._update(self._key, key_id, partial_key)

    async def delete_key(self, key_id: str) -> None:
        """Delete the key; a missing key is a no-op."""
        await self._delete(self._key, "`id`", key_id)

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        """Delete every key of the user."""
        await self._delete(self._key, "`user_id`", user_id)

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        """Return the session row with this id, with every attribute column, or None.

        Expirations are ``BIGINT UNSIGNED`` and come back as ``int``.
        """
        return await self._get_one(self._session, session_id)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        """Return every session of the user (an empty list if none)."""
        return await self._get_many(self._session, user_id)

    async def set_session(self, session: SessionRow) -> None:
        """Store the session; raises LuciaError("AUTH_INVALID_USER_ID") for a missing user."""
        async with _connect(self._pool) as connection:
            await self._insert(connection, self._session, session)

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        """Set the named columns of the session; a missing session is a no-op."""
        await self._update(self._session, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        """Delete the session; a missing session is a no-op."""
        await self._delete(self._session, "`id`", session_id)

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        """Delete every session of the user."""
        await self._delete(self._session, "`user_id`", user_id)

    # TokenAdapter

    async def get_token(self, token_id: str) -> TokenRow | None:
        """Return the token row with this id, with every attribute column, or None."""
        return await self._get_one(self._token, token_id)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        """Return every token of the user (an empty list if none)."""
        return await self._get_many(self._token, user_id)

    async def set_token(self, token: TokenRow) -> None:
        """Store the token; raises LuciaError("AUTH_INVALID_USER_ID") for a missing user."""
        async with _connect(self._pool) as connection:
            await self._insert(connection, self._token, token)

    async def consume_token(self, token_id: str) -> TokenRow | None:
        """Read the token, then delete it: the caller whose DELETE removed the row gets it.

        Of concurrent DELETEs of one row InnoDB lets one remove it and reports 0 rows to the
        others (MySQL has no ``DELETE ... RETURNING``); tokens are never updated, so the row read
        is the row deleted.
        """
        async with _connect(self._pool) as connection:
            select = f"SELECT * FROM {self._token} WHERE `id` = %s"  # noqa: S608 - quoted name
            names, rows = await _fetch(connection, select, (token_id,))
            if not rows:
                return None
            async with connection.cursor(aiomysql.Cursor) as cursor:
                delete = f"DELETE FROM {self._token} WHERE `id` = %s"  # noqa: S608 - quoted name
                deleted = await cursor.execute(delete, (token_id,))
        return dict(zip(names, rows[0], strict=True)) if deleted == 1 else None

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        """Delete every token of the user, or those of ``purpose`` only."""
        if purpose is None:
            await self._delete(self._token, "`user_id`", user_id)
            return
        async with _connect(self._pool) as connection:
            await _execute(
                connection,
                f"DELETE FROM {self._token} WHERE `user_id` = %s AND `purpose` = %s",  # noqa: S608
                (user_id, purpose),
            )

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        """Return the session and its user in one query (a join), or (None, None).

        Both tables have an ``id`` column and their attribute columns are not known in advance,
        so a marker column between ``s.*`` and ``u.*`` splits the joined row.
        """
        async with _connect(self._pool) as connection:
            names, rows = await _fetch(
                connection,
                f"SELECT s.*, NULL AS `{_SPLIT}`, u.* FROM {self._session} AS s"  # noqa: S608
                f" JOIN {self._user} AS u ON u.`id` = s.`user_id` WHERE s.`id` = %s",
                (session_id,),
            )
        if not rows:
            return None, None
        split = names.index(_SPLIT)
        session = dict(zip(names[:split], rows[0][:split], strict=True))
        user = dict(zip(names[split + 1 :], rows[0][split + 1 :], strict=True))
        return session, user


def mysql_adapter(pool: aiomysql.Pool, *, tables: Mapping[str, str] | None = None) -> MySQLAdapter:
    """Create a :class:`MySQLAdapter` over an aiomysql pool (MySQL 8 or MariaDB 10.11+).

    Create the pool with ``charset="utf8mb4"``; its ``autocommit`` setting does not matter.
    ``tables`` may rename any of the tables ``{"user": ..., "key": ..., "session": ...,
    "token": ...}`` (defaults ``auth_user``, ``user_key``, ``user_session``, ``user_token``).
    Raises ValueError for an unknown key or a name that is not a plain identifier (letters, digits,
    underscores; at most 64); names are always backtick-quoted in SQL, and every value is a parameter.
    """
    return MySQLAdapter(pool, tables=tables)


async def create_schema(pool: aiomysql.Pool, *, tables: Mapping[str, str] | None = None) -> None:
    """Create Lucia's three tables and the token table if they do not exist
    (``schemas/mysql.sql``); idempotent.

    ``tables`` renames them as in :func:`mysql_adapter`. Existing tables are left as they are.
    """
    names = _table_names(tables)
    async with _connect(pool) as connection:
        with warnings.catch_warnings():
            # The server's note for an existing table, which aiomysql turns into a Python warning.
            warnings.filterwarnings("ignore", r"Table '\w+' already exists", aiomysql.Warning)
            for statement in _SCHEMA:
                await _execute(connection, statement.format(**names), None)
