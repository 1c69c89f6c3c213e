"""PostgreSQL (asyncpg): stores are private schemas holding Lucia's tables under their default
names; the pool and the floor are ``lucia_adapter_postgres.testing``'s."""

from __future__ import annotations

from typing import Any

from lucia_adapter_postgres.testing import Floor, Server
from lucia_core import lucia

from .backend import Backend, FloorStore, run_label

#: Connections per pool: the library and the floor share it; at concurrency 64 tasks queue for one.
POOL_SIZE = 16

FLOOR = {
    "validate": "one prepared SELECT s.*, u.* FROM user_session s JOIN auth_user u ON u.id = s.user_id"
    " WHERE s.id = $1 (pool.fetchrow), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations by primary key",
    "create_session": "one INSERT (the foreign key checks the user) alongside one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE by primary key",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}


class PostgresStore(FloorStore):
    """Lucia's tables in the schema ``schema``; lucia-core's PostgreSQL adapter over the pool."""

    def __init__(self, adapter: Any, floor: Floor) -> None:
        super().__init__(lucia(adapter=adapter, env="PROD"), floor)
        self.schema = floor.schema


class PostgresBackend(Backend):
    """A PostgreSQL server, one asyncpg pool of :data:`POOL_SIZE` connections."""

    name = "postgres"
    label = "PostgreSQL"
    floor = FLOOR
    large_scale = True

    def __init__(self, url: str) -> None:
        self.url = url
        self.server = Server(url, POOL_SIZE)

    async def connect(self) -> None:
        """Open the pool."""
        await self.server.connect()

    async def close(self) -> None:
        """Close the pool."""
        await self.server.close()

    async def store(self, tag: str) -> PostgresStore:
        """A new schema ``lucia_bench_<pid>_<tag>`` with Lucia's tables."""
        return PostgresStore(*await self.server.store(f"{run_label()}_{tag}"))

    async def server_version(self) -> str:
        """``SHOW server_version``."""
        return await self.server.version()
