"""The PostgreSQL adapter: users, keys and sessions in PostgreSQL, over an asyncpg pool."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

try:
    import asyncpg
except ImportError as error:  # pragma: no cover - exercised in a test with asyncpg hidden
    raise ImportError(
        'lucia_adapter_postgres needs asyncpg; install it with: pip install "lucia-core[postgres]"'
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
# NAMEDATALEN - 1: PostgreSQL silently truncates longer identifiers, so they are refused.
_MAX_IDENTIFIER = 63
# Partial updates and inserts build their SQL from the row's column names; the strings are cached
# so that asyncpg's per-connection statement cache (keyed by SQL text) keeps hitting.
_SQL_CACHE_SIZE = 512


# One fixed SQL text per operation; {user}, {key} and {session} become the validated, quoted table
# names once, in PostgresAdapter.__init__. Every value is a parameter.
_QUERIES: Mapping[str, str] = {
    "get_user": "SELECT * FROM {user} WHERE id = $1",
    "delete_user": "DELETE FROM {user} WHERE id = $1",
    "get_key": "SELECT id, user_id, hashed_password FROM {key} WHERE id = $1",
    "get_keys": "SELECT id, user_id, hashed_password FROM {key} WHERE user_id = $1",
    # A taken id inserts nothing and returns no row: no error message or constraint name to
    # parse, concurrent inserts of one id wait for each other, and other unique constraints
    # still raise.
    "set_key": "INSERT INTO {key} (id, user_id, hashed_password) VALUES ($1, $2, $3)"
    " ON CONFLICT (id) DO NOTHING RETURNING true",
    "delete_key": "DELETE FROM {key} WHERE id = $1",
    "delete_keys": "DELETE FROM {key} WHERE user_id = $1",
    "get_session": "SELECT * FROM {session} WHERE id = $1",
    "get_sessions": "SELECT * FROM {session} WHERE user_id = $1",
    "delete_session": "DELETE FROM {session} WHERE id = $1",
    "delete_sessions": "DELETE FROM {session} WHERE user_id = $1",
    # Both tables have an id column and attribute columns unknown in advance, so a marker column
    # between the two tables' columns splits the joined row (no column written through this
    # adapter can be named "lucia:split": names are plain identifiers).
    "get_token": "SELECT * FROM {token} WHERE id = $1",
    "get_tokens": "SELECT * FROM {token} WHERE user_id = $1",
    # One statement: of concurrent deletes of one row, PostgreSQL gives the row to exactly one.
    "consume_token": "DELETE FROM {token} WHERE id = $1 RETURNING *",
    "delete_tokens": "DELETE FROM {token} WHERE user_id = $1",
    "delete_tokens_of_purpose": "DELETE FROM {token} WHERE user_id = $1 AND purpose = $2",
    "get_session_and_user": 'SELECT s.*, NULL AS "lucia:split", u.*'
    " FROM {session} AS s JOIN {user} AS u ON u.id = s.user_id WHERE s.id = $1",
}


def _quote(name: object, kind: str) -> str:
    """Return the identifier double-quoted, or raise ValueError if it is not a plain identifier."""
    if not isinstance(name, str) or len(name) > _MAX_IDENTIFIER or not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"invalid PostgreSQL {kind} name {name!r}: names must match [A-Za-z_][A-Za-z0-9_]*"
            f" and have at most {_MAX_IDENTIFIER} characters"
        )
    return f'"{name}"'


def _quote_table(name: object) -> str:
    """Quote ``table`` or ``schema.table``, validating and quoting each part."""
    parts = name.split(".") if isinstance(name, str) else [name]
    if len(parts) > 2:
        raise ValueError(f"invalid PostgreSQL table name {name!r}: use 'table' or 'schema.table'")
    return ".".join(_quote(part, "table") for part in parts)


def _table_names(tables: Mapping[str, str] | None) -> dict[str, str]:
    names = dict(DEFAULT_TABLES)
    if tables is not None:
        unknown = set(tables) - set(DEFAULT_TABLES)
        if unknown:
            raise ValueError(
                f"unknown table keys {sorted(unknown)}: use 'user', 'key', 'session' and 'token'"
            )
        names.update(tables)
    for name in names.values():
        _quote_table(name)
    return names


@functools.lru_cache(maxsize=_SQL_CACHE_SIZE)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    if not columns:
        raise ValueError("cannot insert an empty row")
    names = ", ".join(_quote(column, "column") for column in columns)
    placeholders = ", ".join(f"${number}" for number in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 - names quoted


@functools.lru_cache(maxsize=_SQL_CACHE_SIZE)
def _update_sql(table: str, columns: tuple[str, ...]) -> str:
    assignments = ", ".join(
        f"{_quote(column, 'column')} = ${number}" for number, column in enumerate(columns, 1)
    )
    return f"UPDATE {table} SET {assignments} WHERE id = ${len(columns) + 1}"  # noqa: S608


def schema_sql(*, tables: Mapping[str, str] | None = None) -> str:
    """Return the idempotent DDL of Lucia v2's three tables, the one-time token table and their
    ``user_id`` indexes.

    ``tables`` renames tables as in :func:`postgres_adapter`; with the defaults this is exactly
    ``schemas/postgres.sql``. Schemas named in qualified table names must already exist.
    """
    names = _table_names(tables)
    user, key, session, token = (_quote_table(names[role]) for role in ("user", "key", "session", "token"))

    def index(role: str) -> str:
        base = names[role].rsplit(".", 1)[-1]
        return _quote(f"{base[: _MAX_IDENTIFIER - len('_user_id_idx')]}_user_id_idx", "index")

    return f"""\
