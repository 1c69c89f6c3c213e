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
from lucia_core.backends import BACKENDS, Backend, backend_of
from tests.backends import backend_url
from tests.reliability.deployments import Deployment, open_deployment

#: The backend whose users a session-only backend's sessions belong to.
USERS_OF_SESSIONS = "postgres"


def _stores_users(name: str) -> bool:
    return backend_of(name).stores_users


def _runs(backend: Backend) -> list[str]:
    """The backend and those of its deployments a ``throwaway_store`` option makes (PgBouncer:
    PostgreSQL through PgBouncer in transaction pooling mode, the pools without asyncpg's
    statement cache; a Redis cluster); not Sentinel's, whose client is made otherwise."""
    options = getattr(backend.module("testing"), "DEPLOYMENT_OPTIONS", {})
    return [backend.name, *(name for name in backend.deployments if name in options)]


#: Backends storing users and keys (Redis: its users are in PostgreSQL), and their deployments.
USER_BACKENDS = [
    run
    for backend in BACKENDS.values()
    for run in (_runs(backend) if backend.stores_users else [backend.name])
]
#: Backends storing sessions.
SESSION_BACKENDS = [
    *USER_BACKENDS,
    *(run for backend in BACKENDS.values() if not backend.stores_users for run in _runs(backend)[1:]),
]

#: A password "hasher" that costs nothing, so that races are decided by the database alone.
PLAIN_HASHER: Mapping[str, Any] = {
    "generate": lambda password: f"plain:{password}",
    "validate": lambda password, hashed: hashed == f"plain:{password}",
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: stops and restarts private database servers (nox -s faults)")


def backend_params(names: list[str]) -> list[Any]:
    """``pytest.param`` per backend, marked with the server(s) it needs."""

    def servers(name: str) -> tuple[str, ...]:
        return (name,) if _stores_users(name) else (name, USERS_OF_SESSIONS)

    return [
        pytest.param(name, id=name, marks=[pytest.mark.backend(server) for server in servers(name)])
        for name in names
    ]


@pytest.fixture
async def deployment(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Deployment]:
    """This test's storage on the backend named by the (indirect) parameter."""
    name = str(request.param)
    if name not in SESSION_BACKENDS:
        raise ValueError(f"unknown backend {name!r}")
    async with AsyncExitStack() as stack:
        users = None
        if not _stores_users(name):
            users = await stack.enter_async_context(
                open_deployment(USERS_OF_SESSIONS, backend_url(USERS_OF_SESSIONS))
            )
        location = backend_url(name) if backend_of(name).server else tmp_path
        yield await stack.enter_async_context(open_deployment(name, location, users=users))


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
