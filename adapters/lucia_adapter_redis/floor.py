"""The benchmarks' raw-driver floor for Redis sessions: :class:`Floor`, each operation written
directly with redis-py plus bulk loading in one pipeline; :class:`Server`, the benchmark's stores
(private key prefixes) on one client that counts every request it writes; :data:`FLOOR`, the
floor in words for the report. The sessions' users live in another backend's store.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import Connection

from lucia_core.database import SessionRow
from lucia_core.expiration import now_ms

from .adapter import redis_session_adapter
from .raw import glob_pattern as _glob
from .raw import text

#: What the floor is, per operation, in words (for the report).
FLOOR = {
    "validate": "Redis GET of the session JSON, then one prepared SELECT of the user by primary key"
    " (asyncpg): the minimum for this layout, two round trips in sequence",
    "validate_idle": "GET, the user SELECT, then one MULTI/EXEC: SET of the renewed JSON with PXAT"
    " and PEXPIREAT NX/GT of the user's set",
    "create_session": "one MULTI/EXEC (SET ... PXAT, SADD, PEXPIREAT NX and GT) alongside the user SELECT",
    "invalidate_session": "GET (for the user id), then one MULTI/EXEC of DEL and SREM",
    "get_all_user_sessions": "SMEMBERS then MGET, alongside the user SELECT",
}


def _json(row: Mapping[str, Any]) -> str:
    return json.dumps(dict(row), ensure_ascii=False, separators=(",", ":"))


class Floor:
    """The benchmarks' floor for sessions: each operation written directly with redis-py, plus
    bulk loading in one pipeline. ``fetch_user(user_id)`` reads the user from the user store."""

    def __init__(self, client: Redis, prefixes: Mapping[str, str], fetch_user: Any) -> None:
        self.client = client
        self.session_prefix, self.user_prefix = prefixes["session"], prefixes["user_sessions"]
        self.fetch_user = fetch_user

    def _session_key(self, session_id: str) -> str:
        return f"{self.session_prefix}:{session_id}"

    def _user_key(self, user_id: str) -> str:
        return f"{self.user_prefix}:{user_id}"

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        pipe = self.client.pipeline(transaction=False)
        latest: dict[str, int] = {}
        for row in rows:
            pipe.set(self._session_key(row["id"]), _json(row), pxat=row["idle_expires"])
            pipe.sadd(self._user_key(row["user_id"]), row["id"])
            latest[row["user_id"]] = max(latest.get(row["user_id"], 0), row["idle_expires"])
        for user_id, expires in latest.items():
            pipe.pexpireat(self._user_key(user_id), expires, gt=True)
            pipe.pexpireat(self._user_key(user_id), expires, nx=True)
        await pipe.execute()

    async def drop(self) -> None:
        batch: list[bytes] = []
        for prefix in (self.session_prefix, self.user_prefix):
            async for key in self.client.scan_iter(match=_glob(prefix), count=5_000):
                batch.append(key)
                if len(batch) >= 5_000:
                    await self.client.unlink(*batch)
                    batch = []
        if batch:
            await self.client.unlink(*batch)

    async def validate(self, session_id: str) -> bool:
        value = await self.client.get(self._session_key(session_id))
        if value is None:
            return False
        session = json.loads(value)
        user = await self.fetch_user(session["user_id"])
        return user is not None and bool(now_ms() < session["active_expires"])

    async def validate_idle(self, session_id: str, renewed: tuple[int, int]) -> bool:
        key = self._session_key(session_id)
        value = await self.client.get(key)
        if value is None:
            return False
        session = json.loads(value)
        user = await self.fetch_user(session["user_id"])
        if user is None or now_ms() >= session["idle_expires"]:
            return False
        session["active_expires"], session["idle_expires"] = renewed
        user_key = self._user_key(session["user_id"])
        pipe = self.client.pipeline(transaction=True)
        pipe.set(key, _json(session), pxat=session["idle_expires"])
        pipe.pexpireat(user_key, session["idle_expires"], nx=True)
        pipe.pexpireat(user_key, session["idle_expires"], gt=True)
        await pipe.execute()
        return True

    async def create_session(self, session_id: str, user_id: str, expirations: tuple[int, int]) -> None:
        active, idle = expirations
        row = {"id": session_id, "user_id": user_id, "active_expires": active, "idle_expires": idle}
        user_key = self._user_key(user_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self._session_key(session_id), _json(row), pxat=idle)
        pipe.sadd(user_key, session_id)
        pipe.pexpireat(user_key, idle, nx=True)
        pipe.pexpireat(user_key, idle, gt=True)
        await asyncio.gather(self.fetch_user(user_id), pipe.execute())

    async def invalidate_session(self, session_id: str) -> None:
        key = self._session_key(session_id)
        value = await self.client.get(key)
        if value is None:
            return
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(key)
        pipe.srem(self._user_key(json.loads(value)["user_id"]), session_id)
        await pipe.execute()

    async def get_user_sessions(self, user_id: str) -> int:
        async def sessions() -> list[Any]:
            members = await self.client.smembers(self._user_key(user_id))
            if not members:
                return []
            return list(await self.client.mget([self._session_key(text(member)) for member in members]))

        user, values = await asyncio.gather(self.fetch_user(user_id), sessions())
        now = now_ms()
        live = [json.loads(value) for value in values if value is not None]
        return 0 if user is None else sum(1 for session in live if now < session["idle_expires"])


class Server:
    """The benchmarks' client of one server, counting every request its connections write (a
    pipeline, a MULTI/EXEC block and a script are one request each: one round trip); stores are
    key prefixes ``<run>_<tag>``, their users in the store ``users`` of another backend."""

    #: The scale scenario stays at its small sizes here.
    large_scale = False

    def __init__(self, url: str, run: str) -> None:
        self.url, self.run = url, run
        self.requests = 0
        self.client: Redis | None = None

    async def connect(self) -> None:
        server = self

        class CountingConnection(Connection):
            async def send_packed_command(
                self, command: bytes | str | Iterable[bytes], check_health: bool = True
            ) -> None:
                server.requests += 1
                await super().send_packed_command(command, check_health)

        self.client = Redis(
            connection_pool=ConnectionPool.from_url(self.url, connection_class=CountingConnection)
        )

    async def close(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            await self.client.connection_pool.disconnect()

    async def store(self, tag: str, users: Any) -> tuple[Any, Floor]:
        """Key prefixes under ``<run>_<tag>``: the adapter over them and their floor, which reads
        the user with ``users.fetch_user`` (the user store's floor)."""
        assert self.client is not None, "connect() first"
        prefix, fetch_user = f"{self.run}_{tag}", users.fetch_user
        prefixes = {"session": f"{prefix}:session", "user_sessions": f"{prefix}:user_sessions"}
        return redis_session_adapter(self.client, prefixes=prefixes), Floor(self.client, prefixes, fetch_user)

    async def version(self) -> str:
        assert self.client is not None
        return str((await self.client.info("server")).get("redis_version"))
