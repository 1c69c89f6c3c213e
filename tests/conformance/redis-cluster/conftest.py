"""Run the lucia_conformance suite (its session half) against lucia_adapter_redis on a cluster.

The fixtures are ``tests/conformance/redis/conftest.py``'s, on the cluster test server
(``LUCIA_REDIS_CLUSTER_URL``; ``scripts/backends.sh start redis-cluster``). From this folder::

    pytest --pyargs lucia_conformance --rootdir=.
"""

from __future__ import annotations

import pytest

from tests.conformance.redis.conftest import (
    lucia_adapter,
    lucia_conformance_options,
    lucia_database,
    store,
)

__all__ = ["lucia_adapter", "lucia_conformance_options", "lucia_database", "store"]


@pytest.fixture(scope="session")
def redis_backend() -> str:
    """The cluster: its three masters hold the session keys and the user sets in many slots."""
    return "redis-cluster"
