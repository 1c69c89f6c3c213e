"""Opening the adapter's client from a URL, for applications and tools that configure by URL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from redis.asyncio import Redis, RedisCluster


@asynccontextmanager
async def connect(url: str, **client_options: Any) -> AsyncIterator[Redis | RedisCluster]:
    """A client for ``redis://host:port/db`` (``rediss://``, ``unix://``) or, for a Redis
    Cluster, ``redis-cluster://host:port``; the server is pinged once, the client closed on exit.
    ValueError for a URL of another kind."""
    parts = urlsplit(url)
    client: Redis | RedisCluster
    if parts.scheme == "redis-cluster":
        client = RedisCluster.from_url(parts._replace(scheme="redis").geturl(), **client_options)
    elif parts.scheme in ("redis", "rediss", "unix"):
        client = Redis.from_url(url, **client_options)
    else:
        raise ValueError("a Redis URL looks like redis://host:6379/0 or redis-cluster://host:7000")
    try:
        await client.ping()
        yield client
    finally:
        await client.aclose()
