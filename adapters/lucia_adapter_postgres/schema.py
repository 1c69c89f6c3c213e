"""Applying the schema to a database named by URL (used by ``lucia-core schema postgres --apply``)."""

from __future__ import annotations

import asyncpg

from .adapter import create_schema


async def apply_schema(url: str) -> None:
    """Connect to ``postgresql://...`` and create Lucia's tables if missing (idempotent)."""
    connection = await asyncpg.connect(url)
    try:
        await create_schema(connection)
    finally:
        await connection.close()
