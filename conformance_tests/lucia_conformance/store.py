"""A throwaway store: what an adapter package's ``testing`` module gives the suite (and the
project's other tests, benchmarks and demo) for a private set of Lucia's tables on a server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import Any

from lucia_conformance.raw import RawDatabase
from lucia_core.database import Attribute

#: The attribute columns the suite expects: a unique ``username`` on users, a ``country`` on
#: sessions, an ``email`` on tokens.
SUITE_ATTRIBUTES = (
    Attribute("user", "username", unique=True),
    Attribute("session", "country"),
    Attribute("token", "email"),
)

#: An async context manager factory: each call opens a new pool (or client, or connection) and
#: an adapter over it, as another application process would.
OpenAdapter = Callable[[], AbstractAsyncContextManager[Any]]


@dataclass
class ThrowawayStore:
    """Lucia's tables of one test (a schema, a database, a file or key prefixes of its own).

    ``adapter`` is the package's adapter over the store's own pool; ``raw`` reads and writes the
    same tables without the adapter; ``open_adapter()`` gives another adapter over a new pool;
    ``tables`` (or collections, or key prefixes) are the names the adapter was given; ``handle``
    is the driver object (pool, connection, database, client) behind ``adapter``; ``location``
    names the store (its file, schema, database or key prefix). The store and everything in it is
    removed when its context ends.
    """

    backend: str
    adapter: Any
    raw: RawDatabase
    open_adapter: OpenAdapter
    tables: dict[str, str]
    handle: Any
    location: str
    extra_counts: Callable[[], Awaitable[dict[str, int]]] | None = field(default=None, repr=False)

    async def counts(self) -> dict[str, int]:
        """Rows per table ("user", "key", "session", "token"), read raw; plus the backend's own extras."""
        found = {}
        for role in ("user", "key", "session", "token"):
            table = getattr(self.raw, role)
            if table is not None:
                count = getattr(table, "count", None)
                found[role] = await count() if callable(count) else len(await table.get_all())
        if self.extra_counts is not None:
            found.update(await self.extra_counts())
        return found
