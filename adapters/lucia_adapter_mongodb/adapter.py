"""The MongoDB adapter: users, keys and sessions in one MongoDB database, over pymongo's async API."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from lucia_core.drivers import missing_driver

try:
    from pymongo.errors import DuplicateKeyError
except ImportError:  # pragma: no cover - exercised in a test with pymongo hidden
    raise missing_driver("lucia_adapter_mongodb", "pymongo", "mongodb") from None

from lucia_core.adapter import Adapter, SessionAndUserReader
from lucia_core.database import KeyRow, SessionRow, UserRow
from lucia_core.errors import LuciaError

from .documents import KEY_PROJECTION, match_id, to_document, to_fields, to_key_row, to_row, to_session_row
from .features import ServerFeatures, detect_features
from .schema import MongoDatabase, check_database, collection_names
from .tokens import MongoDBTokens


async def _to_list(cursor: Any) -> list[dict[str, Any]]:
    # pymongo's aggregate() is a coroutine that returns a cursor; Motor's returns the cursor.
    if inspect.isawaitable(cursor):
        cursor = await cursor
    return list(await cursor.to_list(length=None))


class MongoDBAdapter(MongoDBTokens, Adapter, SessionAndUserReader):
    """A regular adapter (users, keys, sessions) over one MongoDB database.

    Documents are keyed by ``_id`` (rows cross the boundary with ``id``), ids are always matched
    by equality with a str, and every value is stored as data. MongoDB cannot tell that a user
    is missing, so ``set_key`` and ``set_session`` never raise ``AUTH_INVALID_USER_ID``.

    ``set_user`` with a key runs in a transaction where the deployment has them (a replica set
    or a sharded cluster); elsewhere (a standalone server, FerretDB) it stores the user, then the
    key, and deletes the user again if the key fails, so a refused key (a duplicate, say) leaves
    no user behind (though another reader may see the user for that moment). Without
    transactions this compensation needs the server: if the server becomes unreachable between
    the two inserts, the delete fails too and the user stays without its key. Use a replica set
    (a single-node one will do) where that matters. ``get_session_and_user`` is one aggregate
    with ``$lookup`` where the server has that stage, two reads elsewhere. Both are decided once,
    at first use, from the server's ``hello`` and ``buildInfo``.
    """

    def __init__(self, database: MongoDatabase, *, collections: Mapping[str, str] | None = None) -> None:
        names = collection_names(collections)
        self._database = check_database(database)
        self._names = names
        self._users: Any = database[names["user"]]
        self._keys: Any = database[names["key"]]
        self._sessions: Any = database[names["session"]]
        self._tokens: Any = database[names["token"]]
        self._features: ServerFeatures | None = None

    def __repr__(self) -> str:
        return (
            f"MongoDBAdapter(user={self._names['user']!r}, key={self._names['key']!r},"
            f" session={self._names['session']!r})"
        )

    async def server_features(self) -> ServerFeatures:
        """What the deployment supports; asked of the server once, then cached."""
        if self._features is None:
            self._features = await detect_features(self._database.client.admin)
        return self._features

    async def _insert_key(self, document: dict[str, Any], session: Any = None) -> None:
        try:
            await self._keys.insert_one(document, session=session)
        except DuplicateKeyError as error:
            if await self._is_taken_key_id(error, document["_id"]):
                raise LuciaError("AUTH_DUPLICATE_KEY_ID") from error
            raise

    async def _is_taken_key_id(self, error: DuplicateKeyError, key_id: str) -> bool:
        pattern = (error.details or {}).get("keyPattern")
        if isinstance(pattern, Mapping):
            return list(pattern) == ["_id"]
        # FerretDB names neither the index nor the key: look the id up (outside any transaction).
        return await self._keys.find_one({"_id": key_id}, projection={"_id": 1}) is not None

    async def _set_user_in_transaction(self, user: dict[str, Any], key: dict[str, Any]) -> None:
        async def insert_both(session: Any) -> None:
            await self._users.insert_one(user, session=session)
            await self._insert_key(key, session)

        session = self._database.client.start_session()
        if inspect.isawaitable(session):  # Motor's start_session() is a coroutine
            session = await session
        async with session:
            await session.with_transaction(insert_both)

    async def _update(self, collection: Any, row_id: str, partial: Mapping[str, Any]) -> None:
        fields = to_fields(partial)
        if fields:
            await collection.update_one({"_id": match_id(row_id)}, {"$set": fields})

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        document = await self._users.find_one({"_id": match_id(user_id)})
        return None if document is None else to_row(document)

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        user_document = to_document(user, with_user=False)
        if key is None:
            await self._users.insert_one(user_document)
            return
        key_document = to_document(key, with_user=True)
        if (await self.server_features()).transactions:
            await self._set_user_in_transaction(user_document, key_document)
            return
        await self._users.insert_one(user_document)
        try:
            await self._insert_key(key_document)
        except BaseException as error:
            if not isinstance(error, Exception):  # cancelled mid-insert: the key may be stored
                await self._keys.delete_one({"_id": key_document["_id"], "user_id": user_document["_id"]})
            await self._users.delete_one({"_id": user_document["_id"]})
            raise

    async def update_user(self, user_id: str, partial_user: Mapping[str, Any]) -> None:
        await self._update(self._users, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        await self._users.delete_one({"_id": match_id(user_id)})

    async def get_key(self, key_id: str) -> KeyRow | None:
        document = await self._keys.find_one({"_id": match_id(key_id)}, projection=KEY_PROJECTION)
        return None if document is None else to_key_row(document)

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        """Return every key of the user (an empty list if none)."""
        cursor = self._keys.find({"user_id": match_id(user_id, "user_id")}, projection=KEY_PROJECTION)
        return [to_key_row(document) for document in await _to_list(cursor)]

    async def set_key(self, key: KeyRow) -> None:
        await self._insert_key(to_document(key, with_user=True))

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        await self._update(self._keys, key_id, partial_key)

    async def replace_key_password(
        self, key_id: str, expected_hashed_password: str | None, hashed_password: str | None
    ) -> bool:
        # One update_one filtered on the old value: the server matches and sets in one step.
        if expected_hashed_password is not None:
            match_id(expected_hashed_password, "expected_hashed_password")
        found = {"_id": match_id(key_id), "hashed_password": expected_hashed_password}
        result = await self._keys.update_one(found, {"$set": {"hashed_password": hashed_password}})
        return bool(result.matched_count)

    async def delete_key(self, key_id: str) -> None:
        await self._keys.delete_one({"_id": match_id(key_id)})

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        """Delete every key of the user."""
        await self._keys.delete_many({"user_id": match_id(user_id, "user_id")})

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        document = await self._sessions.find_one({"_id": match_id(session_id)})
        return None if document is None else to_session_row(document)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        """Return every session of the user (an empty list if none)."""
        cursor = self._sessions.find({"user_id": match_id(user_id, "user_id")})
        return [to_session_row(document) for document in await _to_list(cursor)]

    async def set_session(self, session: SessionRow) -> None:
        await self._sessions.insert_one(to_document(session, with_user=True))

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        await self._update(self._sessions, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        await self._sessions.delete_one({"_id": match_id(session_id)})

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        """Delete every session of the user."""
        await self._sessions.delete_many({"user_id": match_id(user_id, "user_id")})

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        match_id(session_id)
        if not (await self.server_features()).lookup:
            session = await self.get_session(session_id)
            if session is None:
                return None, None
            # The stored user_id is matched as a value, like $lookup matches it: a str by plain
            # equality (which FerretDB answers from its _id index; {"$eq": ...} makes it scan the
            # whole collection), anything else, which could read as an operator, through $eq.
            stored = session["user_id"]
            user = await self._users.find_one({"_id": stored if isinstance(stored, str) else {"$eq": stored}})
            return (None, None) if user is None else (session, to_row(user))
        # The session goes under a field of its own, so no attribute name can collide.
        pipeline = [
            {"$match": {"_id": session_id}},
            {"$limit": 1},
            {"$replaceRoot": {"newRoot": {"session": "$$ROOT"}}},
            {
                "$lookup": {
                    "from": self._names["user"],
                    "localField": "session.user_id",
                    "foreignField": "_id",
                    "as": "users",
                }
            },
        ]
        found = await _to_list(self._sessions.aggregate(pipeline))
        if not found or not found[0]["users"]:
            return None, None
        return to_session_row(found[0]["session"]), to_row(found[0]["users"][0])


def is_unique_violation(error: BaseException) -> bool:
    """Whether a driver error is the server refusing a duplicate value of a unique index."""
    return isinstance(error, DuplicateKeyError)


def mongodb_adapter(
    database: MongoDatabase, *, collections: Mapping[str, str] | None = None
) -> MongoDBAdapter:
    """Create a :class:`MongoDBAdapter` over a pymongo ``AsyncDatabase`` or a Motor database.

    ``collections`` may rename any of the collections ``{"user": ..., "key": ..., "session": ...}``
    (defaults ``auth_user``, ``user_key``, ``user_session``). Raises ValueError for an unknown key
    or a name MongoDB does not allow. Apply the indexes once with :func:`create_indexes`.
    """
    return MongoDBAdapter(database, collections=collections)
