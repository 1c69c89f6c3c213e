"""Run the lucia_conformance suite against lucia_adapter_postgres through PgBouncer.

PgBouncer 1.18 in transaction pooling mode (``scripts/backends.sh start pgbouncer``;
``LUCIA_PGBOUNCER_URL``) in front of PostgreSQL: each transaction of a client connection may run
on another server connection. The fixtures are ``tests/conformance/postgres/conftest.py``'s; the
pools have asyncpg's prepared-statement cache off (``statement_cache_size=0``), which transaction
pooling needs (``test_pgbouncer.py`` shows what happens without it). From this folder::

    pytest --pyargs lucia_conformance --rootdir=.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lucia_adapter_postgres.testing import throwaway_store
from lucia_conformance import ThrowawayStore
from tests.backends import backend_url
from tests.conformance.postgres.conftest import lucia_adapter, lucia_database

__all__ = ["lucia_adapter", "lucia_database"]


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """PgBouncer's URL (the schema is made through it too)."""
    return backend_url("pgbouncer")


@pytest_asyncio.fixture
async def store(postgres_url: str) -> AsyncIterator[ThrowawayStore]:
    """This test's schema, its pools through PgBouncer with the statement cache off."""
    # What asyncpg needs behind PgBouncer's transaction pooling (see the README).
    async with throwaway_store(postgres_url, statement_cache_size=0) as store:
        yield store
