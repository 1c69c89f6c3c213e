"""Rows as MongoDB documents and back: ``id`` is ``_id``, field names are checked, ids are matched
only as str (anything else could act as a query operator), and values are stored as data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson.int64 import Int64

from lucia_core.database import KeyRow, SessionRow

# Fields that are not attribute columns: the id, and the version field mongoose adds to every
# document it saves (Lucia v2's mongoose adapter never returned it in a row).
_NOT_COLUMNS = frozenset({"_id", "id", "__v"})

_EXPIRATIONS = ("active_expires", "idle_expires")

#: The fields of a key document a key row has.
KEY_PROJECTION = {"_id": 1, "user_id": 1, "hashed_password": 1}


def match_id(value: object, column: str = "id") -> str:
    """The id to match by equality; anything but a str could act as a query operator."""
    if not isinstance(value, str):
        raise TypeError(f"{column} must be a str, not {type(value).__name__}")
    return value


def _field(name: object) -> str:
    """A column name as a document field name; "id" is the document's ``_id``."""
    if not isinstance(name, str) or not name or name.startswith("$") or "." in name or "\x00" in name:
        raise ValueError(
            f"invalid column name {name!r}: a column name is a non-empty str without a leading"
            " '$', a '.' or a NUL character"
        )
    if name == "_id":
        raise ValueError("invalid column name '_id': the document id is the column 'id'")
    return "_id" if name == "id" else name


def to_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """Row (or partial row) to document fields; values are data, stored as given."""
    return {_field(name): value for name, value in row.items()}


def to_document(row: Mapping[str, Any], *, with_user: bool) -> dict[str, Any]:
    """A row to store: its ``id`` (and, for keys and sessions, ``user_id``) must be a str."""
    match_id(row.get("id"))
    if with_user:
        match_id(row.get("user_id"), "user_id")
    return to_fields(row)


def _value(value: Any) -> Any:
    # pymongo decodes every int64 as bson.Int64, an int subclass: a row holds the plain int given.
    return int(value) if isinstance(value, Int64) else value


def to_row(document: Mapping[str, Any]) -> dict[str, Any]:
    """A stored user or session document as a row: ``_id`` is ``id``, ``__v`` is dropped."""
    row = {"id": document["_id"]}
    row.update((name, _value(value)) for name, value in document.items() if name not in _NOT_COLUMNS)
    return row


def to_session_row(document: Mapping[str, Any]) -> SessionRow:
    """Like :func:`to_row`; mongoose stored the expirations as doubles, a row has them as int."""
    row = to_row(document)
    for column in _EXPIRATIONS:
        value = row.get(column)
        if isinstance(value, float) and value.is_integer():
            row[column] = int(value)
    return row


def to_key_row(document: Mapping[str, Any]) -> KeyRow:
    """A stored key document as a key row (no ``hashed_password`` field reads as None)."""
    return KeyRow(
        id=document["_id"], user_id=document["user_id"], hashed_password=document.get("hashed_password")
    )
