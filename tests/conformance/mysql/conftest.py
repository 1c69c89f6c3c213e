"""Run the lucia_conformance suite against lucia_adapter_mysql on a real MySQL / MariaDB server.

The server comes from ``LUCIA_MYSQL_URL`` (``scripts/backends.sh start mariadb``, then
``eval "$(scripts/backends.sh env)"``). From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

The run gets its own database ``lucia_test_<random>`` with Lucia's tables (``schemas/mysql.sql``)
plus the columns the suite expects, ``auth_user.username`` (UNIQUE) and ``user_session.country``,
and drops it at the end. The adapter's pool keeps aiomysql's default ``autocommit=False``, the
harder case for handing connections back clean.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiomysql
import pytest
import pytest_asyncio

from lucia_adapter_mysql import MySQLAdapter, mysql_adapter
from lucia_conformance import RawDatabase
from tests.backends import backend_url
from tests.conformance.mysql.database import (
    MySQLTable,
    connection_options,
    create_database,
    drop_database,
)


@pytest.fixture(scope="session")
def mysql_database() -> Iterator[dict[str, Any]]:
    """Connection options for this run's own database, created for it and dropped after."""
    options = connection_options(backend_url("mysql"))
    name = asyncio.run(create_database(options))
    try:
        yield {**options, "db": name}
    finally:
        asyncio.run(drop_database(options, name))


@pytest_asyncio.fixture
async def mysql_pool(mysql_database: dict[str, Any]) -> AsyncIterator[aiomysql.Pool]:
    """The adapter's pool, as an application would create it."""
    pool = await aiomysql.create_pool(**mysql_database, minsize=1, maxsize=8)
    yield pool
    pool.close()
    await pool.wait_closed()


@pytest_asyncio.fixture
async def lucia_adapter(mysql_pool: aiomysql.Pool) -> MySQLAdapter:
    """The adapter under test."""
    return mysql_adapter(mysql_pool)


@pytest_asyncio.fixture
async def lucia_database(mysql_database: dict[str, Any]) -> AsyncIterator[RawDatabase]:
    """Raw access through a connection of its own (autocommit), so only committed writes show."""
    connection = await aiomysql.connect(**mysql_database, autocommit=True)
    yield RawDatabase(
        user=MySQLTable(connection, "auth_user"),
        key=MySQLTable(connection, "user_key"),
        session=MySQLTable(connection, "user_session"),
        token=MySQLTable(connection, "user_token"),
    )
    connection.close()
