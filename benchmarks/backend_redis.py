"""Redis sessions with PostgreSQL users: lucia-core's Redis session adapter joined with its
PostgreSQL adapter. Requests sent to Redis are counted; the clients and the floor are
``lucia_adapter_redis.testing``'s and ``lucia_adapter_postgres.testing``'s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lucia_adapter_postgres.testing import Server as PostgresServer
from lucia_adapter_redis.testing import Server as RedisServer
from lucia_core import lucia
from lucia_core.database import KeyRow

from .backend import Backend, FloorStore, run_label
from .backend_postgres import POOL_SIZE

FLOOR = {
    "validate": "Redis GET of the session JSON, then one prepared SELECT of the user by primary key"
    " (asyncpg): the minimum for this layout, two round trips in sequence",
    "validate_idle": "GET, the user SELECT, then one MULTI/EXEC: SET of the renewed JSON with PXAT"
    " and PEXPIREAT NX/GT of the user's set",
    "create_session": "one MULTI/EXEC (SET ... PXAT, SADD, PEXPIREAT NX and GT) alongside the user SELECT",
    "invalidate_session": "GET (for the user id), then one MULTI/EXEC of DEL and SREM",
    "get_all_user_sessions": "SMEMBERS then MGET, alongside the user SELECT",
}


class RedisStore(FloorStore):
    """Users and keys in a private PostgreSQL schema; sessions under private Redis key prefixes."""

    def __init__(
        self, users: tuple[object, object], sessions: tuple[object, object], server: RedisServer
    ) -> None:
        (user_adapter, user_floor), (session_adapter, floor) = users, sessions
        self.user_floor: Any = user_floor
        super().__init__(lucia(adapter={"user": user_adapter, "session": session_adapter}, env="PROD"), floor)
        self.server = server

    def round_trips(self) -> int:
        """Requests written to Redis so far by this store's client."""
        return self.server.requests

    async def insert_users(self, ids: Sequence[str]) -> None:
        """COPY users into PostgreSQL."""
        await self.user_floor.insert_users(ids)

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """COPY keys into PostgreSQL."""
        await self.user_floor.insert_keys(rows)

    async def analyze(self) -> None:
        """ANALYZE the user tables."""
        await self.user_floor.analyze()

    async def drop(self) -> None:
        """UNLINK every key under the prefix; drop the PostgreSQL schema."""
        await self.floor.drop()
        await self.user_floor.drop()


class RedisBackend(Backend):
    """A Redis server for sessions (one client, counted) and a PostgreSQL server for users."""

    name = "redis"
    label = "Redis + PostgreSQL users"
    floor = FLOOR

    def __init__(self, redis_url: str, postgres_url: str) -> None:
        self.redis = RedisServer(redis_url)
        self.postgres = PostgresServer(postgres_url, POOL_SIZE)

    @property
    def client(self) -> Any:
        """The Redis client (counting its requests), once connected; the throttle store uses it."""
        return self.redis.client

    async def connect(self) -> None:
        """Open the asyncpg pool and the Redis client (counting its requests)."""
        await self.postgres.connect()
        await self.redis.connect()

    async def close(self) -> None:
        """Close both."""
        await self.redis.close()
        await self.postgres.close()

    async def store(self, tag: str) -> RedisStore:
        """A new PostgreSQL schema for users and the Redis prefix ``lucia_bench_<pid>_<tag>_r``."""
        name = f"{run_label()}_{tag}_r"
        users = await self.postgres.store(name)
        return RedisStore(users, self.redis.store(name, users[1].fetch_user), self.redis)

    async def server_version(self) -> str:
        """``INFO server``'s redis_version, and PostgreSQL's version."""
        return f"Redis {await self.redis.version()}, PostgreSQL {await self.postgres.version()}"
