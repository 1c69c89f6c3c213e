"""Run the lucia_conformance suite (its session half) against lucia_adapter_redis over a
Sentinel-managed client: ``redis.asyncio.sentinel.Sentinel(...).master_for("lucia")``.

The deployment is ``scripts/backends.sh start redis-sentinel`` (``LUCIA_REDIS_SENTINEL_URL``, a
``redis+sentinel://HOST:PORT,.../SERVICE`` URL): a primary, a replica and three sentinels. The
options are Redis's (``lucia_adapter_redis.testing.CONFORMANCE_OPTIONS``), with a client from
the sentinels, with and without ``decode_responses``; every test runs with ``redis_session_adapter`` and with
``replicated_session_adapter(..., replicas=1)`` (each write waits for the replica). From this folder::

    pytest --pyargs lucia_conformance --rootdir=.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from lucia_adapter_redis import (
    RedisSessionAdapter,
    connect,
    redis_session_adapter,
    replicated_session_adapter,
)
from lucia_adapter_redis.raw import RedisSessionTable, delete_prefixed
from lucia_adapter_redis.testing import CONFORMANCE_OPTIONS, random_prefixes
from lucia_conformance import ConformanceOptions, RawDatabase
from tests.backends import backend_url


@pytest.fixture
def lucia_conformance_options() -> ConformanceOptions:
    """Sessions only; Redis cannot tell whether a session's user exists."""
    return CONFORMANCE_OPTIONS


@pytest.fixture(scope="session")
def sentinel_url() -> str:
    return backend_url("redis-sentinel")


@pytest_asyncio.fixture(params=[False, True], ids=["bytes", "decoded"])
async def redis_client(request: pytest.FixtureRequest, sentinel_url: str) -> AsyncIterator[Any]:
    """A Sentinel-managed client of the primary, with ``decode_responses`` off, then on."""
    async with connect(sentinel_url, decode_responses=request.param) as client:
        yield client


@pytest_asyncio.fixture
async def prefixes(redis_client: Any) -> AsyncIterator[dict[str, str]]:
    """This test's own key prefixes; every key under them is deleted after the test."""
    names = random_prefixes()
    yield names
    await delete_prefixed(redis_client, names)


@pytest.fixture(params=[0, 1], ids=["no-wait", "wait-1"])
def lucia_adapter(
    request: pytest.FixtureRequest, redis_client: Any, prefixes: dict[str, str]
) -> RedisSessionAdapter:
    """The adapter under test, without and with waiting for the replica on each write."""
    if request.param:
        return replicated_session_adapter(redis_client, replicas=request.param, prefixes=prefixes)
    return redis_session_adapter(redis_client, prefixes=prefixes)


@pytest.fixture
def lucia_database(redis_client: Any, prefixes: dict[str, str]) -> RawDatabase:
    """Raw access to the session and token keys: the adapter has no users or keys."""
    tokens = {"session": prefixes["token"], "user_sessions": prefixes["user_tokens"]}
    return RawDatabase(
        session=RedisSessionTable(redis_client, prefixes), token=RedisSessionTable(redis_client, tokens)
    )
