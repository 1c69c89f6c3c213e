"""SQL text the three SQL adapters share: one identifier rule, table options, INSERT and UPDATE
statements built from a row's column names, and splitting a joined row. Driver-free: each adapter
passes its dialect (quote character, placeholder style) and runs the text with its own driver.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .database import DEFAULT_TABLES, resolve_names

# The one rule for every table and column name: a plain identifier, never longer than the
# shortest limit of the three servers (PostgreSQL's 63; it would silently truncate a longer one).
MAX_IDENTIFIER = 63
IDENTIFIER = re.compile(rf"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_IDENTIFIER - 1}}}")
IDENTIFIER_RULE = "names must match [A-Za-z_][A-Za-z0-9_]* and have at most 63 characters"

#: The marker column between the two tables' columns in a joined row. No column written through
#: an adapter can have this name: names are plain identifiers.
SPLIT = "lucia:split"

# Partial updates and inserts build their SQL from the row's column names; the texts are cached
# so that drivers' statement caches (keyed by SQL text) keep hitting.
_CACHE_SIZE = 512


@dataclass(frozen=True)
class Dialect:
    """How one server spells identifiers and parameters.

    ``name`` is used in error messages; ``qualified`` allows ``schema.table`` names.
    """

    name: str
    quote_char: Literal['"', "`"]
    paramstyle: Literal["qmark", "numeric", "format"]
    qualified: bool = False

    def quote(self, name: object, kind: str = "column") -> str:
        """The identifier quoted; ValueError if it is not a plain identifier."""
        if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
            raise ValueError(f"invalid {self.name} {kind} name {name!r}: {IDENTIFIER_RULE}")
        return f"{self.quote_char}{name}{self.quote_char}"

    def quote_table(self, name: object) -> str:
        """A table name quoted (``schema.table`` part by part where the dialect allows it)."""
        parts = name.split(".") if self.qualified and isinstance(name, str) else [name]
        if len(parts) > 2:
            raise ValueError(f"invalid {self.name} table name {name!r}: use 'table' or 'schema.table'")
        return ".".join(self.quote(part, "table") for part in parts)

    def placeholder(self, number: int) -> str:
        """The ``number``-th (from 1) parameter marker."""
        return {"qmark": "?", "numeric": f"${number}", "format": "%s"}[self.paramstyle]

    def insert(self, table: str, columns: Sequence[str]) -> str:
        """``INSERT INTO table (columns...) VALUES (...)``; ValueError for no or invalid columns."""
        return _insert(self, table, tuple(columns))

    def update(self, table: str, columns: Sequence[str]) -> str:
        """``UPDATE table SET column = ?, ... WHERE id = ?``: the values, then the id."""
        return _update(self, table, tuple(columns))


def table_names(dialect: Dialect, tables: Mapping[str, str] | None) -> dict[str, str]:
    """The ``tables=`` option checked: role -> quoted table name (defaults for roles not given)."""
    names = resolve_names("tables", tables, DEFAULT_TABLES, kind="table")
    return {role: dialect.quote_table(name) for role, name in names.items()}


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _insert(dialect: Dialect, table: str, columns: tuple[str, ...]) -> str:
    if not columns:
        raise ValueError("cannot insert an empty row")
    names = ", ".join(dialect.quote(column) for column in columns)
    markers = ", ".join(dialect.placeholder(number) for number in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({names}) VALUES ({markers})"  # noqa: S608 - names quoted


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _update(dialect: Dialect, table: str, columns: tuple[str, ...]) -> str:
    assignments = ", ".join(
        f"{dialect.quote(column)} = {dialect.placeholder(number)}" for number, column in enumerate(columns, 1)
    )
    where = f"{dialect.quote('id')} = {dialect.placeholder(len(columns) + 1)}"
    return f"UPDATE {table} SET {assignments} WHERE {where}"  # noqa: S608 - names quoted


class JoinedColumns:
    """The column names of one joined read, ``a.*, NULL AS "lucia:split", b.*``, split into the two
    tables' names once per column list (a read gives the same list every time, until a column is
    added), so that splitting a row is two ``dict(zip(...))`` calls."""

    __slots__ = ("_first", "_names", "_second", "_second_id")

    def __init__(self) -> None:
        self._names: Sequence[str] = ()
        self._first: tuple[str, ...] = ()
        self._second: tuple[str, ...] = ()
        self._second_id = 0

    def _learn(self, names: Sequence[str]) -> None:
        split = list(names).index(SPLIT)
        self._first, self._second = tuple(names[:split]), tuple(names[split + 1 :])
        # Where the second table's id sits in a row: never NULL in a stored row, so a NULL there
        # is a LEFT JOIN that found nothing.
        self._second_id = split + 1 + self._second.index("id")
        self._names = names

    def _know(self, names: Sequence[str]) -> None:
        if names is not self._names and names != self._names:
            self._learn(names)

    def row(self, names: Sequence[str], values: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """One joined row as the two tables' rows."""
        self._know(names)
        # zip without strict=: the names and the values come from the same statement, so they
        # pair up, and any keyword argument costs zip a third more (this runs per row).
        split = len(self._first)
        first = dict(zip(self._first, values[:split]))  # noqa: B905
        return first, dict(zip(self._second, values[split + 1 :]))  # noqa: B905

    def one_and_many(
        self, names: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The rows of ``u.*, NULL AS "lucia:split", s.* FROM user u LEFT JOIN session s ... WHERE
        u.id = ?`` as the user row (None for no rows) and its session rows. A user without
        sessions comes back as one row whose session half is NULL, which gives no session row."""
        if not rows:
            return None, []
        self._know(names)
        split, second, present = len(self._first), self._second, self._second_id
        live = [row for row in rows if row[present] is not None]
        sessions = [dict(zip(second, row[split + 1 :])) for row in live]  # noqa: B905
        return dict(zip(self._first, rows[0][:split])), sessions  # noqa: B905


class Statements:
    """An adapter's SQL texts: ``statements("SELECT * FROM {user} WHERE id = $1")`` gives the text
    with the quoted table names filled in, formatted once and then served from a dict, so each
    method keeps its SQL next to it and drivers see one fixed text per operation."""

    def __init__(self, tables: Mapping[str, str]) -> None:
        self._tables = dict(tables)
        self._texts: dict[str, str] = {}

    def __call__(self, template: str) -> str:
        text = self._texts.get(template)
        if text is None:
            text = self._texts[template] = template.format_map(self._tables)
        return text
