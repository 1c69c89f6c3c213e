"""Run the lucia_conformance suite against lucia_adapter_mongodb on a real MongoDB-protocol server.

From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

The server comes from ``LUCIA_MONGODB_URL`` (``scripts/backends.sh start ferretdb`` then
``eval "$(scripts/backends.sh env)"``); without one the suite is skipped. Each test gets a
database of its own, ``lucia_test_<random>``, with the adapter's indexes plus the unique index on
``username`` the suite expects, from ``lucia_adapter_mongodb.testing``; it is dropped at the end.
MongoDB cannot tell that a key's or a session's user is missing, so the foreign-key tests are off;
on FerretDB, whose filtered updates are not atomic, so is the concurrent compare-and-set test.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lucia_adapter_mongodb import MongoDBAdapter
from lucia_adapter_mongodb.testing import throwaway_store
from lucia_conformance import ConformanceOptions, RawDatabase, ThrowawayStore
from tests.backends import backend_url


@pytest.fixture(scope="session")
def mongodb_url() -> str:
    """The server's URL, or a skip (a failure under LUCIA_REQUIRE_BACKENDS)."""
    return backend_url("mongodb")


@pytest_asyncio.fixture
async def store(mongodb_url: str) -> AsyncIterator[ThrowawayStore]:
    """This test's database, on a client of this test's event loop."""
    async with throwaway_store(mongodb_url) as store:
        yield store


@pytest_asyncio.fixture
async def lucia_conformance_options(store: ThrowawayStore) -> ConformanceOptions:
    """MongoDB has no foreign keys: the adapter cannot tell that a user is missing. Filtered
    updates are atomic on MongoDB, not on FerretDB v1 (the adapter asks the server)."""
    features = await store.adapter.server_features()
    return ConformanceOptions(foreign_keys=False, atomic_updates=features.atomic_updates)


@pytest.fixture
def lucia_adapter(store: ThrowawayStore) -> MongoDBAdapter:
    """The adapter under test."""
    adapter: MongoDBAdapter = store.adapter
    return adapter


@pytest.fixture
def lucia_database(store: ThrowawayStore) -> RawDatabase:
    """Raw access to the same collections through the same client."""
    return store.raw
