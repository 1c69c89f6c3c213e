"""Redis sessions with PostgreSQL users: lucia-core's Redis session adapter joined with its
PostgreSQL adapter. Requests sent to Redis are counted (a redis-py connection subclass)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import Connection

from lucia_adapter_postgres import postgres_adapter
from lucia_adapter_redis import redis_session_adapter
from lucia_core import KeyRow, SessionRow, lucia
from lucia_core.expiration import now_ms

from .backend import Backend, Store, run_label
from .backend_postgres import POOL_SIZE, copy_keys, copy_users, create_pg_store_schema, drop_pg_store_schema
from .backend_postgres import pg_tables as pg_table_names
from .data import active_expirations

FLOOR = {
    "validate": "Redis GET of the session JSON, then one prepared SELECT of the user by primary key"
    " (asyncpg): the minimum for this layout, two round trips in sequence",
    "validate_idle": "GET, the user SELECT, then one MULTI/EXEC: SET of the renewed JSON with PXAT"
    " and PEXPIREAT NX/GT of the user's set",
    "create_session": "one MULTI/EXEC (SET ... PXAT, SADD, PEXPIREAT NX and GT) alongside the user SELECT",
    "invalidate_session": "GET (for the user id), then one MULTI/EXEC of DEL and SREM",
    "get_all_user_sessions": "SMEMBERS then MGET, alongside the user SELECT",
}


class Counter:
    """A count shared by every connection of one pool."""

    def __init__(self) -> None:
        self.value = 0


def counting_connection(counter: Counter) -> type[Connection]:
    """A redis-py ``Connection`` class that counts every request it writes (a pipeline, a
    MULTI/EXEC block and a script are one request each: one round trip)."""

    class CountingConnection(Connection):
        async def send_packed_command(
            self, command: bytes | str | Iterable[bytes], check_health: bool = True
        ) -> None:
            counter.value += 1
            await super().send_packed_command(command, check_health)

    return CountingConnection


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _json(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


class RedisStore(Store):
    """Users and keys in a private PostgreSQL schema; sessions under private Redis key prefixes."""

    def __init__(self, pool: asyncpg.Pool, client: Redis, counter: Counter, schema: str, prefix: str) -> None:
        self.pool = pool
        self.client = client
        self.counter = counter
        self.schema = schema
        self.prefix = prefix
        self.session_prefix = f"{prefix}:session"
        self.user_sessions_prefix = f"{prefix}:user_sessions"
        tables = pg_table_names(schema)
        self.auth = lucia(
            adapter={
                "user": postgres_adapter(pool, tables=tables),
                "session": redis_session_adapter(
                    client,
                    prefixes={"session": self.session_prefix, "user_sessions": self.user_sessions_prefix},
                ),
            },
            env="PROD",
        )
        self._user = f'SELECT * FROM "{schema}".auth_user WHERE id = $1'  # noqa: S608 - the run's own table names

    def _session_key(self, session_id: str) -> str:
        return f"{self.session_prefix}:{session_id}"

    def _user_key(self, user_id: str) -> str:
        return f"{self.user_sessions_prefix}:{user_id}"

    def round_trips(self) -> int:
        """Requests written to Redis so far by this store's client."""
        return self.counter.value

    async def insert_users(self, ids: Sequence[str]) -> None:
        """COPY users into PostgreSQL."""
        await copy_users(self.pool, self.schema, ids)

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        """One pipeline: SET ... PXAT and SADD per session, PEXPIREAT per user set."""
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

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """COPY keys into PostgreSQL."""
        await copy_keys(self.pool, self.schema, rows)

    async def analyze(self) -> None:
        """ANALYZE the user table."""
        await self.pool.execute(f'ANALYZE "{self.schema}".auth_user')

    async def drop(self) -> None:
        """UNLINK every key under the prefix; drop the PostgreSQL schema."""
        batch: list[bytes] = []
        async for key in self.client.scan_iter(match=f"{self.prefix}:*", count=5_000):
            batch.append(key)
            if len(batch) >= 5_000:
                await self.client.unlink(*batch)
                batch = []
        if batch:
            await self.client.unlink(*batch)
        await drop_pg_store_schema(self.pool, self.schema)

    async def floor_validate(self, session_id: str) -> bool:
        """GET, then the user SELECT."""
        value = await self.client.get(self._session_key(session_id))
        if value is None:
            return False
        session = json.loads(value)
        user = await self.pool.fetchrow(self._user, session["user_id"])
        return user is not None and bool(now_ms() < session["active_expires"])

    async def floor_validate_idle(self, session_id: str) -> bool:
        """GET, the user SELECT, one MULTI/EXEC writing the renewed session."""
        key = self._session_key(session_id)
        value = await self.client.get(key)
        if value is None:
            return False
        session = json.loads(value)
        user = await self.pool.fetchrow(self._user, session["user_id"])
        if user is None or now_ms() >= session["idle_expires"]:
            return False
        session["active_expires"], session["idle_expires"] = active_expirations()
        user_key = self._user_key(session["user_id"])
        pipe = self.client.pipeline(transaction=True)
        pipe.set(key, _json(session), pxat=session["idle_expires"])
        pipe.pexpireat(user_key, session["idle_expires"], nx=True)
        pipe.pexpireat(user_key, session["idle_expires"], gt=True)
        await pipe.execute()
        return True

    async def floor_create_session(self, session_id: str, user_id: str) -> None:
        """One MULTI/EXEC alongside the user SELECT."""
        active, idle = active_expirations()
        row = {"id": session_id, "user_id": user_id, "active_expires": active, "idle_expires": idle}
        user_key = self._user_key(user_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.set(self._session_key(session_id), _json(row), pxat=idle)
        pipe.sadd(user_key, session_id)
        pipe.pexpireat(user_key, idle, nx=True)
        pipe.pexpireat(user_key, idle, gt=True)
        await asyncio.gather(self.pool.fetchrow(self._user, user_id), pipe.execute())

    async def floor_invalidate_session(self, session_id: str) -> None:
        """GET, then one MULTI/EXEC of DEL and SREM."""
        key = self._session_key(session_id)
        value = await self.client.get(key)
        if value is None:
            return
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(key)
        pipe.srem(self._user_key(json.loads(value)["user_id"]), session_id)
        await pipe.execute()

    async def floor_get_user_sessions(self, user_id: str) -> int:
        """SMEMBERS then MGET, alongside the user SELECT."""

        async def sessions() -> list[Any]:
            members = await self.client.smembers(self._user_key(user_id))
            if not members:
                return []
            return list(await self.client.mget([self._session_key(_text(member)) for member in members]))

        user, values = await asyncio.gather(self.pool.fetchrow(self._user, user_id), sessions())
        now = now_ms()
        live = [json.loads(value) for value in values if value is not None]
        return 0 if user is None else sum(1 for session in live if now < session["idle_expires"])


class RedisBackend(Backend):
    """A Redis server for sessions (one client, counted) and a PostgreSQL server for users."""

    name = "redis"
    label = "Redis + PostgreSQL users"
    floor = FLOOR

    def __init__(self, redis_url: str, postgres_url: str) -> None:
        self.redis_url = redis_url
        self.postgres_url = postgres_url
        self.counter = Counter()
        self.pool: Any = None
        self.client: Redis | None = None

    async def connect(self) -> None:
        """Open the asyncpg pool and the Redis client (counting its requests)."""
        self.pool = await asyncpg.create_pool(self.postgres_url, min_size=POOL_SIZE, max_size=POOL_SIZE)
        connections = ConnectionPool.from_url(
            self.redis_url, connection_class=counting_connection(self.counter)
        )
        self.client = Redis(connection_pool=connections)

    async def close(self) -> None:
        """Close both."""
        if self.client is not None:
            await self.client.aclose()
            await self.client.connection_pool.disconnect()
        if self.pool is not None:
            await self.pool.close()

    async def store(self, tag: str) -> RedisStore:
        """A new PostgreSQL schema for users and the Redis prefix ``lucia_bench_<pid>_<tag>``."""
        assert self.client is not None, "connect() first"
        name = f"{run_label()}_{tag}_r"
        await create_pg_store_schema(self.pool, name)
        return RedisStore(self.pool, self.client, self.counter, name, name)

    async def server_version(self) -> str:
        """``INFO server``'s redis_version, and PostgreSQL's version."""
        assert self.client is not None
        info = await self.client.info("server")
        postgres = await self.pool.fetchval("SHOW server_version")
        return f"Redis {info.get('redis_version')}, PostgreSQL {postgres}"
