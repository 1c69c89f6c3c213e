"""Throwaway Redis session stores for tests and benchmarks: key prefixes ``lucia-test:<random>``
on a server (standalone or cluster) named by URL, the adapter over a client of its own, raw
access to Lucia v2's key layout for the conformance suite, with its options and variants (bytes
and decoded clients; a cluster). The benchmarks' raw-driver floor is :mod:`.floor`.

    async with throwaway_store(url) as store:   # every key under the prefixes is deleted at the end
        auth = lucia(adapter={"user": user_adapter, "session": store.adapter})
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis
import redis.cluster
from redis.asyncio import Redis, RedisCluster

from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawDatabase
from lucia_conformance.store import ThrowawayStore

from .adapter import redis_session_adapter
from .raw import (
    Client,
    RedisSessionTable,
    SyncClient,
    delete_prefixed,
    delete_prefixed_sync,
    keys_under,
)

__all__ = [
    "CONFORMANCE_OPTIONS",
    "CONFORMANCE_VARIANTS",
    "DEPLOYMENT_OPTIONS",
    "Client",
    "RedisSessionTable",
    "SyncClient",
    "connect",
    "connect_sync",
    "delete_prefixed",
    "delete_prefixed_sync",
    "keys_under",
    "random_prefixes",
    "throwaway_store",
]


#: The conformance suite's options: sessions (and tokens) only; Redis cannot tell whether a user exists.
CONFORMANCE_OPTIONS = ConformanceOptions(foreign_keys=False, halves=frozenset({"session", "token"}))
#: Every conformance test runs on a client that decodes responses and on one that does not.
CONFORMANCE_VARIANTS = {"bytes": {"decode_responses": False}, "decoded": {"decode_responses": True}}
#: What a deployment's stores need: a cluster client.
DEPLOYMENT_OPTIONS: dict[str, dict[str, Any]] = {"redis-cluster": {"cluster": True}}


def connect(url: str, *, cluster: bool = False, **options: Any) -> Client:
    """An asyncio client for the server (``cluster``: a Redis Cluster reached through ``url``)."""
    return RedisCluster.from_url(url, **options) if cluster else Redis.from_url(url, **options)


def connect_sync(url: str, *, cluster: bool = False) -> SyncClient:
    """A blocking client for clean-ups: not tied to an event loop, so one serves a whole run."""
    return redis.cluster.RedisCluster.from_url(url) if cluster else redis.Redis.from_url(url)


def random_prefixes() -> dict[str, str]:
    """Key prefixes no other test or helper uses: ``lucia-test:<random>:session`` and so on."""
    root = f"lucia-test:{secrets.token_hex(8)}"
    return {name: f"{root}:{name}" for name in ("session", "user_sessions", "token", "user_tokens")}


@asynccontextmanager
async def throwaway_store(
    url: str, *, cluster: bool = False, users: RawDatabase | None = None, **client_options: Any
) -> AsyncIterator[ThrowawayStore]:
    """Sessions under key prefixes of their own, deleted when the context ends. The store's raw
    handle has the ``session`` table, and ``users``' user and key tables when given (the users
    the sessions belong to live in another database). ``client_options`` go to the clients."""
    prefixes = random_prefixes()

    @asynccontextmanager
    async def open_adapter() -> AsyncIterator[Any]:
        client = connect(url, cluster=cluster, **client_options)
        try:
            yield redis_session_adapter(client, prefixes=prefixes)
        finally:
            await client.aclose()

    client = connect(url, cluster=cluster, **client_options)
    try:
        table = RedisSessionTable(client, prefixes)
        tokens = RedisSessionTable(
            client, {"session": prefixes["token"], "user_sessions": prefixes["user_tokens"]}
        )
        raw = RawDatabase(
            user=users.user if users else None, key=users.key if users else None, session=table, token=tokens
        )
        adapter = redis_session_adapter(client, prefixes=prefixes)

        async def sets() -> dict[str, int]:
            return {"user_sessions": await table.count_sets()}

        yield ThrowawayStore("redis", adapter, raw, open_adapter, prefixes, client, prefixes["session"], sets)
    finally:
        await delete_prefixed(client, prefixes)
        await client.aclose()
