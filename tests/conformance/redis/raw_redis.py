"""Raw access to Redis session keys, shared by the standalone and cluster conformance runs and
by ``tests/test_backend_redis.py``: clients for the test servers, per-test key prefixes, and a
``lucia_conformance.RawTable`` over Lucia v2's key layout.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any

import redis
import redis.cluster
from redis.asyncio import Redis, RedisCluster

from tests.backends import backend_url

Client = Redis | RedisCluster
SyncClient = redis.Redis | redis.cluster.RedisCluster


def connect(backend: str, *, decode_responses: bool) -> Client:
    """A client for the test server ``backend`` ("redis" or "redis-cluster"); skips if none."""
    url = backend_url(backend)
    if backend == "redis-cluster":
        return RedisCluster.from_url(url, decode_responses=decode_responses)
    return Redis.from_url(url, decode_responses=decode_responses)


def connect_sync(backend: str) -> SyncClient:
    """A blocking client for clean-ups: not tied to an event loop, so one serves a whole run."""
    url = backend_url(backend)
    if backend == "redis-cluster":
        return redis.cluster.RedisCluster.from_url(url)
    return redis.Redis.from_url(url)


def random_prefixes() -> dict[str, str]:
    """Key prefixes no other test or helper uses: ``lucia-test:<random>:session`` and so on."""
    root = f"lucia-test:{secrets.token_hex(8)}"
    return {
        "session": f"{root}:session",
        "user_sessions": f"{root}:user_sessions",
        "token": f"{root}:token",
        "user_tokens": f"{root}:user_tokens",
    }


def _glob(prefix: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + ":*"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def keys_under(client: Client, prefix: str) -> AsyncIterator[str]:
    """Every key ``f"{prefix}:..."``, on every node of a cluster."""
    async for key in client.scan_iter(match=_glob(prefix), count=1000):
        yield _text(key)


async def delete_prefixed(client: Client, prefixes: Mapping[str, str]) -> None:
    """Delete every key under the prefixes, one key at a time (keys of a cluster span slots)."""
    for prefix in prefixes.values():
        for key in [key async for key in keys_under(client, prefix)]:
            await client.delete(key)


def delete_prefixed_sync(client: SyncClient, prefixes: Mapping[str, str]) -> None:
    """:func:`delete_prefixed` with a blocking client."""
    for prefix in prefixes.values():
        for key in list(client.scan_iter(match=_glob(prefix), count=1000)):
            client.delete(key)


class RedisSessionTable:
    """The session "table" (a ``lucia_conformance.RawTable``): ``session:{id}`` JSON keys.

    ``insert`` writes what Lucia v2 wrote: the row as JSON and its id added to
    ``user_sessions:{user_id}`` (no expiry). ``get_all`` reads every session key and checks that
    the sets agree with them: each user's set holds exactly the ids of that user's sessions.
    """

    def __init__(self, client: Client, prefixes: Mapping[str, str]) -> None:
        self.client = client
        self.session = prefixes["session"]
        self.user_sessions = prefixes["user_sessions"]

    async def insert(self, row: Mapping[str, Any]) -> None:
        await self.client.set(f"{self.session}:{row['id']}", json.dumps(row, separators=(",", ":")))
        await self.client.sadd(f"{self.user_sessions}:{row['user_id']}", row["id"])

    async def get_all(self) -> list[dict[str, Any]]:
        rows = []
        async for key in keys_under(self.client, self.session):
            value = await self.client.get(key)
            if value is not None:
                rows.append(json.loads(value))
        expected: dict[str, set[str]] = {}
        for row in rows:
            expected.setdefault(row["user_id"], set()).add(row["id"])
        found: dict[str, set[str]] = {}
        start = len(self.user_sessions) + 1
        async for key in keys_under(self.client, self.user_sessions):
            found[key[start:]] = {_text(member) for member in await self.client.smembers(key)}
        assert found == expected, f"user_sessions sets {found} do not match the session keys"
        return rows

    async def clear(self) -> None:
        await delete_prefixed(self.client, {"s": self.session, "u": self.user_sessions})
