"""Run the lucia_conformance suite against lucia_adapter_postgres on a real PostgreSQL server.

From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

The server comes from ``LUCIA_POSTGRES_URL`` (``scripts/backends.sh start postgres`` then
``eval "$(scripts/backends.sh env)"``); without one the suite is skipped. Each test gets a schema of
its own, ``lucia_test_<random>``, holding Lucia's tables plus the columns the suite expects, from
``lucia_adapter_postgres.testing``; it is dropped at the end, so runs sharing a server do not see
each other.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lucia_adapter_postgres import PostgresAdapter
from lucia_adapter_postgres.testing import throwaway_store
from lucia_conformance import RawDatabase, ThrowawayStore
from tests.backends import backend_url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server's URL, or a skip (a failure under LUCIA_REQUIRE_BACKENDS)."""
    return backend_url("postgres")


@pytest_asyncio.fixture
async def store(postgres_url: str) -> AsyncIterator[ThrowawayStore]:
    """This test's schema, with a small pool (a 2-core machine)."""
    async with throwaway_store(postgres_url) as store:
        yield store


@pytest.fixture
def lucia_adapter(store: ThrowawayStore) -> PostgresAdapter:
    """The adapter under test, on this test's schema-qualified tables."""
    adapter: PostgresAdapter = store.adapter
    return adapter


@pytest.fixture
def lucia_database(store: ThrowawayStore) -> RawDatabase:
    """Raw access to the same tables (autocommit statements, so only committed writes show)."""
    return store.raw