CREATE TABLE IF NOT EXISTS {user} (
    id TEXT PRIMARY KEY
);

CREATE TABLE IF NOT EXISTS {key} (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    hashed_password TEXT
);

CREATE TABLE IF NOT EXISTS {session} (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    active_expires BIGINT NOT NULL,
    idle_expires BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS {token} (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES {user} (id),
    purpose TEXT NOT NULL,
    expires BIGINT NOT NULL
);

CREATE INDEX IF NOT EXISTS {index("key")} ON {key} (user_id);

CREATE INDEX IF NOT EXISTS {index("session")} ON {session} (user_id);

CREATE INDEX IF NOT EXISTS {index("token")} ON {token} (user_id);
"""


async def create_schema(
    executor: asyncpg.Pool | asyncpg.Connection, *, tables: Mapping[str, str] | None = None
) -> None:
    """Create Lucia's tables and indexes (see :func:`schema_sql`) if they do not exist yet.

    ``executor`` is an asyncpg pool or connection. Idempotent: safe to run on every start.
    """
    await executor.execute(schema_sql(tables=tables))


class PostgresAdapter:
    """A regular adapter (users, keys, sessions) with a one-query ``get_session_and_user``.

    Each method is one statement on a connection from the pool, except ``set_user`` with a key:
    two statements in one transaction. The SQL text of every operation is fixed (or cached per
    set of column names), so asyncpg's per-connection prepared-statement cache serves repeats.
    A taken key id is detected with ``ON CONFLICT (id)``, so the key table's ``id`` must be its
    primary key (or unique), as in Lucia's schema; a foreign-key violation when storing a key or
    a session is taken to be its missing user.

    PostgreSQL ``TEXT`` cannot hold the NUL character: an id or attribute containing ``"\\x00"``
    raises asyncpg's ``CharacterNotInRepertoireError`` (a ``DataError``) in every method, reads
    included; nothing is truncated.
    """

    def __init__(self, pool: asyncpg.Pool, *, tables: Mapping[str, str] | None = None) -> None:
        names = _table_names(tables)
        self._pool = pool
        self._user = _quote_table(names["user"])
        self._key = _quote_table(names["key"])
        self._session = _quote_table(names["session"])
        # PostgreSQL reports the table of a violated constraint without its schema.
        self._key_table = names["key"].rsplit(".", 1)[-1]
        self._session_table = names["session"].rsplit(".", 1)[-1]
        self._token = _quote_table(names["token"])
        self._token_table = names["token"].rsplit(".", 1)[-1]
        quoted = {"user": self._user, "key": self._key, "session": self._session, "token": self._token}
        self._sql = {name: sql.format_map(quoted) for name, sql in _QUERIES.items()}

    def __repr__(self) -> str:
        return f"PostgresAdapter(user={self._user}, key={self._key}, session={self._session})"

    async def _get_one(self, sql: str, row_id: str) -> dict[str, Any] | None:
        record = await self._pool.fetchrow(sql, row_id)
        return None if record is None else dict(record.items())

    async def _update(self, table: str, row_id: str, partial: Mapping[str, Any]) -> None:
        if partial:
            await self._pool.execute(_update_sql(table, tuple(partial)), *partial.values(), row_id)

    async def _insert_key(self, executor: Any, key: KeyRow) -> None:
        try:
            inserted = await executor.fetchval(
                self._sql["set_key"], key["id"], key["user_id"], key["hashed_password"]
            )
        except asyncpg.ForeignKeyViolationError as error:
            if error.table_name == self._key_table:
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise
        if inserted is None:
            raise LuciaError("AUTH_DUPLICATE_KEY_ID")

    @staticmethod
    def _key_row(record: Any) -> KeyRow:
        return KeyRow(id=record["id"], user_id=record["user_id"], hashed_password=record["hashed_password"])

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        """Return the user row with this id, with every attribute column, or None."""
        return await self._get_one(self._sql["get_user"], user_id)

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        """Store the user and, when given, its key, in one transaction.

        A taken key id raises LuciaError("AUTH_DUPLICATE_KEY_ID"); other errors (a taken unique
        attribute, say) propagate as asyncpg exceptions. Either way nothing is stored.
        """
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(_insert_sql(self._user, tuple(user)), *user.values())
            if key is not None:
                await self._insert_key(connection, key)

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        """Set the named columns of the user; a missing user is a no-op.

        Raises ValueError when a column name is not a plain identifier.
        """
        await self._update(self._user, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user; a missing user is a no-op."""
        await self._pool.execute(self._sql["delete_user"], user_id)

    async def get_key(self, key_id: str) -> KeyRow | None:
        """Return the key row with this id, or None."""
        record = await self._pool.fetchrow(self._sql["get_key"], key_id)
        return None if record is None else self._key_row(record)

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        """Return every key of the user (an empty list if none)."""
        records = await self._pool.fetch(self._sql["get_keys"], user_id)
        return [self._key_row(record) for record in records]

    async def set_key(self, key: KeyRow) -> None:
        """Store the key.

        Raises LuciaError("AUTH_DUPLICATE_KEY_ID") when the id is taken and
        LuciaError("AUTH_INVALID_USER_ID") when the user does not exist.
        """
        await self._insert_key(self._pool, key)

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        """Set the named columns of the key; a missing key is a no-op."""
        await self._update(self._key, key_id, partial_key)

    async def delete_key(self, key_id: str) -> None:
        """Delete the key; a missing key is a no-op."""
        await self._pool.execute(self._sql["delete_key"], key_id)

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        """Delete every key of the user."""
        await self._pool.execute(self._sql["delete_keys"], user_id)

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        """Return the session row with this id, with every attribute column, or None."""
        return await self._get_one(self._sql["get_session"], session_id)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        """Return every session of the user (an empty list if none)."""
        records = await self._pool.fetch(self._sql["get_sessions"], user_id)
        return [dict(record.items()) for record in records]

    async def set_session(self, session: SessionRow) -> None:
        """Store the session; raises LuciaError("AUTH_INVALID_USER_ID") for a missing user."""
        try:
            await self._pool.execute(_insert_sql(self._session, tuple(session)), *session.values())
        except asyncpg.ForeignKeyViolationError as error:
            if error.table_name == self._session_table:
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        """Set the named columns of the session; a missing session is a no-op."""
        await self._update(self._session, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        """Delete the session; a missing session is a no-op."""
        await self._pool.execute(self._sql["delete_session"], session_id)

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        """Delete every session of the user."""
        await self._pool.execute(self._sql["delete_sessions"], user_id)

    # TokenAdapter

    async def get_token(self, token_id: str) -> TokenRow | None:
        """Return the token row with this id, with every attribute column, or None."""
        return await self._get_one(self._sql["get_token"], token_id)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        """Return every token of the user (an empty list if none)."""
        return [dict(record.items()) for record in await self._pool.fetch(self._sql["get_tokens"], user_id)]

    async def set_token(self, token: TokenRow) -> None:
        """Store the token; raises LuciaError("AUTH_INVALID_USER_ID") for a missing user."""
        try:
            await self._pool.execute(_insert_sql(self._token, tuple(token)), *token.values())
        except asyncpg.ForeignKeyViolationError as error:
            if error.table_name == self._token_table:
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise

    async def consume_token(self, token_id: str) -> TokenRow | None:
        """Delete the token and return its row (``DELETE ... RETURNING``), or None."""
        return await self._get_one(self._sql["consume_token"], token_id)

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        """Delete every token of the user, or those of ``purpose`` only."""
        if purpose is None:
            await self._pool.execute(self._sql["delete_tokens"], user_id)
        else:
            await self._pool.execute(self._sql["delete_tokens_of_purpose"], user_id, purpose)

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        """Return the session and its user in one query (a join), or (None, None).

        Values keep their column types exactly as get_session and get_user return them.
        """
        record = await self._pool.fetchrow(self._sql["get_session_and_user"], session_id)
        if record is None:
            return None, None
        names, values = list(record.keys()), list(record.values())
        split = names.index("lucia:split")
        session = dict(zip(names[:split], values[:split], strict=True))
        user = dict(zip(names[split + 1 :], values[split + 1 :], strict=True))
        return session, user


def postgres_adapter(pool: asyncpg.Pool, *, tables: Mapping[str, str] | None = None) -> PostgresAdapter:
    """Create a :class:`PostgresAdapter` over an asyncpg pool.

    ``tables`` may rename any of the tables ``{"user": ..., "key": ..., "session": ...,
    "token": ...}`` (defaults ``auth_user``, ``user_key``, ``user_session``, ``user_token``); a
    name may be schema-qualified,
    ``"auth.user_session"``. Raises ValueError for an unknown key or a name whose parts are not
    plain identifiers (letters, digits, underscores; at most 63 characters). Names are always
    quoted in SQL, so they are case-sensitive, and every value is passed as a parameter.
    """
    return PostgresAdapter(pool, tables=tables)
