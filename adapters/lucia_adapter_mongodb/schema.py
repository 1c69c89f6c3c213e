"""Applying the indexes to a database named by URL (used by ``lucia-core schema mongodb --apply``)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from .adapter import create_indexes


async def apply_schema(url: str) -> None:
    """Connect to ``mongodb://host/database`` and create the indexes if missing (idempotent).

    The URL must name the database (ValueError otherwise).
    """
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    try:
        try:
            database = client.get_default_database()
        except Exception as error:  # pymongo's ConfigurationError: no database in the URL
            raise ValueError("a MongoDB URL must name the database: mongodb://host:27017/database") from error
        await create_indexes(database)
    finally:
        await client.close()
