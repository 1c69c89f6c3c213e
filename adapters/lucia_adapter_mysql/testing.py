"""Throwaway MySQL / MariaDB stores for tests and benchmarks: a database ``lucia_test_<random>``
of Lucia's tables (plus attribute columns) on a server named by URL (the test user may create
``lucia_%`` databases), the adapter over a pool of its own, raw access to the same tables for the
conformance suite. The benchmarks' raw-driver floor is :mod:`.floor`.

    async with throwaway_store(url) as store:   # the database is dropped at the end
        auth = lucia(adapter=store.adapter)
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiomysql

from lucia_conformance.raw import RawDatabase, sql_database
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.database import DEFAULT_TABLES, Attribute

from .adapter import mysql_adapter
from .connection import connection_options, open_pool
from .schema import MYSQL, add_attributes, create_schema


async def execute_statements(options: Mapping[str, Any], statements: Sequence[str]) -> None:
    """Run each statement (no parameters) on an autocommit connection of its own."""
    connection = await aiomysql.connect(**options, autocommit=True)
    try:
        async with connection.cursor() as cursor:
            for statement in statements:
                await cursor.execute(statement)
    finally:
        connection.close()


async def create_database(server: Mapping[str, Any], name: str) -> None:
    """Create the empty database ``name`` (utf8mb4) on the server of ``server``'s options."""
    await execute_statements(
        server, [f"CREATE DATABASE {MYSQL.quote(name, 'database')} CHARACTER SET utf8mb4"]
    )


async def drop_database(server: Mapping[str, Any], name: str) -> None:
    """Drop the database ``name`` if it exists."""
    await execute_statements(server, [f"DROP DATABASE IF EXISTS {MYSQL.quote(name, 'database')}"])


def raw_database(options: Mapping[str, Any], tables: Mapping[str, str] = DEFAULT_TABLES) -> RawDatabase:
    """Raw access to ``tables`` through an autocommit connection opened per call (so it sees only
    committed rows, and works across server restarts)."""

    async def run(sql: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
        connection = await aiomysql.connect(**options, autocommit=True)
        try:
            async with connection.cursor(aiomysql.DictCursor) as cursor:
                await cursor.execute(sql, parameters)
                return list(await cursor.fetchall())
        finally:
            connection.close()

    return sql_database(MYSQL, tables, run)


@asynccontextmanager
async def throwaway_store(
    url: str,
    *,
    attributes: Iterable[Attribute] = SUITE_ATTRIBUTES,
    pool_size: int = 8,
    raw_per_call: bool = True,
    **pool_options: Any,
) -> AsyncIterator[ThrowawayStore]:
    """A database of its own with Lucia's tables and ``attributes``, dropped when the context
    ends; ``pool_options`` go to ``aiomysql.create_pool`` (which keeps ``autocommit=False``, the
    harder case for handing connections back clean). Raw access opens a connection per call
    whatever ``raw_per_call`` says (the other server backends' option, accepted here)."""
    server = {key: value for key, value in connection_options(url).items() if key != "db"}
    name = f"lucia_test_{secrets.token_hex(6)}"
    await create_database(server, name)
    database = {**server, "db": name}

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        async with open_pool(database, pool_size=pool_size, **pool_options) as pool:
            yield mysql_adapter(pool)

    try:
        async with open_pool(database, pool_size=pool_size, **pool_options) as pool:
            await create_schema(pool)
            await add_attributes(pool, attributes)
            raw, tables = raw_database(database), dict(DEFAULT_TABLES)
            yield ThrowawayStore("mysql", mysql_adapter(pool), raw, open_adapter, tables, pool, name)
    finally:
        await drop_database(server, name)
