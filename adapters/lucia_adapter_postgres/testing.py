"""Throwaway PostgreSQL stores for tests and benchmarks: a schema ``lucia_test_<random>`` of Lucia's
tables (plus attribute columns) on a server named by URL, the adapter over a pool of its own, raw
access to the same tables for the conformance suite, and the deployments' options (PgBouncer).
The benchmarks' raw-driver floor is :mod:`.floor`.

    async with throwaway_store(url) as store:   # the schema is dropped at the end
        auth = lucia(adapter=store.adapter)
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from lucia_conformance.raw import RawDatabase, sql_database
from lucia_conformance.store import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.database import DEFAULT_TABLES, Attribute

from .adapter import postgres_adapter
from .schema import POSTGRES, add_attributes, create_schema

#: What a deployment's stores need: asyncpg's statement cache off behind PgBouncer's transaction
#: pooling (see the README).
DEPLOYMENT_OPTIONS: dict[str, dict[str, Any]] = {"pgbouncer": {"statement_cache_size": 0}}


def store_tables(label: str) -> dict[str, str]:
    """Lucia's default table names in the schema ``label``."""
    return {role: f"{label}.{name}" for role, name in DEFAULT_TABLES.items()}


async def create_store(
    executor: Any, label: str, attributes: Iterable[Attribute] = SUITE_ATTRIBUTES
) -> dict[str, str]:
    """Create the schema ``label`` with Lucia's tables and the attribute columns; the tables."""
    tables = store_tables(label)
    await executor.execute(f"CREATE SCHEMA {POSTGRES.quote(label, 'schema')}")
    await create_schema(executor, tables=tables)
    await add_attributes(executor, attributes, tables=tables)
    return tables


async def drop_store(executor: Any, tables: Mapping[str, str]) -> None:
    """Drop the schema of ``tables`` and everything in it."""
    schema = tables["user"].split(".", 1)[0]
    await executor.execute(f"DROP SCHEMA IF EXISTS {POSTGRES.quote(schema, 'schema')} CASCADE")


def raw_database(url: str, tables: Mapping[str, str], pool: asyncpg.Pool | None = None) -> RawDatabase:
    """Raw access to ``tables``: through ``pool``, or a connection opened per call (which works
    across server restarts)."""

    async def run(sql: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
        # No statement cache on a connection of one call (the URL may be PgBouncer's).
        executor = pool if pool is not None else await asyncpg.connect(url, statement_cache_size=0)
        try:
            return [dict(record.items()) for record in await executor.fetch(sql, *parameters)]
        finally:
            if pool is None:
                await executor.close()

    return sql_database(POSTGRES, tables, run)


@asynccontextmanager
async def throwaway_store(
    url: str,
    *,
    attributes: Iterable[Attribute] = SUITE_ATTRIBUTES,
    pool_size: int = 8,
    raw_per_call: bool = False,
    **pool_options: Any,
) -> AsyncIterator[ThrowawayStore]:
    """A schema of its own with Lucia's tables and ``attributes``, dropped when the context ends.

    ``raw_per_call`` makes raw access open a connection per call; ``pool_options`` go to
    ``asyncpg.create_pool`` for the adapter's pools.
    """
    label = f"lucia_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(url)
    try:
        tables = await create_store(admin, label, attributes)
    finally:
        await admin.close()

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        options = {"min_size": 1, "max_size": pool_size, **pool_options}
        async with asyncpg.create_pool(url, **options) as pool:
            yield postgres_adapter(pool, tables=tables)

    try:
        async with asyncpg.create_pool(url, min_size=1, max_size=pool_size, **pool_options) as pool:
            raw = raw_database(url, tables, None if raw_per_call else pool)
            adapter = postgres_adapter(pool, tables=tables)
            yield ThrowawayStore("postgres", adapter, raw, open_adapter, tables, pool, label)
    finally:
        admin = await asyncpg.connect(url)  # a new one: the server may have restarted meanwhile
        try:
            await drop_store(admin, tables)
        finally:
            await admin.close()
