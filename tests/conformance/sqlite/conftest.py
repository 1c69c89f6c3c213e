"""Run the lucia_conformance suite against lucia_adapter_sqlite.

This file is also the example to copy when testing your own adapter: provide ``lucia_adapter``
(the adapter under test, on empty tables) and ``lucia_database`` (a ``RawDatabase``: raw access to
the same tables), then run, from this folder::

    pytest --pyargs lucia_conformance --rootdir=.

Each test gets a fresh SQLite file with Lucia's tables plus the columns the suite expects,
``auth_user.username`` (UNIQUE), ``user_session.country`` and ``user_token.email``, from the
adapter package's ``testing`` module; the raw handle reads the file through a second connection. For an SQL
adapter of your own, ``lucia_conformance.raw.sql_database`` builds the raw handle from one
function that runs a statement with your driver.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from lucia_adapter_sqlite import SQLiteAdapter
from lucia_adapter_sqlite.testing import throwaway_store
from lucia_conformance import RawDatabase, ThrowawayStore


@pytest_asyncio.fixture
async def store(tmp_path: Path) -> AsyncIterator[ThrowawayStore]:
    """A fresh database file with the schema and the suite's columns, deleted afterwards."""
    async with throwaway_store(tmp_path) as store:
        yield store


@pytest.fixture
def lucia_adapter(store: ThrowawayStore) -> SQLiteAdapter:
    """The adapter under test."""
    adapter: SQLiteAdapter = store.adapter
    return adapter


@pytest.fixture
def lucia_database(store: ThrowawayStore) -> RawDatabase:
    """Raw access through a second connection (autocommit), so only committed writes show."""
    return store.raw
