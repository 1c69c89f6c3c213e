"""Throttle stores on every kind of storage the project ships: memory, Redis, Redis cluster.

``open_store(kind)`` gives a store under a prefix of its own (``lucia-test:<random>``) and a
clean-up that deletes every key under it, so runs sharing the servers never see each other.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis, RedisCluster

from lucia_core.throttling import ThrottleStore, memory_store, redis_store
from tests.backends import backend_url

KINDS = ["memory", "redis", "redis-cluster"]


def kind_params() -> list[object]:
    """``pytest.param`` per store kind, the Redis ones marked with their server."""
    return [
        pytest.param(kind, id=kind, marks=[pytest.mark.backend(kind)] if kind != "memory" else [])
        for kind in KINDS
    ]


def redis_client(kind: str, *, decode_responses: bool = False) -> Redis | RedisCluster:
    """A client of the test server ``kind`` ("redis" or "redis-cluster")."""
    url = backend_url(kind)
    if kind == "redis-cluster":
        return RedisCluster.from_url(url, decode_responses=decode_responses)
    return Redis.from_url(url, decode_responses=decode_responses)


def random_prefix() -> str:
    return f"lucia-test:{secrets.token_hex(8)}"


async def delete_prefix(client: Redis | RedisCluster, prefix: str) -> None:
    """Delete every name of a store under ``prefix`` (they share one hash tag, ``{prefix}``)."""
    names = [name async for name in client.scan_iter(match="{" + prefix + "}:*", count=1000)]
    for name in names:
        await client.delete(name)


async def open_store(
    kind: str, *, decode_responses: bool = False
) -> tuple[ThrottleStore, Callable[[], Awaitable[None]]]:
    """A fresh store of ``kind`` and the coroutine function that removes it."""
    if kind == "memory":
        store = memory_store()

        async def nothing() -> None:
            return None

        return store, nothing
    client = redis_client(kind, decode_responses=decode_responses)
    prefix = random_prefix()

    async def close() -> None:
        await delete_prefix(client, prefix)
        await client.aclose()

    return redis_store(client, prefix=prefix), close
