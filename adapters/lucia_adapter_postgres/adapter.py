"""The PostgreSQL adapter: users, keys and sessions in PostgreSQL, over an asyncpg pool."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lucia_core.drivers import expect, missing_driver

try:
    import asyncpg
except ImportError:  # pragma: no cover - exercised in a test with asyncpg hidden
    raise missing_driver("lucia_adapter_postgres", "asyncpg", "postgres") from None

from lucia_core.adapter import Adapter, SessionAndUserReader, UserAndSessionsReader
from lucia_core.database import KeyRow, SessionRow, UserRow
from lucia_core.errors import LuciaError
from lucia_core.sql import JoinedColumns, Statements, table_names

from .pooler import checked_pool
from .schema import POSTGRES
from .tokens import PostgresTokens


def is_unique_violation(error: BaseException) -> bool:
    """Whether a driver error is the database refusing a duplicate value of a unique index."""
    return isinstance(error, asyncpg.UniqueViolationError)


def _row(record: Any) -> dict[str, Any]:
    return dict(record.items())


def _key_row(record: Any) -> KeyRow:
    return KeyRow(id=record["id"], user_id=record["user_id"], hashed_password=record["hashed_password"])


class PostgresAdapter(PostgresTokens, Adapter, SessionAndUserReader, UserAndSessionsReader):
    """A regular adapter (users, keys, sessions, one-time tokens) with a one-query
    ``get_session_and_user`` and ``get_user_and_sessions``.

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
        names = table_names(POSTGRES, tables)
        pool = expect(
            "postgres_adapter", pool, asyncpg.Pool, "an asyncpg pool", "pool = await asyncpg.create_pool(url)"
        )
        # Checked once, at the first call, for a pooler that needs statement_cache_size=0.
        self._pool = checked_pool(pool, on_checked=lambda: setattr(self, "_pool", pool))
        self._user, self._key, self._session = names["user"], names["key"], names["session"]
        self._token = names["token"]
        self._sql = Statements(names)
        self._session_user_split = JoinedColumns()
        self._user_sessions_split = JoinedColumns()
        # PostgreSQL names the table of a violated constraint without its schema or quotes.
        self._owners = {names[role].rsplit(".", 1)[-1].strip('"') for role in ("key", "session", "token")}

    def __repr__(self) -> str:
        return f"PostgresAdapter(user={self._user}, key={self._key}, session={self._session})"

    async def _one(self, sql: str, row_id: str) -> dict[str, Any] | None:
        record = await self._pool.fetchrow(sql, row_id)
        return None if record is None else _row(record)

    async def _update(self, table: str, row_id: str, partial: Mapping[str, Any]) -> None:
        if partial:
            await self._pool.execute(POSTGRES.update(table, tuple(partial)), *partial.values(), row_id)

    async def _insert(self, executor: Any, sql: str, *values: Any) -> Any:
        """Run an INSERT into the key, session or token table; a foreign-key violation is its user."""
        try:
            return await executor.fetchval(sql, *values)
        except asyncpg.ForeignKeyViolationError as error:
            if error.table_name in self._owners:
                raise LuciaError("AUTH_INVALID_USER_ID") from error
            raise

    async def _insert_key(self, executor: Any, key: KeyRow) -> None:
        # A taken id inserts nothing and returns no row: no message or constraint name to parse,
        # concurrent inserts of one id wait for each other, other unique constraints still raise.
        sql = self._sql(
            "INSERT INTO {key} (id, user_id, hashed_password) VALUES ($1, $2, $3)"
            " ON CONFLICT (id) DO NOTHING RETURNING true"
        )
        if await self._insert(executor, sql, key["id"], key["user_id"], key["hashed_password"]) is None:
            raise LuciaError("AUTH_DUPLICATE_KEY_ID")

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        return await self._one(self._sql("SELECT * FROM {user} WHERE id = $1"), user_id)

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(POSTGRES.insert(self._user, tuple(user)), *user.values())
            if key is not None:
                await self._insert_key(connection, key)

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        await self._update(self._user, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        await self._pool.execute(self._sql("DELETE FROM {user} WHERE id = $1"), user_id)

    async def get_key(self, key_id: str) -> KeyRow | None:
        sql = self._sql("SELECT id, user_id, hashed_password FROM {key} WHERE id = $1")
        record = await self._pool.fetchrow(sql, key_id)
        return None if record is None else _key_row(record)

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        sql = self._sql("SELECT id, user_id, hashed_password FROM {key} WHERE user_id = $1")
        return [_key_row(record) for record in await self._pool.fetch(sql, user_id)]

    async def set_key(self, key: KeyRow) -> None:
        await self._insert_key(self._pool, key)

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        await self._update(self._key, key_id, partial_key)

    async def replace_key_password(
        self, key_id: str, expected_hashed_password: str | None, hashed_password: str | None
    ) -> bool:
        sql = self._sql(
            "UPDATE {key} SET hashed_password = $3"
            " WHERE id = $1 AND hashed_password IS NOT DISTINCT FROM $2::text RETURNING true"
        )
        return await self._pool.fetchval(sql, key_id, expected_hashed_password, hashed_password) is not None

    async def delete_key(self, key_id: str) -> None:
        await self._pool.execute(self._sql("DELETE FROM {key} WHERE id = $1"), key_id)

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        await self._pool.execute(self._sql("DELETE FROM {key} WHERE user_id = $1"), user_id)

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        return await self._one(self._sql("SELECT * FROM {session} WHERE id = $1"), session_id)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        records = await self._pool.fetch(self._sql("SELECT * FROM {session} WHERE user_id = $1"), user_id)
        return [_row(record) for record in records]

    async def set_session(self, session: SessionRow) -> None:
        await self._insert(self._pool, POSTGRES.insert(self._session, tuple(session)), *session.values())

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        await self._update(self._session, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        await self._pool.execute(self._sql("DELETE FROM {session} WHERE id = $1"), session_id)

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        await self._pool.execute(self._sql("DELETE FROM {session} WHERE user_id = $1"), user_id)

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        sql = self._sql(
            'SELECT s.*, NULL AS "lucia:split", u.*'
            " FROM {session} AS s JOIN {user} AS u ON u.id = s.user_id WHERE s.id = $1"
        )
        record = await self._pool.fetchrow(sql, session_id)
        if record is None:
            return None, None
        return self._session_user_split.row(tuple(record.keys()), record)  # a Record slices as a tuple

    # UserAndSessionsReader

    async def get_user_and_sessions(self, user_id: str) -> tuple[UserRow | None, list[SessionRow]]:
        sql = self._sql(
            'SELECT u.*, NULL AS "lucia:split", s.*'
            " FROM {user} AS u LEFT JOIN {session} AS s ON s.user_id = u.id WHERE u.id = $1"
        )
        records = await self._pool.fetch(sql, user_id)
        names = tuple(records[0].keys()) if records else ()
        return self._user_sessions_split.one_and_many(names, records)


def postgres_adapter(pool: asyncpg.Pool, *, tables: Mapping[str, str] | None = None) -> PostgresAdapter:
    """Create a :class:`PostgresAdapter` over an asyncpg pool.

    ``tables`` may rename any of the tables ``{"user": ..., "key": ..., "session": ...}``
    (defaults ``auth_user``, ``user_key``, ``user_session``), each ``table`` or ``schema.table``.
    Raises ValueError for an unknown key or a name that is not a plain identifier (at most 63
    characters), and TypeError when ``pool`` is not an asyncpg pool.
    """
    return PostgresAdapter(pool, tables=tables)
