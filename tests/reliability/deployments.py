"""Each backend as an application deploys it, plus raw reads that bypass the adapters.

A :class:`Deployment` is Lucia's tables (a collection, a key prefix) of one test, isolated from
everything else on the server: a throwaway store of the backend's adapter package
(``lucia_adapter_<name>.testing``): an SQLite file, a PostgreSQL schema, a MariaDB database, a
MongoDB database, or Redis key prefixes with the users in PostgreSQL or SQLite. Its
:meth:`~Deployment.open_adapter` opens a new pool (or client) and an adapter over it, as one
application process would, so two calls give two independent "processes" on the same data. Its
:class:`Raw` reads go around the adapters, over connections opened per call where a server may
restart during the test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lucia_adapter_mongodb.testing import throwaway_store as mongodb_store
from lucia_adapter_mysql.testing import throwaway_store as mysql_store
from lucia_adapter_postgres.testing import throwaway_store as postgres_store
from lucia_adapter_redis.testing import throwaway_store as redis_store
from lucia_adapter_sqlite.testing import throwaway_store as sqlite_store
from lucia_conformance import RawDatabase, RawTable
from lucia_core import Adapter, join_adapters

#: Connections per pool (or client): small, as on a 2-core machine, so that calls queue for them.
POOL_SIZE = 10


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    # Expirations as plain ints (pymongo gives bson.Int64, an int subclass).
    return {name: int(value) if name.endswith("_expires") else value for name, value in row.items()}


class Raw:
    """Reads of the stored rows that bypass the adapter under test."""

    def __init__(self, raw: RawDatabase, location: str) -> None:
        self.raw = raw
        self.location = location

    def _table(self, role: str) -> RawTable:
        table: RawTable | None = getattr(self.raw, role)
        assert table is not None, f"this deployment has no raw {role} table"
        return table

    async def user_ids(self) -> set[str]:
        """The ids of every stored user."""
        return {row["id"] for row in await self._table("user").get_all()}

    async def keys(self) -> dict[str, str]:
        """Every stored key: its id -> its ``user_id``."""
        return {row["id"]: row["user_id"] for row in await self._table("key").get_all()}

    async def key_passwords(self) -> dict[str, str | None]:
        """Every stored key: its id -> its ``hashed_password``."""
        return {row["id"]: row["hashed_password"] for row in await self._table("key").get_all()}

    async def sessions(self, session_ids: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        """Each id's stored session row (expirations as int ms), or None where there is none."""
        table = self._table("session")
        get = getattr(table, "get", None)
        if callable(get):  # a key-value store: read the ids asked for, nothing else
            return {session_id: _none_or_plain(await get(session_id)) for session_id in session_ids}
        stored = {row["id"]: _plain(row) for row in await table.get_all()}
        return {session_id: stored.get(session_id) for session_id in session_ids}

    async def session(self, session_id: str) -> dict[str, Any] | None:
        """The stored session row (expirations as int ms), or None."""
        return (await self.sessions([session_id]))[session_id]


def _none_or_plain(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if row is None else _plain(row)


class PostgresRaw(Raw):
    """Raw reads of one PostgreSQL schema."""

    @property
    def schema(self) -> str:
        """The schema holding the deployment's tables."""
        return self.location


@dataclass
class Deployment:
    """One test's storage on one backend: adapters over fresh pools, and raw reads."""

    name: str
    open_adapter: Callable[[], AbstractAsyncContextManager[Adapter]]
    raw: Raw


@asynccontextmanager
async def sqlite_deployment(directory: Path) -> AsyncIterator[Deployment]:
    """Lucia's tables in a file under ``directory``; each adapter gets a connection of its own."""
    async with sqlite_store(directory, attributes=()) as store:
        yield Deployment("sqlite", store.open_adapter, Raw(store.raw, store.location))


@asynccontextmanager
async def postgres_deployment(url: str, **pool_options: Any) -> AsyncIterator[Deployment]:
    """Lucia's tables in a schema ``lucia_test_<random>``, dropped afterwards."""
    options = {"attributes": (), "pool_size": POOL_SIZE, "raw_per_call": True, **pool_options}
    async with postgres_store(url, **options) as store:
        yield Deployment("postgres", store.open_adapter, PostgresRaw(store.raw, store.location))


@asynccontextmanager
async def mysql_deployment(url: str, **pool_options: Any) -> AsyncIterator[Deployment]:
    """Lucia's tables in a database ``lucia_test_<random>``, dropped afterwards."""
    async with mysql_store(url, attributes=(), pool_size=POOL_SIZE, **pool_options) as store:
        yield Deployment("mysql", store.open_adapter, Raw(store.raw, store.location))


@asynccontextmanager
async def mongodb_deployment(url: str, **client_options: Any) -> AsyncIterator[Deployment]:
    """Lucia's collections (with their indexes) in a database ``lucia_test_<random>``, dropped afterwards."""
    options = {"attributes": (), "pool_size": POOL_SIZE, "raw_per_call": True, **client_options}
    async with mongodb_store(url, **options) as store:
        yield Deployment("mongodb", store.open_adapter, Raw(store.raw, store.location))


@asynccontextmanager
async def redis_deployment(
    url: str, users: Deployment, *, cluster: bool, **client_options: Any
) -> AsyncIterator[Deployment]:
    """Sessions in Redis (standalone or a cluster) under prefixes of this test's own, joined with
    the users of ``users``; the keys under the prefixes are deleted afterwards."""
    async with redis_store(url, cluster=cluster, users=users.raw.raw, **client_options) as store:

        @asynccontextmanager
        async def open_adapter() -> AsyncIterator[Adapter]:
            async with users.open_adapter() as user_adapter, store.open_adapter() as session_adapter:
                yield join_adapters(user_adapter, session_adapter)

        name = f"{'redis-cluster' if cluster else 'redis'}+{users.name}"
        yield Deployment(name, open_adapter, Raw(store.raw, store.location))
