"""Opening the adapter's pool from a URL, for applications and tools that configure by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg


@asynccontextmanager
async def connect(url: str, *, pool_size: int = 10, **pool_options: Any) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool for ``postgresql://user:password@host:port/database``, closed on exit."""
    async with asyncpg.create_pool(url, min_size=1, max_size=pool_size, **pool_options) as pool:
        yield pool
