"""Run the lucia_conformance suite against lucia_adapter_postgres on a real PostgreSQL server.

From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

The server comes from ``LUCIA_POSTGRES_URL`` (``scripts/backends.sh start postgres`` then
``eval "$(scripts/backends.sh env)"``); without one the suite is skipped. The run gets a schema of
its own, ``lucia_test_<random>``, holding Lucia's tables (``create_schema``) plus the columns the
suite expects: ``auth_user.username`` (UNIQUE), ``user_session.country`` and
``user_token.email``; it is dropped at the
end, so runs sharing a server do not see each other. The suite clears the tables before each test.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from lucia_adapter_postgres import PostgresAdapter, create_schema, postgres_adapter
from lucia_conformance import RawDatabase
from tests.backends import backend_url

ROLES = ("user", "key", "session", "token")


class PostgresTable:
    """Raw access to one table (a ``lucia_conformance.RawTable``), bypassing the adapter."""

    def __init__(self, pool: asyncpg.Pool, name: str) -> None:
        self.pool = pool
        self.name = name  # schema-qualified and quoted

    async def insert(self, row: Mapping[str, Any]) -> None:
        columns = ", ".join(f'"{column}"' for column in row)
        placeholders = ", ".join(f"${number}" for number in range(1, len(row) + 1))
        await self.pool.execute(f"INSERT INTO {self.name} ({columns}) VALUES ({placeholders})", *row.values())

    async def get_all(self) -> list[dict[str, Any]]:
        return [dict(record.items()) for record in await self.pool.fetch(f"SELECT * FROM {self.name}")]

    async def clear(self) -> None:
        await self.pool.execute(f"DELETE FROM {self.name}")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The server's URL, or a skip (a failure under LUCIA_REQUIRE_BACKENDS)."""
    return backend_url("postgres")


@pytest.fixture(scope="session")
def tables(postgres_url: str) -> Iterator[dict[str, str]]:
    """Lucia's tables in a fresh schema of this run's own (dropped afterwards), by role."""
    schema = f"lucia_test_{secrets.token_hex(6)}"
    names = {"user": "auth_user", "key": "user_key", "session": "user_session", "token": "user_token"}
    qualified = {role: f"{schema}.{names[role]}" for role in ROLES}

    async def set_up() -> None:
        connection = await asyncpg.connect(postgres_url)
        try:
            await connection.execute(f'CREATE SCHEMA "{schema}"')
            await create_schema(connection, tables=qualified)
            await connection.execute(
                f'ALTER TABLE "{schema}".auth_user ADD COLUMN username TEXT UNIQUE;'
                f' ALTER TABLE "{schema}".user_session ADD COLUMN country TEXT;'
                f' ALTER TABLE "{schema}".user_token ADD COLUMN email TEXT;'
            )
        finally:
            await connection.close()

    async def tear_down() -> None:
        connection = await asyncpg.connect(postgres_url)
        try:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await connection.close()

    asyncio.run(set_up())
    try:
        yield qualified
    finally:
        asyncio.run(tear_down())


@pytest_asyncio.fixture
async def pool(postgres_url: str, tables: dict[str, str]) -> AsyncIterator[asyncpg.Pool]:
    """The application's pool, as an application would open it (small, for a 2-core machine)."""
    async with asyncpg.create_pool(postgres_url, min_size=1, max_size=8) as pool:
        yield pool


@pytest_asyncio.fixture
async def lucia_adapter(pool: asyncpg.Pool, tables: dict[str, str]) -> PostgresAdapter:
    """The adapter under test, on this run's schema-qualified tables."""
    return postgres_adapter(pool, tables=tables)


@pytest_asyncio.fixture
async def lucia_database(pool: asyncpg.Pool, tables: dict[str, str]) -> RawDatabase:
    """Raw access to the same tables (autocommit statements, so only committed writes show)."""
    quoted = {role: ".".join(f'"{part}"' for part in tables[role].split(".")) for role in ROLES}
    return RawDatabase(
        user=PostgresTable(pool, quoted["user"]),
        key=PostgresTable(pool, quoted["key"]),
        session=PostgresTable(pool, quoted["session"]),
        token=PostgresTable(pool, quoted["token"]),
    )
