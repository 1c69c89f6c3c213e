"""The SQLite adapter's one-time tokens (``TokenAdapter``), on the adapter's own turns and
savepoints: :class:`~lucia_adapter_sqlite.SQLiteAdapter` mixes this in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from lucia_core.adapter import TokenAdapter
from lucia_core.database import TokenRow
from lucia_core.sql import Statements

if TYPE_CHECKING:
    import aiosqlite


class SQLiteTokens(TokenAdapter):
    """The token methods; the adapter provides the table name, its statements and its helpers."""

    _token: str
    _sql: Statements

    if TYPE_CHECKING:

        async def _rows(self, template: str, value: str) -> list[dict[str, Any]]: ...
        def _write(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...
        async def _insert(
            self, connection: aiosqlite.Connection, table: str, row: Mapping[str, Any]
        ) -> None: ...
        async def _execute(self, sql: str, parameters: Sequence[Any]) -> int: ...

    async def get_token(self, token_id: str) -> TokenRow | None:
        rows = await self._rows("SELECT * FROM {token} WHERE id = ?", token_id)
        return rows[0] if rows else None

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        return await self._rows("SELECT * FROM {token} WHERE user_id = ?", user_id)

    async def set_token(self, token: TokenRow) -> None:
        async with self._write() as connection:
            await self._insert(connection, self._token, token)

    async def consume_token(self, token_id: str) -> TokenRow | None:
        # One statement (DELETE ... RETURNING), and a write: no other statement runs meanwhile.
        async with self._write() as connection:
            cursor = await connection.execute(
                self._sql("DELETE FROM {token} WHERE id = ? RETURNING *"), (token_id,)
            )
            try:
                cursor.row_factory = None
                rows = list(await cursor.fetchall())
                names = [column[0] for column in cursor.description or ()]
            finally:
                await cursor.close()
        return dict(zip(names, rows[0], strict=True)) if rows else None

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        if purpose is None:
            await self._execute(self._sql("DELETE FROM {token} WHERE user_id = ?"), (user_id,))
        else:
            sql = self._sql("DELETE FROM {token} WHERE user_id = ? AND purpose = ?")
            await self._execute(sql, (user_id, purpose))
