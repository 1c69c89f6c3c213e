"""MongoDB (pymongo's AsyncMongoClient; FerretDB here): stores are prefixed collections in a
private database."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pymongo import AsyncMongoClient

from lucia_adapter_mongodb import create_indexes, mongodb_adapter
from lucia_core import KeyRow, SessionRow, lucia
from lucia_core.expiration import now_ms

from .backend import Backend, Store, run_label
from .data import active_expirations

FLOOR = {
    "validate": "two find_one calls (the session by _id, then its user by _id): FerretDB v1 has no"
    " $lookup, so two reads is its minimum",
    "validate_idle": "the two find_one calls, then one update_one of both expirations",
    "create_session": "one insert_one, with a find_one of the user alongside (MongoDB cannot check it)",
    "invalidate_session": "one delete_one",
    "get_all_user_sessions": "find_one of the user and find of its sessions, concurrently",
}


class MongoDBStore(Store):
    """Collections ``<tag>_auth_user``, ``<tag>_user_key``, ``<tag>_user_session``."""

    def __init__(self, database: Any, tag: str) -> None:
        self.database = database
        self.names = {"user": f"{tag}_auth_user", "key": f"{tag}_user_key", "session": f"{tag}_user_session"}
        self.users = database[self.names["user"]]
        self.keys = database[self.names["key"]]
        self.sessions = database[self.names["session"]]
        self.auth = lucia(adapter=mongodb_adapter(database, collections=self.names), env="PROD")

    async def insert_users(self, ids: Sequence[str]) -> None:
        """insert_many, unordered."""
        await self.users.insert_many([{"_id": i} for i in ids], ordered=False)

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        """insert_many, unordered."""
        await self.sessions.insert_many(
            [
                {
                    "_id": row["id"],
                    "user_id": row["user_id"],
                    "active_expires": row["active_expires"],
                    "idle_expires": row["idle_expires"],
                }
                for row in rows
            ],
            ordered=False,
        )

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """insert_many."""
        await self.keys.insert_many(
            [
                {"_id": row["id"], "user_id": row["user_id"], "hashed_password": row["hashed_password"]}
                for row in rows
            ]
        )

    async def drop(self) -> None:
        """Drop the three collections."""
        for name in self.names.values():
            await self.database.drop_collection(name)

    async def floor_validate(self, session_id: str) -> bool:
        """find_one session, find_one user."""
        session = await self.sessions.find_one({"_id": session_id})
        if session is None:
            return False
        user = await self.users.find_one({"_id": session["user_id"]})
        return user is not None and bool(now_ms() < session["active_expires"])

    async def floor_validate_idle(self, session_id: str) -> bool:
        """find_one session, find_one user, update_one."""
        session = await self.sessions.find_one({"_id": session_id})
        if session is None or now_ms() >= session["idle_expires"]:
            return False
        user = await self.users.find_one({"_id": session["user_id"]})
        if user is None:
            return False
        active, idle = active_expirations()
        await self.sessions.update_one(
            {"_id": session_id}, {"$set": {"active_expires": active, "idle_expires": idle}}
        )
        return True

    async def floor_create_session(self, session_id: str, user_id: str) -> None:
        """insert_one alongside find_one of the user."""
        active, idle = active_expirations()
        document = {"_id": session_id, "user_id": user_id, "active_expires": active, "idle_expires": idle}
        await asyncio.gather(self.users.find_one({"_id": user_id}), self.sessions.insert_one(document))

    async def floor_invalidate_session(self, session_id: str) -> None:
        """delete_one."""
        await self.sessions.delete_one({"_id": session_id})

    async def floor_get_user_sessions(self, user_id: str) -> int:
        """find_one user and find sessions, concurrently."""

        async def sessions() -> list[dict[str, Any]]:
            return list(await self.sessions.find({"user_id": user_id}).to_list(length=None))

        user, documents = await asyncio.gather(self.users.find_one({"_id": user_id}), sessions())
        now = now_ms()
        return 0 if user is None else sum(1 for document in documents if now < document["idle_expires"])


class MongoDBBackend(Backend):
    """A MongoDB-protocol server (FerretDB v1 on SQLite in ``.ci/run``), one AsyncMongoClient."""

    name = "mongodb"
    label = "MongoDB (FerretDB)"
    floor = FLOOR

    def __init__(self, url: str) -> None:
        self.url = url
        self.client: AsyncMongoClient[dict[str, Any]] | None = None
        self.database: Any = None

    async def connect(self) -> None:
        """Open the client; the stores live in the database ``lucia_bench_<pid>``."""
        self.client = AsyncMongoClient(self.url)
        self.database = self.client[run_label()]

    async def close(self) -> None:
        """Drop the private database and close the client."""
        if self.client is not None:
            await self.client.drop_database(run_label())
            await self.client.close()

    async def store(self, tag: str) -> MongoDBStore:
        """New collections ``<tag>_*`` with lucia-core's indexes (``create_indexes``)."""
        store = MongoDBStore(self.database, tag)
        await create_indexes(self.database, collections=store.names)
        return store

    async def server_version(self) -> str:
        """``buildInfo``: the version, and FerretDB's own when it is FerretDB."""
        assert self.client is not None
        info = await self.client.admin.command("buildInfo")
        ferret = info.get("ferretdbVersion")
        return f"{info.get('version')} (FerretDB {ferret})" if ferret else str(info.get("version"))
