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

from .adapter import (
    DEFAULT_COLLECTIONS,
    INDEXES,
    MongoDatabase,
    MongoDBAdapter,
    ServerFeatures,
    create_indexes,
    mongodb_adapter,
)
from .schema import apply_schema

__all__ = [
    "DEFAULT_COLLECTIONS",
    "INDEXES",
    "MongoDBAdapter",
    "MongoDatabase",
    "ServerFeatures",
    "apply_schema",
    "create_indexes",
    "mongodb_adapter",
]
