"""Run the lucia_conformance suite against lucia_adapter_mysql on a real MySQL / MariaDB server.

The server comes from ``LUCIA_MYSQL_URL`` (``scripts/backends.sh start mariadb``, then
``eval "$(scripts/backends.sh env)"``). From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

Each test gets a database of its own, ``lucia_test_<random>``, with Lucia's tables plus the
columns the suite expects, from ``lucia_adapter_mysql.testing``; it is dropped at the end. The
adapter's pool keeps aiomysql's default ``autocommit=False``, the harder case for handing
connections back clean.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lucia_adapter_mysql import MySQLAdapter
from lucia_adapter_mysql.testing import throwaway_store
from lucia_conformance import RawDatabase, ThrowawayStore
from tests.backends import backend_url


@pytest.fixture(scope="session")
def mysql_url() -> str:
    """The server's URL, or a skip (a failure under LUCIA_REQUIRE_BACKENDS)."""
    return backend_url("mysql")


@pytest_asyncio.fixture
async def store(mysql_url: str) -> AsyncIterator[ThrowawayStore]:
    """This test's database."""
    async with throwaway_store(mysql_url) as store:
        yield store


@pytest.fixture
def lucia_adapter(store: ThrowawayStore) -> MySQLAdapter:
    """The adapter under test."""
    adapter: MySQLAdapter = store.adapter
    return adapter


@pytest.fixture
def lucia_database(store: ThrowawayStore) -> RawDatabase:
    """Raw access through autocommit connections of its own, so only committed writes show."""
    return store.raw
