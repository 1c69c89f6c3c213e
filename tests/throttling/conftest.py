"""Fixtures of the throttling tests: a throttle store of each kind, on its real server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from lucia_core.throttling import ThrottleStore
from tests.throttling.stores import kind_params, open_store


@pytest_asyncio.fixture(params=kind_params())
async def lucia_throttle_store(request: pytest.FixtureRequest) -> AsyncIterator[ThrottleStore]:
    """A store of each kind: memory, Redis (bytes responses), Redis cluster (decoded)."""
    kind = str(request.param)
    store, close = await open_store(kind, decode_responses=kind == "redis-cluster")
    yield store
    await close()


@pytest.fixture
def store(lucia_throttle_store: ThrottleStore) -> ThrottleStore:
    """The store under test, by its short name."""
    return lucia_throttle_store
