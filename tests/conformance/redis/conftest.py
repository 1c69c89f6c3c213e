"""Run the lucia_conformance suite (its session half) against lucia_adapter_redis, standalone.

The server comes from ``tests.backends`` (``LUCIA_REDIS_URL``; ``scripts/backends.sh start redis``).
From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

Every test runs twice, with a client that decodes responses and one that does not, under key
prefixes of its own (``lucia-test:<random>:...``) that are deleted afterwards; nothing else on
the server is touched. ``lucia_database.session`` reads and writes the JSON keys and the
``user_sessions`` sets directly (``raw_redis.RedisSessionTable``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from lucia_adapter_redis import RedisSessionAdapter, redis_session_adapter
from lucia_conformance import ConformanceOptions, RawDatabase
from tests.conformance.redis.raw_redis import (
    Client,
    RedisSessionTable,
    SyncClient,
    connect,
    connect_sync,
    delete_prefixed_sync,
    random_prefixes,
)


@pytest.fixture(scope="session")
def redis_backend() -> str:
    """Which test server: "redis" here; ``tests/conformance/redis-cluster`` overrides it."""
    return "redis"


@pytest.fixture(scope="session")
def redis_admin(redis_backend: str) -> Iterator[SyncClient]:
    """One blocking client for the whole run, for clean-ups."""
    client = connect_sync(redis_backend)
    yield client
    client.close()


@pytest.fixture
def prefixes(redis_admin: SyncClient) -> Iterator[dict[str, str]]:
    """This test's own key prefixes; every key under them is deleted after the test."""
    names = random_prefixes()
    yield names
    delete_prefixed_sync(redis_admin, names)


@pytest_asyncio.fixture(params=[False, True], ids=["bytes", "decoded"])
async def redis_client(request: pytest.FixtureRequest, redis_backend: str) -> AsyncIterator[Client]:
    """A client with ``decode_responses`` off, then on."""
    client = connect(redis_backend, decode_responses=request.param)
    yield client
    await client.aclose()


@pytest.fixture
def lucia_conformance_options() -> ConformanceOptions:
    """Redis cannot tell whether a session's user exists."""
    return ConformanceOptions(foreign_keys=False)


@pytest.fixture
def lucia_adapter(redis_client: Client, prefixes: dict[str, str]) -> RedisSessionAdapter:
    """The adapter under test."""
    return redis_session_adapter(redis_client, prefixes=prefixes)


@pytest.fixture
def lucia_database(redis_client: Client, prefixes: dict[str, str]) -> RawDatabase:
    """Raw access to the session and token keys: the adapter has no users or keys."""
    token_prefixes = {"session": prefixes["token"], "user_sessions": prefixes["user_tokens"]}
    return RawDatabase(
        session=RedisSessionTable(redis_client, prefixes),
        token=RedisSessionTable(redis_client, token_prefixes),
    )
