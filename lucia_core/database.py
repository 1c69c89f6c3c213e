"""The database model: row shapes as they cross the adapter boundary (plain dicts keyed by Lucia
v2's column names), the default table names, and the check of a ``tables=``-style option."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

#: A user row: ``id`` plus any user attribute columns.
UserRow = dict[str, Any]

#: A session row: ``id``, ``user_id``, ``active_expires`` and ``idle_expires`` (unix epoch
#: milliseconds, 64-bit ``int``) plus any session attribute columns.
SessionRow = dict[str, Any]


class KeyRow(TypedDict):
    """A key row. ``id`` is ``f"{provider_id}:{provider_user_id}"``."""

    id: str
    user_id: str
    hashed_password: str | None


#: Column names every session row has; anything else is a session attribute.
SESSION_COLUMNS = frozenset({"id", "user_id", "active_expires", "idle_expires"})

#: A one-time token row: ``id`` (the SHA-256 hex of the secret, never the secret), ``user_id``,
#: ``purpose`` and ``expires`` (unix epoch milliseconds, 64-bit ``int``) plus attribute columns.
TokenRow = dict[str, Any]

#: Column names every token row has; anything else is a token attribute.
TOKEN_COLUMNS = frozenset({"id", "user_id", "purpose", "expires"})

#: Lucia v2's table (MongoDB: collection) names, by role, and the one-time token table.
DEFAULT_TABLES: Mapping[str, str] = {
    "user": "auth_user",
    "key": "user_key",
    "session": "user_session",
    "token": "user_token",
}


def resolve_names(
    option: str, given: Mapping[str, str] | None, defaults: Mapping[str, str], *, kind: str
) -> dict[str, str]:
    """``defaults`` updated with ``given``, the value of the keyword option called ``option``.

    Raises ValueError naming the valid keys when ``given`` has another one (``tables={"users":
    ...}``, say: "unknown ``kind`` keys ..."), and TypeError when it is not a mapping.
    """
    names = dict(defaults)
    if given is None:
        return names
    if not isinstance(given, Mapping):
        raise TypeError(
            f"{option}= must be a dict with the keys {_listed(defaults)}, not {type(given).__name__}"
        )
    unknown = sorted(set(given) - set(defaults), key=str)
    if unknown:
        raise ValueError(
            f"unknown {kind} keys {unknown} in {option}=: the valid keys are {_listed(defaults)}"
        )
    names.update(given)
    return names


def _listed(defaults: Mapping[str, str]) -> str:
    return ", ".join(repr(key) for key in defaults)


@dataclass(frozen=True)
class Attribute:
    """An attribute column an application adds to Lucia's user, session or token table.

    Each adapter package's ``add_attributes`` creates them (idempotently): ``"text"`` for short
    text such as a username, ``"long_text"`` for text of any length, ``"integer"`` for 64-bit
    integers; ``unique`` adds a unique index (also on schemaless backends).
    """

    table: Literal["user", "session", "token"]
    name: str
    type: Literal["text", "long_text", "integer"] = "text"
    unique: bool = False

    @property
    def index_name(self) -> str:
        """The name of the unique index: ``<table>_<column>_unique`` with Lucia's table name."""
        return f"{DEFAULT_TABLES[self.table]}_{self.name}_unique"
