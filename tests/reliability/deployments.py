"""Each backend as an application deploys it, plus raw reads that bypass the adapters.

A :class:`Deployment` is Lucia's tables (a collection, a key prefix) of one test, isolated from
everything else on the server: a throwaway store of the backend's adapter package
(``lucia_adapter_<name>.testing``): an SQLite file, a PostgreSQL schema, a MariaDB database, a
MongoDB database, or Redis key prefixes with the users in PostgreSQL or SQLite. Its
:meth:`~Deployment.open_adapter` opens a new pool (or client) and an adapter over it, as one
application process would, so two calls give two independent "processes" on the same data. Its
:class:`Raw` reads go around the adapters, over connections opened per call where a server may
restart during the test. :func:`open_deployment` makes one for any backend (or deployment, such
as ``pgbouncer``) of ``lucia_core.backends``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lucia_conformance import RawDatabase, RawTable
from lucia_core import Adapter, join_adapters
from lucia_core.backends import backend_of

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


@dataclass
class Deployment:
    """One test's storage on one backend: adapters over fresh pools, and raw reads."""

    name: str
    open_adapter: Callable[[], AbstractAsyncContextManager[Adapter]]
    raw: Raw


@asynccontextmanager
async def open_deployment(
    name: str, location: str | Path, *, users: Deployment | None = None, **options: Any
) -> AsyncIterator[Deployment]:
    """Lucia's tables of backend (or deployment) ``name`` at ``location`` (a server's URL; for an
    embedded backend, a folder), removed afterwards: the package's ``throwaway_store`` with the
    deployment's own options (``DEPLOYMENT_OPTIONS``) and ``options``. A server's pools hold
    :data:`POOL_SIZE` connections and its raw reads open a connection per call. A session-only
    backend's sessions belong to the users of ``users``, joined as an application joins them."""
    backend = backend_of(name)
    testing = backend.module("testing")
    options = {**getattr(testing, "DEPLOYMENT_OPTIONS", {}).get(name, {}), **options}
    if backend.stores_users:
        server = {"pool_size": POOL_SIZE, "raw_per_call": True} if backend.server else {}
        async with testing.throwaway_store(location, attributes=(), **server, **options) as store:
            yield Deployment(name, store.open_adapter, Raw(store.raw, store.location))
        return
    assert users is not None, f"{name} stores sessions only: give the deployment of its users"
    async with testing.throwaway_store(location, users=users.raw.raw, **options) as store:

        @asynccontextmanager
        async def open_adapter() -> AsyncIterator[Adapter]:
            async with users.open_adapter() as user_adapter, store.open_adapter() as session_adapter:
                yield join_adapters(user_adapter, session_adapter)

        yield Deployment(f"{name}+{users.name}", open_adapter, Raw(store.raw, store.location))
