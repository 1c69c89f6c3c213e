"""Run the lucia_conformance suite (its session half) against lucia_adapter_redis, standalone.

The server comes from ``tests.backends`` (``LUCIA_REDIS_URL``; ``scripts/backends.sh start redis``).
From this folder::

    pytest --pyargs lucia_conformance --rootdir=.

Every test runs twice, with a client that decodes responses and one that does not, under key
prefixes of its own (``lucia-test:<random>:...``) that are deleted afterwards; nothing else on
the server is touched. ``lucia_database.session`` reads and writes the JSON keys and the
``user_sessions`` sets directly (``lucia_adapter_redis.testing``). The user half is deselected:
the options say the adapter stores sessions only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lucia_adapter_redis import RedisSessionAdapter
from lucia_adapter_redis.testing import throwaway_store
from lucia_conformance import ConformanceOptions, RawDatabase, ThrowawayStore
from tests.backends import backend_url


@pytest.fixture(scope="session")
def redis_backend() -> str:
    """Which test server: "redis" here; ``tests/conformance/redis-cluster`` overrides it."""
    return "redis"


@pytest_asyncio.fixture(params=[False, True], ids=["bytes", "decoded"])
async def store(request: pytest.FixtureRequest, redis_backend: str) -> AsyncIterator[ThrowawayStore]:
    """This test's key prefixes, on a client with ``decode_responses`` off, then on."""
    url = backend_url(redis_backend)
    cluster = redis_backend == "redis-cluster"
    async with throwaway_store(url, cluster=cluster, decode_responses=request.param) as store:
        yield store


@pytest.fixture
def lucia_conformance_options() -> ConformanceOptions:
    """Sessions only; Redis cannot tell whether a session's user exists."""
    return ConformanceOptions(foreign_keys=False, halves=frozenset({"session", "token"}))


@pytest.fixture
def lucia_adapter(store: ThrowawayStore) -> RedisSessionAdapter:
    """The adapter under test."""
    adapter: RedisSessionAdapter = store.adapter
    return adapter


@pytest.fixture
def lucia_database(store: ThrowawayStore) -> RawDatabase:
    """Raw access to the session keys only: the adapter has no users or keys."""
    return store.raw
