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

from lucia_core.drivers import expect, missing_driver

try:
    import redis
    from redis.asyncio import Redis, RedisCluster
    from redis.asyncio.client import Pipeline
    from redis.asyncio.cluster import ClusterPipeline
except ImportError:  # pragma: no cover - exercised in a test with redis hidden
    raise missing_driver("lucia_adapter_redis", "redis-py", "redis") from None

from lucia_core.adapter import SessionAdapter
from lucia_core.database import SessionRow, resolve_names

from .merge import MERGE
from .schema import DEFAULT_PREFIXES
from .tokens import RedisTokens

#: The columns written first in the JSON, as Lucia v2 names them; attributes follow.
_COLUMNS = ("id", "user_id", "active_expires", "idle_expires")

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


class RedisSessionAdapter(RedisTokens, SessionAdapter):
    """A session-only adapter storing sessions as Lucia v2 did, in standalone Redis or a cluster.

    Needs Redis >= 7.0 (``PEXPIREAT ... NX | GT``). Every method costs a fixed number of round
    trips, whatever the number of sessions: reads of a user's sessions are SMEMBERS and one MGET
    (per node on a cluster), plus one SREM when the set held ids of sessions that are gone.
    Redis cannot tell whether a user exists, so ``set_session`` never raises
    ``AUTH_INVALID_USER_ID``. Driver errors propagate as redis-py exceptions.
    """

    def __init__(self, client: Redis | RedisCluster, *, prefixes: Mapping[str, str] | None = None) -> None:
        names = resolve_names("prefixes", prefixes, DEFAULT_PREFIXES, kind="prefix")
        self._client = _check_client(client)
        self._cluster = isinstance(client, RedisCluster)
        # redis-py fails concurrent first commands on a RedisCluster not initialized yet (a
        # connection is dropped while in use): the first call initializes it, the others wait.
        self._ready = not self._cluster
        self._initializing = asyncio.Lock()
        self._merge = client.register_script(MERGE)  # sent once per server, then run by its SHA
        self._session_prefix = names["session"]
        self._user_sessions_prefix = names["user_sessions"]
        self._token_prefix, self._user_tokens_prefix = names["token"], names["user_tokens"]

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

    async def _execute(self, pipe: AnyPipeline) -> list[Any]:
        return await pipe.execute()  # lucia_adapter_redis.replication waits for replicas here

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
        if not self._ready:  # the validation hot path: no coroutine call once initialized
            await self._initialize()
        value = await self._client.get(self._session_key(session_id))
        return None if value is None else _load(value)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
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
        await self._execute(pipe)

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        await self._initialize()
        if not partial_session:
            return
        if partial_session.get("id", session_id) != session_id:
            raise ValueError("update_session cannot change a session's id")
        expires = _expires(partial_session) if "idle_expires" in partial_session else None
        fields = [_json(item) for pair in partial_session.items() for item in pair]
        stored = await self._merge(keys=[self._session_key(session_id)], args=fields)
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
            await self._execute(pipe)

    async def delete_session(self, session_id: str) -> None:
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
        await self._execute(pipe)

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        await self._initialize()
        user_key = self._user_key(user_id)
        session_ids = await self._session_ids(user_key)
        if not session_ids:
            return
        pipe = self._pipeline()
        for session_id in session_ids:
            pipe.delete(self._session_key(session_id))
        pipe.srem(user_key, *session_ids)
        await self._execute(pipe)


def _check_client(client: object) -> Redis | RedisCluster:
    if isinstance(client, (redis.Redis, redis.RedisCluster)):
        raise TypeError(
            "redis_session_adapter() needs an asyncio client, not the blocking"
            f" {type(client).__module__}.{type(client).__qualname__}: use redis.asyncio.Redis.from_url(url)"
            " (or redis.asyncio.RedisCluster)"
        )
    return expect(  # type: ignore[return-value] # one of the two classes
        "redis_session_adapter", client, (Redis, RedisCluster),
        "a redis.asyncio.Redis or RedisCluster client", "client = redis.asyncio.Redis.from_url(url)",
    )  # fmt: skip


def redis_session_adapter(
    client: Redis | RedisCluster, *, prefixes: Mapping[str, str] | None = None
) -> RedisSessionAdapter:
    """Create a :class:`RedisSessionAdapter` over a ``redis.asyncio.Redis`` or ``RedisCluster``.

    The client may decode responses or not. ``prefixes`` may rename either key prefix,
    ``{"session": ..., "user_sessions": ...}`` (defaults ``session`` and ``user_sessions``, as
    in Lucia v2); a key is ``f"{prefix}:{id}"``. Raises ValueError for an unknown prefix key.
    """
    return RedisSessionAdapter(client, prefixes=prefixes)
