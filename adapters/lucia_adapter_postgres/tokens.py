"""The PostgreSQL adapter's one-time tokens (``TokenAdapter``): each method one statement on the
adapter's pool; :class:`~lucia_adapter_postgres.PostgresAdapter` mixes this in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lucia_core.adapter import TokenAdapter
from lucia_core.database import TokenRow
from lucia_core.sql import Statements

from .schema import POSTGRES

if TYPE_CHECKING:
    import asyncpg


class PostgresTokens(TokenAdapter):
    """The token methods; the adapter provides the pool, the table name and its statements."""

    _pool: asyncpg.Pool
    _token: str
    _sql: Statements

    if TYPE_CHECKING:

        async def _one(self, sql: str, row_id: str) -> dict[str, Any] | None: ...
        async def _insert(self, executor: Any, sql: str, *values: Any) -> Any: ...

    async def get_token(self, token_id: str) -> TokenRow | None:
        return await self._one(self._sql("SELECT * FROM {token} WHERE id = $1"), token_id)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        records = await self._pool.fetch(self._sql("SELECT * FROM {token} WHERE user_id = $1"), user_id)
        return [dict(record.items()) for record in records]

    async def set_token(self, token: TokenRow) -> None:
        await self._insert(self._pool, POSTGRES.insert(self._token, tuple(token)), *token.values())

    async def consume_token(self, token_id: str) -> TokenRow | None:
        # One statement: of concurrent deletes of one row, PostgreSQL gives it to exactly one.
        return await self._one(self._sql("DELETE FROM {token} WHERE id = $1 RETURNING *"), token_id)

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        if purpose is None:
            await self._pool.execute(self._sql("DELETE FROM {token} WHERE user_id = $1"), user_id)
        else:
            sql = self._sql("DELETE FROM {token} WHERE user_id = $1 AND purpose = $2")
            await self._pool.execute(sql, user_id, purpose)
