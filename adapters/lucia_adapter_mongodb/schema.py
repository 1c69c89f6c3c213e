"""The MongoDB schema: collection names, the indexes (the one source of ``schemas/mongodb.json``),
and applying them."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from lucia_core.database import DEFAULT_TABLES, Attribute, resolve_names

#: The secondary indexes each collection needs (``_id`` is unique and indexed already);
#: :func:`create_indexes` creates them.
INDEXES: Mapping[str, tuple[str, ...]] = {
    "user": (),
    "key": ("user_id",),
    "session": ("user_id",),
    "token": ("user_id",),
}

# MongoDB's rules for collection names: no "$", no NUL, not empty, not in the "system." namespace.
_COLLECTION_NAME = re.compile(r"[A-Za-z_][^$\x00]*")

_DESCRIPTION = (
    "Lucia v2's collections for MongoDB, with the default names used by lucia_adapter_mongodb."
    " Documents are keyed by _id (a string); _id is unique and indexed by MongoDB itself. Apply"
    " idempotently with lucia_adapter_mongodb.create_indexes(database, collections=...). Add unique"
    " indexes on user attributes (a username, an email) as your application needs (add_attributes)."
    " Generated from lucia_adapter_mongodb/schema.py (lucia-core schema mongodb)."
)
_DOCUMENTS = {
    "user": {"_id": "string", "...": "user attributes"},
    "key": {
        "_id": "string (provider_id:provider_user_id)",
        "user_id": "string",
        "hashed_password": "string or null",
    },
    "session": {
        "_id": "string",
        "user_id": "string",
        "active_expires": "int64 (ms since epoch)",
        "idle_expires": "int64 (ms since epoch)",
        "...": "session attributes",
    },
    "token": {
        "_id": "string (the SHA-256 hex of the secret, never the secret)",
        "user_id": "string",
        "purpose": "string",
        "expires": "int64 (ms since epoch)",
        "...": "token attributes",
    },
}


class MongoDatabase(Protocol):
    """What the adapter uses of a database: pymongo's ``AsyncDatabase`` and Motor's both fit."""

    def __getitem__(self, name: str) -> Any: ...

    @property
    def client(self) -> Any: ...


def check_database(database: Any) -> MongoDatabase:
    """The database, or a TypeError saying what is needed instead of what was given."""
    hint = ' database = AsyncMongoClient("mongodb://host:27017")["app"]'
    valid = (
        not isinstance(database, (str, bytes))
        and hasattr(database, "client")
        and hasattr(database, "__getitem__")
    )
    find_one = getattr(database[_PROBE], "find_one", None) if valid else None
    if find_one is None:
        got = f"the str {database!r}" if isinstance(database, str) else f"a {type(database).__qualname__}"
        raise TypeError(
            f"mongodb_adapter() needs a database of pymongo's AsyncMongoClient (or Motor), not {got}:{hint}"
        )
    if not inspect.iscoroutinefunction(find_one) and "motor" not in type(database).__module__:
        kind = f"{type(database).__module__}.{type(database).__qualname__}"
        raise TypeError(
            f"mongodb_adapter() needs an asynchronous database (pymongo's AsyncMongoClient or Motor),"
            f" not the blocking {kind}:{hint}"
        )
    return database  # type: ignore[no-any-return]


# A collection name only looked up (never used) to see what kind of database object we were given.
_PROBE = "lucia_type_check"


def collection_names(collections: Mapping[str, str] | None = None) -> dict[str, str]:
    """The defaults updated with ``collections``, each name checked against MongoDB's rules.

    Raises ValueError for a key other than ``user``, ``key``, ``session``, ``token`` or an invalid name.
    """
    names = resolve_names("collections", collections, DEFAULT_TABLES, kind="collection")
    for kind, name in names.items():
        if not isinstance(name, str) or not _COLLECTION_NAME.fullmatch(name) or name.startswith("system."):
            raise ValueError(
                f"invalid MongoDB {kind} collection name {name!r}: a name starts with a letter or"
                " an underscore, has no '$' or NUL character and is not in the 'system.' namespace"
            )
    return names


def schema_json(*, collections: Mapping[str, str] | None = None) -> str:
    """The collections and their indexes as JSON; with the defaults ``schemas/mongodb.json``."""
    names = collection_names(collections)
    described = {
        role: {
            "name": names[role],
            "document": _DOCUMENTS[role],
            "indexes": [{"key": {field: 1}, "name": f"{field}_1"} for field in INDEXES[role]],
        }
        for role in INDEXES
    }
    return json.dumps({"description": _DESCRIPTION, "collections": described}, indent=2) + "\n"


async def create_indexes(database: MongoDatabase, *, collections: Mapping[str, str] | None = None) -> None:
    """Create the indexes of :func:`schema_json` (``user_id`` on keys, sessions and tokens).

    Idempotent: an index that exists already is left as it is. Unique indexes on user attributes
    (a username, an email) are the application's to add (:func:`add_attributes`).
    """
    names = collection_names(collections)
    for role, fields in INDEXES.items():
        for field in fields:
            await database[names[role]].create_index([(field, 1)])


async def add_attributes(
    database: MongoDatabase, attributes: Iterable[Attribute], *, collections: Mapping[str, str] | None = None
) -> None:
    """Create the unique indexes of the unique attributes (documents need no columns); idempotent."""
    names = collection_names(collections)
    for attribute in attributes:
        if attribute.unique:
            await database[names[attribute.table]].create_index(
                [(attribute.name, 1)], unique=True, name=attribute.index_name
            )


async def apply_schema(url: str) -> None:
    """Connect to ``mongodb://host/database`` and create the indexes if missing (idempotent).

    The URL must name the database (ValueError otherwise).
    """
    from pymongo import AsyncMongoClient

    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    try:
        try:
            database = client.get_default_database()
        except Exception as error:  # pymongo's ConfigurationError: no database in the URL
            raise ValueError("a MongoDB URL must name the database: mongodb://host:27017/database") from error
        await create_indexes(database)
    finally:
        await client.close()


#: What ``schemas/`` holds for this backend (the defaults).
schema_text = schema_json

#: The same as :func:`create_indexes`, under the name every adapter package uses.
create_schema = create_indexes
