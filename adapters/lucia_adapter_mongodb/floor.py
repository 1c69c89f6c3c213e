"""The benchmarks' raw-driver floor on MongoDB: :class:`Floor`, each operation written directly
with pymongo's AsyncMongoClient plus bulk loading (insert_many); :class:`Server`, the benchmark's
stores (prefixed collections in a private database) on one client; :data:`FLOOR`, the floor in
words for the report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import AsyncMongoClient

from lucia_core.database import DEFAULT_TABLES, KeyRow, SessionRow
from lucia_core.expiration import now_ms

from .adapter import mongodb_adapter
from .schema import create_indexes
from .testing import Client

#: What the floor is, per operation, in words (for the report).
FLOOR = {
    "validate": "two find_one calls (the session by _id, then its user by _id): FerretDB v1 has no"
    " $lookup, so two reads is its minimum",
    "validate_idle": "the two find_one calls, then one update_one of both expirations",
    "create_session": "one insert_one, with a find_one of the user alongside (MongoDB cannot check it)",
    "invalidate_session": "one delete_one",
    "get_all_user_sessions": "find_one of the user and find of its sessions, concurrently",
}


class Floor:
    """The benchmarks' floor: each operation written directly with pymongo, plus bulk loading."""

    def __init__(self, database: Any, collections: Mapping[str, str]) -> None:
        self.database = database
        self.names = dict(collections)
        self.users = database[collections["user"]]
        self.keys = database[collections["key"]]
        self.sessions = database[collections["session"]]

    async def insert_users(self, ids: Sequence[str]) -> None:
        await self.users.insert_many([{"_id": user_id} for user_id in ids], ordered=False)

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        documents = [{("_id" if k == "id" else k): v for k, v in row.items()} for row in rows]
        await self.sessions.insert_many(documents, ordered=False)

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        await self.keys.insert_many(
            [
                {"_id": row["id"], "user_id": row["user_id"], "hashed_password": row["hashed_password"]}
                for row in rows
            ]
        )

    async def analyze(self) -> None:
        return None

    async def drop(self) -> None:
        for name in self.names.values():
            await self.database.drop_collection(name)

    async def validate(self, session_id: str) -> bool:
        session = await self.sessions.find_one({"_id": session_id})
        if session is None:
            return False
        user = await self.users.find_one({"_id": session["user_id"]})
        return user is not None and bool(now_ms() < session["active_expires"])

    async def validate_idle(self, session_id: str, renewed: tuple[int, int]) -> bool:
        session = await self.sessions.find_one({"_id": session_id})
        if session is None or now_ms() >= session["idle_expires"]:
            return False
        if await self.users.find_one({"_id": session["user_id"]}) is None:
            return False
        active, idle = renewed
        await self.sessions.update_one(
            {"_id": session_id}, {"$set": {"active_expires": active, "idle_expires": idle}}
        )
        return True

    async def create_session(self, session_id: str, user_id: str, expirations: tuple[int, int]) -> None:
        active, idle = expirations
        document = {"_id": session_id, "user_id": user_id, "active_expires": active, "idle_expires": idle}
        await asyncio.gather(self.users.find_one({"_id": user_id}), self.sessions.insert_one(document))

    async def invalidate_session(self, session_id: str) -> None:
        await self.sessions.delete_one({"_id": session_id})

    async def get_user_sessions(self, user_id: str) -> int:
        async def sessions() -> list[dict[str, Any]]:
            return list(await self.sessions.find({"user_id": user_id}).to_list(length=None))

        user, documents = await asyncio.gather(self.users.find_one({"_id": user_id}), sessions())
        now = now_ms()
        return 0 if user is None else sum(1 for document in documents if now < document["idle_expires"])


class Server:
    """The benchmarks' client of one MongoDB-protocol server (FerretDB v1 on SQLite in
    ``.ci/run``); stores are prefixed collections in the database ``run``, which :meth:`close`
    drops."""

    #: The scale scenario stays at its small sizes here.
    large_scale = False

    def __init__(self, url: str, run: str) -> None:
        self.url, self.database_name = url, run
        self.client: Client | None = None

    async def connect(self) -> None:
        self.client = AsyncMongoClient(self.url)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.drop_database(self.database_name)
            await self.client.close()

    async def store(self, tag: str) -> tuple[Any, Floor]:
        """New collections ``<tag>_auth_user`` and so on, with Lucia's indexes."""
        assert self.client is not None, "connect() first"
        database = self.client[self.database_name]
        names = {role: f"{tag}_{name}" for role, name in DEFAULT_TABLES.items()}
        await create_indexes(database, collections=names)
        return mongodb_adapter(database, collections=names), Floor(database, names)

    async def version(self) -> str:
        """``buildInfo``: the version, and FerretDB's own when it is FerretDB."""
        assert self.client is not None
        info = await self.client.admin.command("buildInfo")
        ferret = info.get("ferretdbVersion")
        return f"{info.get('version')} (FerretDB {ferret})" if ferret else str(info.get("version"))
