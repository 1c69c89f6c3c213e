"""One isolated store per backend for the hostile-input tests: the adapter under test, and raw
row counts read around it (not through it), so a test can show that a hostile value changed
nothing it should not have.

Every store comes from its adapter package's ``testing`` module (``throwaway_store``): tables of
its own, removed on exit. The SQL tables are Lucia's plus the test application's columns:
``auth_user.username`` (unique text), ``auth_user.note`` and ``user_session.note`` (long text),
``user_session.country``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from lucia_conformance import SUITE_ATTRIBUTES, ThrowawayStore
from lucia_core.backends import BACKENDS as BUILTIN
from lucia_core.database import Attribute
from tests.backends import backend_url

#: Every backend the hostile-input tests run on; "redis" stores sessions only.
BACKENDS = tuple(BUILTIN)
#: Backends whose columns are fixed SQL identifiers.
SQL_BACKENDS = frozenset(name for name, backend in BUILTIN.items() if backend.schema_file.endswith(".sql"))

#: The suite's columns, plus long notes on users and sessions.
ATTRIBUTES = (
    *SUITE_ATTRIBUTES,
    Attribute("user", "note", "long_text"),
    Attribute("session", "note", "long_text"),
)


class UnreachableAdapter:
    """An adapter whose every method fails the test: header parsing must not touch storage."""

    def __getattr__(self, name: str) -> Callable[..., Coroutine[Any, Any, NoReturn]]:
        async def fail(*args: Any, **kwargs: Any) -> NoReturn:
            raise AssertionError(f"the database was reached: {name}{args!r}")

        return fail


@dataclass
class Store:
    """A backend's adapter on tables of its own, and raw row counts."""

    name: str
    adapter: Any
    #: False for a session-only adapter (Redis).
    has_users: bool
    throwaway: ThrowawayStore

    async def counts(self) -> dict[str, int]:
        """The current row count of each table (Redis: session keys and user sets)."""
        return await self.throwaway.counts()


@asynccontextmanager
async def open_store(name: str, directory: Path) -> AsyncIterator[Store]:
    """The store for backend ``name`` (one of :data:`BACKENDS`); skips when its server is absent."""
    backend = BUILTIN[name]
    location = backend_url(name) if backend.server else str(directory)
    options: dict[str, Any] = (
        {"decode_responses": True} if not backend.stores_users else {"attributes": ATTRIBUTES}
    )
    async with backend.module("testing").throwaway_store(location, **options) as store:
        yield Store(name, store.adapter, backend.stores_users, store)
