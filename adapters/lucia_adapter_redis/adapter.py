"""The Redis session adapter: Lucia v2's key layout over redis-py's asyncio clients.

``session:{session_id}`` holds the session row as JSON and expires at ``idle_expires``;
``user_sessions:{user_id}`` is a set of the user's session ids and expires with its last session.
On a single node each write of both keys is one MULTI/EXEC. On a cluster the two keys sit in
different hash slots, so writes go through non-transactional pipelines: redis-py groups their
commands by node and sends each node its batch concurrently, with no atomicity across nodes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

try:
    from redis.asyncio import Redis, RedisCluster
    from redis.asyncio.client import Pipeline
    from redis.asyncio.cluster import ClusterPipeline
except ImportError as error:  # pragma: no cover - exercised in a test with redis hidden
    raise ImportError(
        'lucia_adapter_redis needs redis-py; install it with: pip install "lucia-core[redis]"'
    ) from error

from lucia_core.database import SessionRow, TokenRow

#: Lucia v2's default key prefixes; a key is ``f"{prefix}:{id}"``.
DEFAULT_PREFIXES: Mapping[str, str] = {
    "session": "session",
    "user_sessions": "user_sessions",
    "token": "token",
    "user_tokens": "user_tokens",
}

#: The columns written first in the JSON, as Lucia v2 names them; attributes follow.
_COLUMNS = ("id", "user_id", "active_expires", "idle_expires")

# Merge fields into the JSON object at KEYS[1], atomically, in one round trip (one key, so it
# runs on a cluster too). The stored values are never decoded: Lua's cjson reads numbers as
# doubles and would round 64-bit ints such as 2**53 + 1. Instead the text is scanned for its
# top-level members (outside strings, at depth 1) and each member keeps its exact text unless
# replaced. ARGV holds pairs of JSON texts: a member name and its new value. The key then
# expires at the merged idle_expires, its digits handed to PXAT as they are (a value <= 0 is
# made 1, also long past: PXAT in the past deletes the key). Returns the JSON as it was, or nil.
_MERGE = r"""
local old = redis.call('GET', KEYS[1])
if not old then return false end
if not string.find(old, '^%s*{') then return redis.error_reply('not a JSON object') end
local members, index = {}, {}
local depth, in_string, escaped, start, colon = 0, false, false, 1, nil
for i = 1, #old do
  local c = string.sub(old, i, i)
  if in_string then
    if escaped then escaped = false
    elseif c == '\\' then escaped = true
    elseif c == '"' then in_string = false end
  elseif c == '"' then in_string = true
  elseif c == ':' and depth == 1 and not colon then colon = i
  elseif c == '{' or c == '[' then
    depth = depth + 1
    if depth == 1 then start = i + 1 end
  elseif depth == 1 and (c == ',' or c == '}') then
    if colon then
      local name = string.sub(old, start, colon - 1)
      members[#members + 1] = {name, string.sub(old, colon + 1, i - 1)}
      index[cjson.decode(name)] = #members
    end
    start, colon = i + 1, nil
    if c == '}' then break end
  elseif c == '}' or c == ']' then depth = depth - 1
  end
end
for i = 1, #ARGV, 2 do
  local name = cjson.decode(ARGV[i])
  if index[name] then members[index[name]][2] = ARGV[i + 1]
  else members[#members + 1] = {ARGV[i], ARGV[i + 1]}; index[name] = #members end
end
local parts = {}
for i, member in ipairs(members) do parts[i] = member[1] .. ':' .. member[2] end
local new = '{' .. table.concat(parts, ',') .. '}'
local expires = index.idle_expires and string.match(members[index.idle_expires][2], '^%s*(-?%d+)%s*$')
if not expires then
  redis.call('SET', KEYS[1], new, 'KEEPTTL')
else
  if tonumber(expires) <= 0 then expires = '1' end
  redis.call('SET', KEYS[1], new, 'PXAT', expires)
end
return old
"""

AnyPipeline = Pipeline | ClusterPipeline


def _now_ms() -> int:
    return int(time.time() * 1000)


def _expires(row: Mapping[str, Any]) -> int:
    value = row["idle_expires"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"idle_expires must be an int (unix epoch ms), not {type(value).__name__}")
    return value


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _dump(row: Mapping[str, Any]) -> str:
    ordered = {name: row[name] for name in _COLUMNS if name in row}
    ordered.update(row)
    return _json(ordered)


def _load(value: bytes | str) -> SessionRow:
    row = json.loads(value)
    if not isinstance(row, dict):
        raise ValueError("a session key does not hold a JSON object")
    return row


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisSessionAdapter:
    """A session-only adapter storing sessions as Lucia v2 did, in standalone Redis or a cluster.

    Needs Redis >= 7.0 (``PEXPIREAT ... NX | GT``). Every method costs a fixed number of round
    trips, whatever the number of sessions: reads of a user's sessions are SMEMBERS and one MGET
    (per node on a cluster), plus one SREM when the set held ids of sessions that are gone.
    Redis cannot tell whether a user exists, so ``set_session`` never raises
    ``AUTH_INVALID_USER_ID``. Driver errors propagate as redis-py exceptions.
    """

    def __init__(self, client: Redis | RedisCluster, *, prefixes: Mapping[str, str] | None = None) -> None:
        names = dict(DEFAULT_PREFIXES)
        if prefixes is not None:
            unknown = set(prefixes) - set(DEFAULT_PREFIXES)
            if unknown:
                raise ValueError(
                    f"unknown prefix keys {sorted(unknown)}:"
                    " use 'session', 'user_sessions', 'token' and 'user_tokens'"
                )
            names.update(prefixes)
        self._client = client
        self._cluster = isinstance(client, RedisCluster)
        # redis-py fails concurrent first commands on a RedisCluster not initialized yet (a
        # connection is dropped while in use): the first call initializes it, the others wait.
        self._ready = not self._cluster
        self._initializing = asyncio.Lock()
        self._session_prefix = names["session"]
        self._user_sessions_prefix = names["user_sessions"]
        self._token_prefix = names["token"]
        self._user_tokens_prefix = names["user_tokens"]

    def __repr__(self) -> str:
        return (
            f"RedisSessionAdapter(session={self._session_prefix!r}, "
            f"user_sessions={self._user_sessions_prefix!r}, cluster={self._cluster})"
        )

    def _session_key(self, session_id: str) -> str:
        return f"{self._session_prefix}:{session_id}"

    def _user_key(self, user_id: str) -> str:
        return f"{self._user_sessions_prefix}:{user_id}"

    async def _initialize(self) -> None:
        """Initialize a cluster client (discover its nodes) once, before any other command."""
        if self._ready:
            return
        async with self._initializing:
            if not self._ready and isinstance(self._client, RedisCluster):
                await self._client.initialize()
            self._ready = True

    def _pipeline(self) -> AnyPipeline:
        """MULTI/EXEC on a single node; on a cluster a plain pipeline (keys span slots)."""
        return self._client.pipeline(transaction=not self._cluster)

    def _track(self, pipe: AnyPipeline, user_id: str, session_id: str, expires: int) -> None:
        """Queue: add the id to the user's set; let the set live until its last session's end.

        NX gives a new set (or a Lucia v2 set, which never expired) its first expiry; GT only
        ever pushes it later. Callers skip this for an ``expires`` already past, since PEXPIREAT
        in the past would delete the whole set.
        """
        user_key = self._user_key(user_id)
        pipe.sadd(user_key, session_id)
        pipe.pexpireat(user_key, expires, nx=True)
        pipe.pexpireat(user_key, expires, gt=True)

    async def _session_ids(self, user_key: str) -> list[str]:
        return [_text(member) for member in await self._client.smembers(user_key)]

    async def get_session(self, session_id: str) -> SessionRow | None:
        """Return the session row with this id, with every attribute column, or None."""
        await self._initialize()
        value = await self._client.get(self._session_key(session_id))
        return None if value is None else _load(value)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        """Return every stored session of the user (an empty list if none).

        Ids in the user's set whose session key is gone (expired, deleted by hand) or now holds
        another user's session are removed from the set, and that session is not returned.
        """
        await self._initialize()
        user_key = self._user_key(user_id)
        session_ids = await self._session_ids(user_key)
        if not session_ids:
            return []
        keys = [self._session_key(session_id) for session_id in session_ids]
        values: Sequence[bytes | str | None]
        if isinstance(self._client, RedisCluster):
            values = await self._client.mget_nonatomic(keys)
        else:
            values = await self._client.mget(keys)
        sessions, gone = [], []
        for session_id, value in zip(session_ids, values, strict=True):
            session = None if value is None else _load(value)
            if session is not None and session.get("user_id") == user_id:
                sessions.append(session)
            else:
                gone.append(session_id)
        if gone:
            await self._client.srem(user_key, *gone)
        return sessions

    async def set_session(self, session: SessionRow) -> None:
        """Store the session (replacing one with the same id) and add its id to the user's set.

        The key expires at ``idle_expires``; a session whose ``idle_expires`` is already past is
        not stored (an existing key with its id is deleted). On a cluster the session key is
        written before the set, so a reader never finds an id in the set whose key is still to
        come, and so never prunes a session being created: two round trips instead of one.
        """
        await self._initialize()
        session_id, user_id = session["id"], session["user_id"]
        expires = _expires(session)
        key, value = self._session_key(session_id), _dump(session)
        if expires <= _now_ms():
            await self._client.delete(key)
            return
        if self._cluster:
            await self._client.set(key, value, pxat=expires)
            pipe = self._pipeline()
        else:
            pipe = self._pipeline()
            pipe.set(key, value, pxat=expires)
        self._track(pipe, user_id, session_id, expires)
        await pipe.execute()

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        """Set the named fields of the session's JSON, leaving the others byte for byte; a
        missing session is a no-op.

        One atomic script (a session deleted meanwhile stays deleted; concurrent updates of
        other fields are all kept) after which the key expires at ``idle_expires`` (at once if
        it is past); plus one round trip when ``idle_expires`` or ``user_id`` changes, so that
        the user's set lives at least as long. Raises ValueError when asked to change the id.
        """
        await self._initialize()
        if not partial_session:
            return
        if partial_session.get("id", session_id) != session_id:
            raise ValueError("update_session cannot change a session's id")
        expires = _expires(partial_session) if "idle_expires" in partial_session else None
        fields = [_json(item) for pair in partial_session.items() for item in pair]
        stored = await self._client.eval(_MERGE, 1, self._session_key(session_id), *fields)
        if stored is None:
            return
        old = _load(stored)
        user_id = partial_session.get("user_id", old.get("user_id"))
        moved = user_id != old.get("user_id")
        if expires is None or expires == old.get("idle_expires"):
            if not moved:
                return
            expires = _expires(old)
        pipe = self._pipeline()
        if moved and old.get("user_id") is not None:
            pipe.srem(self._user_key(old["user_id"]), session_id)
        if expires > _now_ms():
            self._track(pipe, user_id, session_id, expires)
        if len(pipe):
            await pipe.execute()

    async def delete_session(self, session_id: str) -> None:
        """Delete the session and remove its id from the user's set; a missing one is a no-op."""
        await self._initialize()
        key = self._session_key(session_id)
        stored = await self._client.get(key)
        if stored is None:
            return
        user_id = _load(stored).get("user_id")
        pipe = self._pipeline()
        pipe.delete(key)
        if user_id is not None:
            pipe.srem(self._user_key(user_id), session_id)
        await pipe.execute()

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        """Delete every session in the user's set, and those ids from the set.

        Only the ids read are removed, so a session stored meanwhile stays listed.
        """
        await self._initialize()
        user_key = self._user_key(user_id)
        session_ids = await self._session_ids(user_key)
        if not session_ids:
            return
        pipe = self._pipeline()
        for session_id in session_ids:
            pipe.delete(self._session_key(session_id))
        pipe.srem(user_key, *session_ids)
        await pipe.execute()

    # TokenAdapter: ``token:{id}`` holds the row as JSON and expires at ``expires``;
    # ``user_tokens:{user_id}`` is the set of the user's token ids, alive until its last token's end.

    def _token_key(self, token_id: str) -> str:
        return f"{self._token_prefix}:{token_id}"

    def _user_tokens_key(self, user_id: str) -> str:
        return f"{self._user_tokens_prefix}:{user_id}"

    async def _tokens_in_set(self, user_id: str) -> tuple[list[TokenRow], list[str]]:
        """The user's stored tokens, and the ids in the set whose key is gone (or another user's)."""
        token_ids = await self._session_ids(self._user_tokens_key(user_id))
        if not token_ids:
            return [], []
        keys = [self._token_key(token_id) for token_id in token_ids]
        values: Sequence[bytes | str | None]
        if isinstance(self._client, RedisCluster):
            values = await self._client.mget_nonatomic(keys)
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
        """Return the token row with this id, with every attribute column, or None."""
        await self._initialize()
        value = await self._client.get(self._token_key(token_id))
        return None if value is None else _load(value)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        """Return every stored token of the user (an empty list if none); ids in the user's set
        whose key is gone are removed from it."""
        await self._initialize()
        tokens, gone = await self._tokens_in_set(user_id)
        if gone:
            await self._client.srem(self._user_tokens_key(user_id), *gone)
        return tokens

    async def set_token(self, token: TokenRow) -> None:
        """Store the token, expiring at ``expires``, and add its id to the user's set; a token
        whose ``expires`` is already past is not stored. The user is not checked."""
        await self._initialize()
        expires = token["expires"]
        if isinstance(expires, bool) or not isinstance(expires, int):
            raise TypeError(f"expires must be an int (unix epoch ms), not {type(expires).__name__}")
        key, value = self._token_key(token["id"]), _json(token)
        if expires <= _now_ms():
            await self._client.delete(key)
            return
        user_key = self._user_tokens_key(token["user_id"])
        if self._cluster:  # the key before the set, as for sessions
            await self._client.set(key, value, pxat=expires)
            pipe = self._pipeline()
        else:
            pipe = self._pipeline()
            pipe.set(key, value, pxat=expires)
        pipe.sadd(user_key, token["id"])
        pipe.pexpireat(user_key, expires, nx=True)
        pipe.pexpireat(user_key, expires, gt=True)
        await pipe.execute()

    async def consume_token(self, token_id: str) -> TokenRow | None:
        """Read and delete the token in one command (``GETDEL``): of concurrent callers one gets
        it. Its id then leaves the user's set."""
        await self._initialize()
        value = await self._client.getdel(self._token_key(token_id))
        if value is None:
            return None
        token = _load(value)
        if isinstance(token.get("user_id"), str):
            await self._client.srem(self._user_tokens_key(token["user_id"]), token_id)
        return token

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        """Delete the user's tokens (of ``purpose`` only, when given) and their ids from the set."""
        await self._initialize()
        tokens, gone = await self._tokens_in_set(user_id)
        doomed = [token["id"] for token in tokens if purpose is None or token.get("purpose") == purpose]
        if not doomed and not gone:
            return
        pipe = self._pipeline()
        for token_id in doomed:
            pipe.delete(self._token_key(token_id))
        pipe.srem(self._user_tokens_key(user_id), *doomed, *gone)
        await pipe.execute()


def redis_session_adapter(
    client: Redis | RedisCluster, *, prefixes: Mapping[str, str] | None = None
) -> RedisSessionAdapter:
    """Create a :class:`RedisSessionAdapter` over a ``redis.asyncio.Redis`` or ``RedisCluster``.

    The client may decode responses or not. ``prefixes`` may rename any key prefix,
    ``{"session": ..., "user_sessions": ..., "token": ..., "user_tokens": ...}`` (defaults
    ``session`` and ``user_sessions``, as in Lucia v2, ``token`` and ``user_tokens``); a key is
    ``f"{prefix}:{id}"``. Raises ValueError for an unknown prefix key.
    """
    return RedisSessionAdapter(client, prefixes=prefixes)
