"""Opening the adapter's connection from a URL, for applications and tools that configure by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiosqlite

from .schema import sqlite_path


@asynccontextmanager
async def connect(url: str) -> AsyncIterator[aiosqlite.Connection]:
    """An aiosqlite connection to ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` (a plain
    path works too), closed on exit."""
    async with aiosqlite.connect(sqlite_path(url) if "://" in url else url) as connection:
        yield connection
