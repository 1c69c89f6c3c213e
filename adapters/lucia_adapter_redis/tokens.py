"""The Redis adapter's one-time tokens (``TokenAdapter``): ``token:{id}`` holds the row as JSON
and expires at ``expires``; ``user_tokens:{user_id}`` is the set of the user's token ids, alive
until its last token's end. :class:`~lucia_adapter_redis.RedisSessionAdapter` mixes this in."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lucia_core.adapter import TokenAdapter
from lucia_core.database import TokenRow

if TYPE_CHECKING:
    from redis.asyncio import Redis, RedisCluster
    from redis.asyncio.client import Pipeline
    from redis.asyncio.cluster import ClusterPipeline


def _load(value: bytes | str) -> TokenRow:
    row = json.loads(value)
    if not isinstance(row, dict):
        raise ValueError("a token key does not hold a JSON object")
    return row


class RedisTokens(TokenAdapter):
    """The token methods; the adapter provides the client and the two prefixes. Redis cannot
    tell that a user is missing, so ``set_token`` never raises ``AUTH_INVALID_USER_ID``."""

    _client: Redis | RedisCluster
    _cluster: bool
    _token_prefix: str
    _user_tokens_prefix: str

    if TYPE_CHECKING:

        async def _initialize(self) -> None: ...
        def _pipeline(self) -> Pipeline | ClusterPipeline: ...
        async def _execute(self, pipe: Pipeline | ClusterPipeline) -> list[Any]: ...
        async def _session_ids(self, user_key: str) -> list[str]: ...

    def _token_key(self, token_id: str) -> str:
        return f"{self._token_prefix}:{token_id}"

    def _user_tokens_key(self, user_id: str) -> str:
        return f"{self._user_tokens_prefix}:{user_id}"

    async def _tokens_of(self, user_id: str) -> tuple[list[TokenRow], list[str]]:
        """The user's stored tokens, and the ids in the set whose key is gone (or another user's)."""
        token_ids = await self._session_ids(self._user_tokens_key(user_id))
        if not token_ids:
            return [], []
        keys = [self._token_key(token_id) for token_id in token_ids]
        values: Sequence[bytes | str | None]
        if self._cluster:
            values = await self._client.mget_nonatomic(keys)  # type: ignore[union-attr]
        else:
            values = await self._client.mget(keys)
        tokens, gone = [], []
        for token_id, value in zip(token_ids, values, strict=True):
            token = None if value is None else _load(value)
            if token is not None and token.get("user_id") == user_id:
                tokens.append(token)
            else:
                gone.append(token_id)
        return tokens, gone

    async def get_token(self, token_id: str) -> TokenRow | None:
        await self._initialize()
        value = await self._client.get(self._token_key(token_id))
        return None if value is None else _load(value)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        await self._initialize()
        tokens, gone = await self._tokens_of(user_id)
        if gone:  # ids whose key expired or was deleted leave the set
            await self._client.srem(self._user_tokens_key(user_id), *gone)
        return tokens

    async def set_token(self, token: TokenRow) -> None:
        await self._initialize()
        expires = token["expires"]
        if isinstance(expires, bool) or not isinstance(expires, int):
            raise TypeError(f"expires must be an int (unix epoch ms), not {type(expires).__name__}")
        key = self._token_key(token["id"])
        value = json.dumps(token, ensure_ascii=False, separators=(",", ":"))
        if expires <= time.time_ns() // 1_000_000:  # past: not stored (PXAT would delete it)
            await self._client.delete(key)
            return
        if self._cluster:  # the key before the set, as for sessions: a reader never prunes it
            await self._client.set(key, value, pxat=expires)
            pipe = self._pipeline()
        else:
            pipe = self._pipeline()
            pipe.set(key, value, pxat=expires)
        user_key = self._user_tokens_key(token["user_id"])
        pipe.sadd(user_key, token["id"])
        pipe.pexpireat(user_key, expires, nx=True)
        pipe.pexpireat(user_key, expires, gt=True)
        await self._execute(pipe)

    async def consume_token(self, token_id: str) -> TokenRow | None:
        # One command reads and deletes: of concurrent GETDELs of a key exactly one gets it.
        await self._initialize()
        value = await self._client.getdel(self._token_key(token_id))
        if value is None:
            return None
        token = _load(value)
        if isinstance(token.get("user_id"), str):
            await self._client.srem(self._user_tokens_key(token["user_id"]), token_id)
        return token

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        await self._initialize()
        tokens, gone = await self._tokens_of(user_id)
        doomed = [token["id"] for token in tokens if purpose is None or token.get("purpose") == purpose]
        if not doomed and not gone:
            return
        pipe = self._pipeline()
        for token_id in doomed:
            pipe.delete(self._token_key(token_id))
        pipe.srem(self._user_tokens_key(user_id), *doomed, *gone)
        await self._execute(pipe)
