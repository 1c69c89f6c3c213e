"""Run the lucia_conformance suite (its session half) against lucia_adapter_redis on a cluster.

The fixtures are Redis's (:mod:`tests.conformance.fixtures`: bytes and decoded clients, key
prefixes of each test's own) on the cluster test server (``LUCIA_REDIS_CLUSTER_URL``;
``scripts/backends.sh start redis-cluster``): its three masters hold the session keys and the user
sets in many slots. From this folder::

    pytest --pyargs lucia_conformance --rootdir=.
"""

from __future__ import annotations

from tests.conformance.fixtures import fixtures

_FIXTURES = fixtures("redis", server="redis-cluster", cluster=True)
store = _FIXTURES.store
lucia_adapter = _FIXTURES.lucia_adapter
lucia_database = _FIXTURES.lucia_database
lucia_conformance_options = _FIXTURES.lucia_conformance_options
