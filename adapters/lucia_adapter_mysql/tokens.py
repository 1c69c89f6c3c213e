"""The MySQL / MariaDB adapter's one-time tokens (``TokenAdapter``) over the adapter's pool:
:class:`~lucia_adapter_mysql.MySQLAdapter` mixes this in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lucia_core.adapter import TokenAdapter
from lucia_core.database import TokenRow
from lucia_core.sql import Statements

from .connection import execute, fetch, pooled

if TYPE_CHECKING:
    import aiomysql


class MySQLTokens(TokenAdapter):
    """The token methods; the adapter provides the pool, the table name and its statements."""

    _pool: aiomysql.Pool
    _token: str
    _sql: Statements

    if TYPE_CHECKING:

        async def _rows(self, sql: str, value: str) -> list[dict[str, Any]]: ...
        async def _execute(self, sql: str, *parameters: Any) -> int: ...
        async def _insert(self, connection: Any, table: str, row: Mapping[str, Any]) -> None: ...

    async def get_token(self, token_id: str) -> TokenRow | None:
        rows = await self._rows(self._sql("SELECT * FROM {token} WHERE `id` = %s"), token_id)
        return rows[0] if rows else None

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        return await self._rows(self._sql("SELECT * FROM {token} WHERE `user_id` = %s"), user_id)

    async def set_token(self, token: TokenRow) -> None:
        async with pooled(self._pool) as connection:
            await self._insert(connection, self._token, token)

    async def consume_token(self, token_id: str) -> TokenRow | None:
        # MySQL has no DELETE ... RETURNING: read, then delete. Of concurrent DELETEs of one row
        # InnoDB lets one remove it and reports 0 rows to the others, so the row count decides;
        # tokens are never updated, so the row read is the row deleted.
        async with pooled(self._pool) as connection:
            names, rows = await fetch(
                connection, self._sql("SELECT * FROM {token} WHERE `id` = %s"), (token_id,)
            )
            if not rows:
                return None
            deleted = await execute(connection, self._sql("DELETE FROM {token} WHERE `id` = %s"), (token_id,))
        return dict(zip(names, rows[0], strict=True)) if deleted == 1 else None

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        if purpose is None:
            await self._execute(self._sql("DELETE FROM {token} WHERE `user_id` = %s"), user_id)
        else:
            sql = self._sql("DELETE FROM {token} WHERE `user_id` = %s AND `purpose` = %s")
            await self._execute(sql, user_id, purpose)
