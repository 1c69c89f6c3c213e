"""Fixtures for the reliability tests: one test's storage on each backend, and an adapter wrapper
that counts calls.

``deployment`` is parametrized indirectly with a backend name (see :data:`USER_BACKENDS` and
:data:`SESSION_BACKENDS`); the servers come from ``tests.backends.backend_url`` (shared servers,
or skipped / failed as everywhere in the suite). Redis holds sessions only: its users are in
PostgreSQL, joined as an application would join them.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from lucia_core import Adapter
from tests.backends import backend_url
from tests.reliability.deployments import (
    Deployment,
    mongodb_deployment,
    mysql_deployment,
    postgres_deployment,
    redis_deployment,
    sqlite_deployment,
)

#: Backends storing users and keys (Redis: its users are in PostgreSQL; pgbouncer: PostgreSQL
#: through PgBouncer in transaction pooling mode, the pools without asyncpg's statement cache).
USER_BACKENDS = ["sqlite", "postgres", "pgbouncer", "mysql", "mongodb", "redis"]
#: Backends storing sessions.
SESSION_BACKENDS = [*USER_BACKENDS, "redis-cluster"]

#: A password "hasher" that costs nothing, so that races are decided by the database alone.
PLAIN_HASHER: Mapping[str, Any] = {
    "generate": lambda password: f"plain:{password}",
    "validate": lambda password, hashed: hashed == f"plain:{password}",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: stops and restarts private database servers (nox -s faults)")


def backend_params(names: list[str]) -> list[Any]:
    """``pytest.param`` per backend, marked with the server(s) it needs."""
    servers = {"redis": ("redis", "postgres"), "redis-cluster": ("redis-cluster", "postgres")}
    return [
        pytest.param(
            name, id=name, marks=[pytest.mark.backend(server) for server in servers.get(name, (name,))]
        )
        for name in names
    ]


@pytest.fixture
async def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Deployment]:
    """This test's storage on the backend named by the (indirect) parameter."""
    name = str(request.param)
    async with AsyncExitStack() as stack:
        if name == "sqlite":
            yield await stack.enter_async_context(sqlite_deployment(tmp_path))
        elif name == "postgres":
            yield await stack.enter_async_context(postgres_deployment(backend_url("postgres")))
        elif name == "pgbouncer":
            url = backend_url("pgbouncer")
            yield await stack.enter_async_context(postgres_deployment(url, statement_cache_size=0))
        elif name == "mysql":
            yield await stack.enter_async_context(mysql_deployment(backend_url("mysql")))
        elif name == "mongodb":
            yield await stack.enter_async_context(mongodb_deployment(backend_url("mongodb")))
        elif name in ("redis", "redis-cluster"):
            session_url = backend_url(name)
            users = await stack.enter_async_context(postgres_deployment(backend_url("postgres")))
            yield await stack.enter_async_context(
                redis_deployment(session_url, users, cluster=name == "redis-cluster")
            )
        else:
            raise ValueError(f"unknown backend {name!r}")


class CountingAdapter:
    """Passes every call to a real adapter; counts calls per method, and the most calls of each
    method that were in flight at once (so a test can show its calls really overlapped)."""

    def __init__(self, inner: Adapter) -> None:
        self.inner = inner
        self.calls: Counter[str] = Counter()
        self.in_flight: Counter[str] = Counter()
        self.peak: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if not callable(target) or not asyncio.iscoroutinefunction(target):
            return target

        async def call(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            self.in_flight[name] += 1
            self.peak[name] = max(self.peak[name], self.in_flight[name])
            try:
                return await target(*args, **kwargs)
            finally:
                self.in_flight[name] -= 1

        return call
