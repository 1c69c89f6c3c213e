"""Throwaway MongoDB stores for tests and benchmarks: a database ``lucia_test_<random>`` with
Lucia's indexes (plus unique attribute indexes) on a server named by URL, the adapter over a
client of its own, raw access to the same collections for the conformance suite (``_id`` read
and written as ``id``), and what the conformance runs need to know of MongoDB. The benchmarks'
raw-driver floor is :mod:`.floor`.

    async with throwaway_store(url) as store:   # the database is dropped at the end
        auth = lucia(adapter=store.adapter)
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from bson.int64 import Int64
from pymongo import AsyncMongoClient

from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawDatabase
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.database import DEFAULT_TABLES, Attribute

from .adapter import mongodb_adapter
from .schema import add_attributes, create_indexes

Client = AsyncMongoClient[dict[str, Any]]


def _plain(value: Any) -> Any:
    """pymongo decodes int64 as ``bson.Int64``, an int subclass; a raw row holds plain ints."""
    return int(value) if isinstance(value, Int64) else value


class MongoCollection:
    """Raw access to one collection (a ``lucia_conformance.RawTable``): ``_id`` is ``id``. With a
    ``url`` instead of a client, each call opens a client of its own (works across restarts)."""

    def __init__(self, client: Client | str, database: str, collection: str) -> None:
        self.client, self.database, self.collection = client, database, collection

    async def _call(self, method: str, *arguments: Any) -> Any:
        client: Client = AsyncMongoClient(self.client) if isinstance(self.client, str) else self.client
        try:
            result = getattr(client[self.database][self.collection], method)(*arguments)
            return await (result.to_list(length=None) if method == "find" else result)
        finally:
            if isinstance(self.client, str):
                await client.close()

    async def insert(self, row: Mapping[str, Any]) -> None:
        await self._call("insert_one", {("_id" if k == "id" else k): v for k, v in row.items()})

    async def get_all(self) -> list[dict[str, Any]]:
        documents = await self._call("find", {})
        return [{("id" if k == "_id" else k): _plain(v) for k, v in doc.items()} for doc in documents]

    async def clear(self) -> None:
        await self._call("delete_many", {})

    async def count(self) -> int:
        """How many documents the collection holds."""
        return int(await self._call("count_documents", {}))


def raw_database(
    client: Client | str, database: str, collections: Mapping[str, str] = DEFAULT_TABLES
) -> RawDatabase:
    """Raw access to the three collections (through ``client``, or a client per call for a URL)."""
    return RawDatabase(
        **{role: MongoCollection(client, database, collections[role]) for role in DEFAULT_TABLES}
    )


async def conformance_options(adapter: Any) -> ConformanceOptions:
    """The conformance suite's options: MongoDB has no foreign keys (the adapter cannot tell that
    a key's or a session's user is missing); filtered updates are atomic on MongoDB, not on
    FerretDB v1 (the adapter asks the server)."""
    features = await adapter.server_features()
    return ConformanceOptions(foreign_keys=False, atomic_updates=features.atomic_updates)


@asynccontextmanager
async def throwaway_store(
    url: str,
    *,
    attributes: Iterable[Attribute] = SUITE_ATTRIBUTES,
    pool_size: int = 8,
    raw_per_call: bool = False,
    **client_options: Any,
) -> AsyncIterator[ThrowawayStore]:
    """A database of its own with Lucia's indexes and those of ``attributes``, dropped when the
    context ends; ``client_options`` go to ``AsyncMongoClient`` for the adapter's clients."""
    name = f"lucia_test_{secrets.token_hex(6)}"
    options = {"maxPoolSize": pool_size, **client_options}

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        async with AsyncMongoClient(url, **options) as client:
            yield mongodb_adapter(client[name])

    admin: Client = AsyncMongoClient(url)
    async with admin:
        try:
            await create_indexes(admin[name])
            await add_attributes(admin[name], attributes)
            async with AsyncMongoClient(url, **options) as client:
                raw = raw_database(url if raw_per_call else client, name)
                adapter = mongodb_adapter(client[name])
                yield ThrowawayStore(
                    "mongodb", adapter, raw, open_adapter, dict(DEFAULT_TABLES), client[name], name
                )
        finally:
            await admin.drop_database(name)
