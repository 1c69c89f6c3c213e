"""Run the lucia_conformance suite against lucia_adapter_postgres through PgBouncer.

PgBouncer 1.18 in transaction pooling mode (``scripts/backends.sh start pgbouncer``;
``LUCIA_PGBOUNCER_URL``) in front of PostgreSQL: each transaction of a client connection may run
on another server connection. The fixtures are ``tests/conformance/postgres/conftest.py``'s; the
application's pool has asyncpg's prepared-statement cache off (``statement_cache_size=0``), which
transaction pooling needs (``test_pgbouncer.py`` shows what happens without it). From this folder::

    pytest --pyargs lucia_conformance --rootdir=.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
import pytest_asyncio

from tests.backends import backend_url
from tests.conformance.postgres.conftest import lucia_adapter, lucia_database, tables

__all__ = ["lucia_adapter", "lucia_database", "tables"]

#: What asyncpg needs behind PgBouncer's transaction pooling (see the README).
PGBOUNCER_POOL_OPTIONS = {"statement_cache_size": 0}


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """PgBouncer's URL (the tables are made through it too)."""
    return backend_url("pgbouncer")


@pytest_asyncio.fixture
async def pool(postgres_url: str, tables: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """The application's pool, through PgBouncer, with the statement cache off."""
    async with asyncpg.create_pool(postgres_url, min_size=1, max_size=8, **PGBOUNCER_POOL_OPTIONS) as pool:
        yield pool
