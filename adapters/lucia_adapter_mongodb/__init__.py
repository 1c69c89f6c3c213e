"""MongoDB adapter for lucia-core (pymongo's async API): ``pip install "lucia-core[mongodb]"``.

::

    from pymongo import AsyncMongoClient
    from lucia_adapter_mongodb import create_indexes, mongodb_adapter

    database = AsyncMongoClient("mongodb://localhost:27017")["app"]
    await create_indexes(database)  # once, at deploy time; idempotent
    auth = lucia(adapter=mongodb_adapter(database))

A Motor database (``AsyncIOMotorClient(...)["app"]``) works too. Documents are Lucia v2's, keyed
by ``_id``, in ``auth_user``, ``user_key`` and ``user_session`` unless renamed with
``collections={"user": ..., "key": ..., "session": ...}``; a database written by Lucia v2's
mongoose adapter (collections ``users``, ``keys``, ``sessions`` with its documented models) is
read as is. The indexes are listed in ``schemas/mongodb.json``.
"""

from lucia_core.database import DEFAULT_TABLES

from .adapter import MongoDBAdapter, is_unique_violation, mongodb_adapter
from .connection import connect
from .features import ServerFeatures
from .schema import (
    INDEXES,
    MongoDatabase,
    add_attributes,
    apply_schema,
    create_indexes,
    create_schema,
    schema_json,
)

#: Lucia v2's default collection names (the table names of the SQL backends).
DEFAULT_COLLECTIONS = DEFAULT_TABLES

__all__ = [
    "DEFAULT_COLLECTIONS",
    "INDEXES",
    "MongoDBAdapter",
    "MongoDatabase",
    "ServerFeatures",
    "add_attributes",
    "apply_schema",
    "connect",
    "create_indexes",
    "create_schema",
    "is_unique_violation",
    "mongodb_adapter",
    "schema_json",
]
