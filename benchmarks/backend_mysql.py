"""MariaDB (aiomysql): stores are Lucia's tables under a private prefix, one autocommit pool; the
pool and the floor are ``lucia_adapter_mysql.testing``'s."""

from __future__ import annotations

from lucia_adapter_mysql.testing import Server
from lucia_core import lucia

from .backend import Backend, FloorStore, run_label

#: Connections per pool: the library and the floor share it; at concurrency 64 tasks queue for one.
POOL_SIZE = 16

FLOOR = {
    "validate": "one SELECT s.*, u.* ... JOIN ... WHERE s.id = %s on a pooled autocommit connection"
    " (acquire, cursor, execute, fetchone), expiration checked in Python",
    "validate_idle": "the same SELECT, then one UPDATE of both expirations (autocommit)",
    "create_session": "one INSERT (the foreign key checks the user) alongside one SELECT of the user"
    " (the new session is returned with its user's attributes)",
    "invalidate_session": "one DELETE by primary key",
    "get_all_user_sessions": "one SELECT of the user LEFT JOIN its sessions",
}


class MySQLBackend(Backend):
    """A MariaDB (or MySQL) server, one aiomysql pool (``charset="utf8mb4"``, ``autocommit=True``)."""

    name = "mysql"
    label = "MariaDB"
    floor = FLOOR

    def __init__(self, url: str) -> None:
        self.url = url
        self.server = Server(url, POOL_SIZE)

    async def connect(self) -> None:
        """Open the pool from a ``mysql://user:password@host:port/database`` URL."""
        await self.server.connect()

    async def close(self) -> None:
        """Close the pool."""
        await self.server.close()

    async def store(self, tag: str) -> FloorStore:
        """New tables ``lb<pid>_<tag>_*`` (lucia-core's ``create_schema``)."""
        adapter, floor = await self.server.store(f"{run_label().replace('lucia_bench_', 'lb')}_{tag}")
        return FloorStore(lucia(adapter=adapter, env="PROD"), floor)

    async def server_version(self) -> str:
        """``SELECT VERSION()``."""
        return await self.server.version()
