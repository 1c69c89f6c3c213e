"""The MongoDB adapter's one-time tokens (``TokenAdapter``), documents keyed by ``_id`` like the
others: :class:`~lucia_adapter_mongodb.MongoDBAdapter` mixes this in."""

from __future__ import annotations

from typing import Any

from lucia_core.adapter import TokenAdapter
from lucia_core.database import TokenRow

from .documents import match_id, to_document, to_row


class MongoDBTokens(TokenAdapter):
    """The token methods; the adapter provides the token collection. MongoDB cannot tell that a
    user is missing, so ``set_token`` never raises ``AUTH_INVALID_USER_ID``."""

    _tokens: Any

    async def get_token(self, token_id: str) -> TokenRow | None:
        document = await self._tokens.find_one({"_id": match_id(token_id)})
        return None if document is None else to_row(document)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        cursor = self._tokens.find({"user_id": match_id(user_id, "user_id")})  # pymongo's or Motor's
        return [to_row(document) for document in await cursor.to_list(length=None)]

    async def set_token(self, token: TokenRow) -> None:
        await self._tokens.insert_one(to_document(token, with_user=True))

    async def consume_token(self, token_id: str) -> TokenRow | None:
        # Not find_one_and_delete: FerretDB's is not atomic (of 25 concurrent callers, up to 5 got
        # the same document). A read, then a delete_one whose deleted_count the server decides:
        # exactly one caller removes the document. Tokens are never updated, so it is the one read.
        document = await self._tokens.find_one({"_id": match_id(token_id)})
        if document is None:
            return None
        deleted = await self._tokens.delete_one({"_id": token_id})
        return to_row(document) if deleted.deleted_count == 1 else None

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        query = {"user_id": match_id(user_id, "user_id")}
        if purpose is not None:
            query["purpose"] = match_id(purpose, "purpose")
        await self._tokens.delete_many(query)
