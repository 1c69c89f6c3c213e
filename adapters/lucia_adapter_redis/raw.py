"""Raw access to Lucia v2's Redis key layout, bypassing the adapter: the conformance suite's
session "table", and deleting every key under a prefix (on every node of a cluster)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import redis
import redis.cluster
from redis.asyncio import Redis, RedisCluster

Client = Redis | RedisCluster
SyncClient = redis.Redis | redis.cluster.RedisCluster


def glob_pattern(prefix: str) -> str:
    """A SCAN pattern matching every key ``f"{prefix}:..."`` (the prefix's own wildcards escaped)."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", prefix) + ":*"


def text(value: bytes | str) -> str:
    """A reply as str, whether the client decodes responses or not."""
    return value.decode() if isinstance(value, bytes) else value


async def keys_under(client: Client, prefix: str) -> AsyncIterator[str]:
    """Every key ``f"{prefix}:..."``, on every node of a cluster."""
    async for key in client.scan_iter(match=glob_pattern(prefix), count=1000):
        yield text(key)


async def delete_prefixed(client: Client, prefixes: Mapping[str, str]) -> None:
    """Delete every key under the prefixes, one key at a time (keys of a cluster span slots)."""
    for prefix in prefixes.values():
        for key in [key async for key in keys_under(client, prefix)]:
            await client.delete(key)


def delete_prefixed_sync(client: SyncClient, prefixes: Mapping[str, str]) -> None:
    """:func:`delete_prefixed` with a blocking client."""
    for prefix in prefixes.values():
        for key in list(client.scan_iter(match=glob_pattern(prefix), count=1000)):
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
            found[key[start:]] = {text(member) for member in await self.client.smembers(key)}
        assert found == expected, f"user_sessions sets {found} do not match the session keys"
        return rows

    async def get(self, session_id: str) -> dict[str, Any] | None:
        """The stored row of one session, or None."""
        value = await self.client.get(f"{self.session}:{session_id}")
        return None if value is None else dict(json.loads(value))

    async def count(self) -> int:
        """How many session keys there are."""
        return len([key async for key in keys_under(self.client, self.session)])

    async def count_sets(self) -> int:
        """How many ``user_sessions`` sets there are."""
        return len([key async for key in keys_under(self.client, self.user_sessions)])

    async def clear(self) -> None:
        await delete_prefixed(self.client, {"s": self.session, "u": self.user_sessions})
