"""Run the lucia_conformance suite against lucia_adapter_postgres through PgBouncer.

PgBouncer 1.18 in transaction pooling mode (``scripts/backends.sh start pgbouncer``;
``LUCIA_PGBOUNCER_URL``) in front of PostgreSQL: each transaction of a client connection may run
on another server connection. The fixtures are PostgreSQL's (:mod:`tests.conformance.fixtures`)
on PgBouncer's URL (the schema is made through it too); the pools have asyncpg's prepared-statement
cache off (``lucia_adapter_postgres.testing.DEPLOYMENT_OPTIONS``), which transaction pooling
needs (``test_pgbouncer.py`` shows what happens without it). From this folder::

    pytest --pyargs lucia_conformance --rootdir=.
"""

from __future__ import annotations

import pytest

from tests.backends import backend_url
from tests.conformance.fixtures import fixtures

_FIXTURES = fixtures("pgbouncer")
store = _FIXTURES.store
lucia_adapter = _FIXTURES.lucia_adapter
lucia_database = _FIXTURES.lucia_database
lucia_conformance_options = _FIXTURES.lucia_conformance_options


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """PgBouncer's URL."""
    return backend_url("pgbouncer")
