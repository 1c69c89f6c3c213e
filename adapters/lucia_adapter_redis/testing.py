"""Throwaway Redis session stores for tests and benchmarks: key prefixes ``lucia-test:<random>``
on a server (standalone or cluster) named by URL, the adapter over a client of its own, raw
access to Lucia v2's key layout for the conformance suite, and the benchmarks' raw-driver floor.

    async with throwaway_store(url) as store:   # every key under the prefixes is deleted at the end
        auth = lucia(adapter={"user": user_adapter, "session": store.adapter})
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.cluster
from redis.asyncio import ConnectionPool, Redis, RedisCluster
from redis.asyncio.connection import Connection

from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawDatabase
from lucia_conformance.store import ThrowawayStore
from lucia_core.database import SessionRow
from lucia_core.expiration import now_ms

from .adapter import redis_session_adapter
from .raw import (
    Client,
    RedisSessionTable,
    SyncClient,
    delete_prefixed,
    delete_prefixed_sync,
    keys_under,
    text,
)
from .raw import glob_pattern as _glob

__all__ = [
    "CONFORMANCE_OPTIONS",
    "CONFORMANCE_VARIANTS",
    "DEPLOYMENT_OPTIONS",
    "Client",
    "Floor",
    "RedisSessionTable",
    "Server",
    "SyncClient",
    "connect",
    "connect_sync",
    "delete_prefixed",
    "delete_prefixed_sync",
    "keys_under",
    "random_prefixes",
    "throwaway_store",
]


#: The conformance suite's options: sessions (and tokens) only; Redis cannot tell whether a user exists.
CONFORMANCE_OPTIONS = ConformanceOptions(foreign_keys=False, halves=frozenset({"session", "token"}))
#: Every conformance test runs on a client that decodes responses and on one that does not.
CONFORMANCE_VARIANTS = {"bytes": {"decode_responses": False}, "decoded": {"decode_responses": True}}
#: What a deployment's stores need: a cluster client.
DEPLOYMENT_OPTIONS: dict[str, dict[str, Any]] = {"redis-cluster": {"cluster": True}}


def connect(url: str, *, cluster: bool = False, **options: Any) -> Client:
    """An asyncio client for the server (``cluster``: a Redis Cluster reached through ``url``)."""
    return RedisCluster.from_url(url, **options) if cluster else Redis.from_url(url, **options)


def connect_sync(url: str, *, cluster: bool = False) -> SyncClient:
    """A blocking client for clean-ups: not tied to an event loop, so one serves a whole run."""
    return redis.cluster.RedisCluster.from_url(url) if cluster else redis.Redis.from_url(url)


def random_prefixes() -> dict[str, str]:
    """Key prefixes no other test or helper uses: ``lucia-test:<random>:session`` and so on."""
    root = f"lucia-test:{secrets.token_hex(8)}"
    return {name: f"{root}:{name}" for name in ("session", "user_sessions", "token", "user_tokens")}


@asynccontextmanager
async def throwaway_store(
    url: str, *, cluster: bool = False, users: RawDatabase | None = None, **client_options: Any
) -> AsyncIterator[ThrowawayStore]:
    """Sessions under key prefixes of their own, deleted when the context ends. The store's raw
    handle has the ``session`` table, and ``users``' user and key tables when given (the users
    the sessions belong to live in another database). ``client_options`` go to the clients."""
    prefixes = random_prefixes()

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        client = connect(url, cluster=cluster, **client_options)
        try:
            yield redis_session_adapter(client, prefixes=prefixes)
        finally:
            await client.aclose()

    client = connect(url, cluster=cluster, **client_options)
    try:
        table = RedisSessionTable(client, prefixes)
        tokens = RedisSessionTable(
            client, {"session": prefixes["token"], "user_sessions": prefixes["user_tokens"]}
        )
        raw = RawDatabase(
            user=users.user if users else None, key=users.key if users else None, session=table, token=tokens
        )
        adapter = redis_session_adapter(client, prefixes=prefixes)

        async def sets() -> dict[str, int]:
            return {"user_sessions": await table.count_sets()}

        yield ThrowawayStore("redis", adapter, raw, open_adapter, prefixes, client, prefixes["session"], sets)
    finally:
        await delete_prefixed(client, prefixes)
        await client.aclose()


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
    pipeline, a MULTI/EXEC block and a script are one request each: one round trip)."""

    def __init__(self, url: str) -> None:
        self.url = url
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

    def store(self, prefix: str, fetch_user: Any) -> tuple[Any, Floor]:
        """Key prefixes under ``prefix``: the adapter over them and their floor."""
        assert self.client is not None, "connect() first"
        prefixes = {"session": f"{prefix}:session", "user_sessions": f"{prefix}:user_sessions"}
        return redis_session_adapter(self.client, prefixes=prefixes), Floor(self.client, prefixes, fetch_user)

    async def version(self) -> str:
        assert self.client is not None
        return str((await self.client.info("server")).get("redis_version"))
