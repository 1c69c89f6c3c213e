"""The raw-access handle the suite reads and writes the backend through, bypassing the adapter.

Checking an adapter's writes through raw reads (and its reads through raw writes) means an
adapter cannot pass by being consistent only with itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class RawTable(Protocol):
    """Direct access to one table (or collection, or key space) of the backend under test.

    Rows are plain dicts keyed by Lucia's column names (``id``, ``user_id``, ``active_expires``...,
    plus attribute columns such as ``username`` and ``country``), exactly as the adapter's rows
    are; a MongoDB handle, for one, maps ``_id`` to ``id`` both ways. Values are stored and
    returned as given: ``int`` stays ``int`` (64-bit), ``None`` stays ``None``, strings verbatim.
    """

    async def insert(self, row: Mapping[str, Any]) -> None:
        """Store the row as is, each key a column; the suite inserts users before their keys."""
        ...

    async def get_all(self) -> list[dict[str, Any]]:
        """Return every stored row, in any order, with every column."""
        ...

    async def clear(self) -> None:
        """Delete every row. The suite clears tokens, sessions, then keys, then users."""
        ...


@dataclass(frozen=True)
class RawDatabase:
    """Raw access to the tables behind the adapter under test.

    A table the adapter does not use is None: a session-only adapter (Redis) gives only
    ``session``, and ``user`` too if its sessions' users live somewhere the test can write.
    ``token`` is the one-time token table, for an adapter that implements ``TokenAdapter``.
    """

    user: RawTable | None = None
    key: RawTable | None = None
    session: RawTable | None = None
    token: RawTable | None = None
