"""MongoDB (pymongo's AsyncMongoClient; FerretDB here): stores are prefixed collections in a
private database; the client and the floor are ``lucia_adapter_mongodb.testing``'s."""

from __future__ import annotations

from lucia_adapter_mongodb.testing import Server
from lucia_core import lucia

from .backend import Backend, FloorStore, run_label

FLOOR = {
    "validate": "two find_one calls (the session by _id, then its user by _id): FerretDB v1 has no"
    " $lookup, so two reads is its minimum",
    "validate_idle": "the two find_one calls, then one update_one of both expirations",
    "create_session": "one insert_one, with a find_one of the user alongside (MongoDB cannot check it)",
    "invalidate_session": "one delete_one",
    "get_all_user_sessions": "find_one of the user and find of its sessions, concurrently",
}


class MongoDBBackend(Backend):
    """A MongoDB-protocol server (FerretDB v1 on SQLite in ``.ci/run``), one AsyncMongoClient."""

    name = "mongodb"
    label = "MongoDB (FerretDB)"
    floor = FLOOR

    def __init__(self, url: str) -> None:
        self.url = url
        self.server = Server(url, run_label())

    async def connect(self) -> None:
        """Open the client; the stores live in the database ``lucia_bench_<pid>``."""
        await self.server.connect()

    async def close(self) -> None:
        """Drop the private database and close the client."""
        await self.server.close()

    async def store(self, tag: str) -> FloorStore:
        """New collections ``<tag>_*`` with lucia-core's indexes (``create_indexes``)."""
        adapter, floor = await self.server.store(tag)
        return FloorStore(lucia(adapter=adapter, env="PROD"), floor)

    async def server_version(self) -> str:
        """``buildInfo``: the version, and FerretDB's own when it is FerretDB."""
        return await self.server.version()
