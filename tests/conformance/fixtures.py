"""The conformance suite's fixtures for a built-in backend, from its package's ``testing`` module.

``fixtures(name)`` gives ``store`` (a ``throwaway_store`` of this test: a schema, a database, a
file or key prefixes of its own, removed afterwards), ``lucia_adapter`` (the adapter over it),
``lucia_database`` (raw access to the same tables) and ``lucia_conformance_options``. What differs
between backends lives in the ``testing`` module: ``CONFORMANCE_OPTIONS`` (static options, so
the plugin deselects a half the backend lacks), or an async ``conformance_options(adapter)`` (asked
of the server), ``CONFORMANCE_VARIANTS`` (client options each test runs with, by id) and
``DEPLOYMENT_OPTIONS`` (what a deployment's stores need, by its name). ``name`` is a backend's or a
deployment's (``pgbouncer``: PostgreSQL through PgBouncer); a server's URL comes from
:func:`tests.backends.backend_url`, an embedded backend gets the test's temporary folder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import pytest_asyncio

from lucia_conformance import ConformanceOptions, RawDatabase, ThrowawayStore
from lucia_core.backends import backend_of
from tests.backends import backend_url


def fixtures(name: str) -> SimpleNamespace:
    """The four fixtures for backend (or deployment) ``name``."""
    backend = backend_of(name)
    testing = backend.module("testing")
    options: dict[str, Any] = getattr(testing, "DEPLOYMENT_OPTIONS", {}).get(name, {})
    variants: dict[str, dict[str, Any]] = getattr(testing, "CONFORMANCE_VARIANTS", {})
    parameters: dict[str, Any] = (
        {"params": list(variants.values()), "ids": list(variants)} if variants else {}
    )

    @pytest_asyncio.fixture(**parameters)
    async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ThrowawayStore]:
        """This test's store, on a client or pool of this test's event loop."""
        location = backend_url(name) if backend.server else tmp_path
        variant = getattr(request, "param", {})
        async with testing.throwaway_store(location, **options, **variant) as store:
            yield store

    @pytest.fixture
    def lucia_adapter(store: ThrowawayStore) -> Any:
        """The adapter under test."""
        return store.adapter

    @pytest.fixture
    def lucia_database(store: ThrowawayStore) -> RawDatabase:
        """Raw access to the same tables, around the adapter."""
        return store.raw

    return SimpleNamespace(
        store=store,
        lucia_adapter=lucia_adapter,
        lucia_database=lucia_database,
        lucia_conformance_options=_options_fixture(testing),
    )


def _options_fixture(testing: Any) -> Callable[..., Any]:
    asked: Callable[[Any], Any] | None = getattr(testing, "conformance_options", None)
    if asked is not None:

        @pytest_asyncio.fixture(name="lucia_conformance_options")
        async def asked_options(store: ThrowawayStore) -> ConformanceOptions:
            """What the server supports, asked of it through the adapter."""
            options: ConformanceOptions = await asked(store.adapter)
            return options

        return asked_options
    static: ConformanceOptions = getattr(testing, "CONFORMANCE_OPTIONS", ConformanceOptions())

    @pytest.fixture(name="lucia_conformance_options")
    def static_options() -> ConformanceOptions:
        """The backend's options (argument-free, so the plugin can deselect at collection)."""
        return static

    return static_options
