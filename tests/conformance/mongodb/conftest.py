"""Run the lucia_conformance suite against lucia_adapter_mongodb on a real MongoDB-protocol server.

From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

The server comes from ``LUCIA_MONGODB_URL`` (``scripts/backends.sh start ferretdb`` then
``eval "$(scripts/backends.sh env)"``); without one the suite is skipped. The run gets a database
of its own, ``lucia_test_<random>``, with the adapter's indexes (``create_indexes``) plus the
unique index on ``username`` the suite expects on users (``country`` on sessions needs nothing);
it is dropped at the end. MongoDB cannot tell that a key's or a session's user is missing, so the
foreign-key tests are off. The suite clears the collections before each test.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import pytest
import pytest_asyncio
from bson.int64 import Int64
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from lucia_adapter_mongodb import DEFAULT_COLLECTIONS, MongoDBAdapter, create_indexes, mongodb_adapter
from lucia_conformance import ConformanceOptions, RawDatabase
from tests.backends import backend_url


def _plain(value: Any) -> Any:
    """pymongo decodes int64 as ``bson.Int64``, an int subclass; a raw row holds plain ints."""
    return int(value) if isinstance(value, Int64) else value


class MongoCollection:
    """Raw access to one collection (a ``lucia_conformance.RawTable``): ``_id`` is ``id``."""

    def __init__(self, collection: AsyncCollection[dict[str, Any]]) -> None:
        self.collection = collection

    async def insert(self, row: Mapping[str, Any]) -> None:
        await self.collection.insert_one({("_id" if k == "id" else k): v for k, v in row.items()})

    async def get_all(self) -> list[dict[str, Any]]:
        documents = await self.collection.find({}).to_list(length=None)
        return [{("id" if k == "_id" else k): _plain(v) for k, v in doc.items()} for doc in documents]

    async def clear(self) -> None:
        await self.collection.delete_many({})


@pytest.fixture(scope="session")
def mongodb_url() -> str:
    """The server's URL, or a skip (a failure under LUCIA_REQUIRE_BACKENDS)."""
    return backend_url("mongodb")


@pytest.fixture(scope="session")
def database_name(mongodb_url: str) -> Iterator[str]:
    """A database of this run's own, with the indexes; dropped afterwards."""
    name = f"lucia_test_{secrets.token_hex(6)}"

    async def set_up() -> None:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
        async with client:
            database = client[name]
            await create_indexes(database)
            await database[DEFAULT_COLLECTIONS["user"]].create_index("username", unique=True)

    async def tear_down() -> None:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url)
        async with client:
            await client.drop_database(name)

    asyncio.run(set_up())
    try:
        yield name
    finally:
        asyncio.run(tear_down())


@pytest_asyncio.fixture
async def database(mongodb_url: str, database_name: str) -> AsyncIterator[AsyncDatabase[dict[str, Any]]]:
    """The application's database handle, on a client of this test's event loop."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_url, maxPoolSize=8)
    async with client:
        yield client[database_name]


@pytest.fixture
def lucia_conformance_options() -> ConformanceOptions:
    """MongoDB has no foreign keys: the adapter cannot tell that a user is missing."""
    return ConformanceOptions(foreign_keys=False)


@pytest_asyncio.fixture
async def lucia_adapter(database: AsyncDatabase[dict[str, Any]]) -> MongoDBAdapter:
    """The adapter under test."""
    return mongodb_adapter(database)


@pytest_asyncio.fixture
async def lucia_database(database: AsyncDatabase[dict[str, Any]]) -> RawDatabase:
    """Raw access to the same collections through the same client."""
    return RawDatabase(
        user=MongoCollection(database[DEFAULT_COLLECTIONS["user"]]),
        key=MongoCollection(database[DEFAULT_COLLECTIONS["key"]]),
        session=MongoCollection(database[DEFAULT_COLLECTIONS["session"]]),
        token=MongoCollection(database[DEFAULT_COLLECTIONS["token"]]),
    )
