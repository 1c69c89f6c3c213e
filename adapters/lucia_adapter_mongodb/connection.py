"""Opening the adapter's database from a URL, for applications and tools that configure by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import ConfigurationError


@asynccontextmanager
async def connect(url: str, **client_options: Any) -> AsyncIterator[Any]:
    """The database named by ``mongodb://host:port/database`` on a client closed on exit;
    ValueError for a URL that names no database."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, **client_options)
    try:
        try:
            database = client.get_default_database()
        except ConfigurationError as error:
            raise ValueError("a MongoDB URL must name the database: mongodb://host:27017/database") from error
        yield database
    finally:
        await client.close()
