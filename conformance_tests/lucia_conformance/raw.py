"""The raw-access handle the suite reads and writes the backend through, bypassing the adapter.

Checking an adapter's writes through raw reads (and its reads through raw writes) means an
adapter cannot pass by being consistent only with itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from lucia_core.sql import Dialect


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


#: Runs one SQL statement with parameters; the rows it returns (none for a write) as dicts.
RunSQL = Callable[[str, Sequence[Any]], Awaitable[list[dict[str, Any]]]]


class SQLTable:
    """A :class:`RawTable` over one SQL table: statements built by the core's SQL helpers for the
    backend's dialect, run by ``run`` (the package's driver call, on a connection of its own)."""

    def __init__(self, dialect: Dialect, table: str, run: RunSQL) -> None:
        self.dialect = dialect
        self.table = dialect.quote_table(table)
        self.run = run

    async def insert(self, row: Mapping[str, Any]) -> None:
        await self.run(self.dialect.insert(self.table, tuple(row)), list(row.values()))

    async def get_all(self) -> list[dict[str, Any]]:
        return await self.run(f"SELECT * FROM {self.table}", ())  # noqa: S608 - a quoted name

    async def clear(self) -> None:
        await self.run(f"DELETE FROM {self.table}", ())  # noqa: S608 - a quoted name

    async def count(self) -> int:
        """How many rows the table holds."""
        rows = await self.run(f"SELECT count(*) AS n FROM {self.table}", ())  # noqa: S608 - a quoted name
        return int(rows[0]["n"])


def sql_database(dialect: Dialect, tables: Mapping[str, str], run: RunSQL) -> RawDatabase:
    """A :class:`RawDatabase` over the SQL tables named in ``tables`` (by role: ``user``, ``key``,
    ``session``, and ``token`` when given)."""
    roles = [role for role in ("user", "key", "session", "token") if role in tables]
    return RawDatabase(**{role: SQLTable(dialect, tables[role], run) for role in roles})
