"""The MongoDB adapter: users, keys and sessions in one MongoDB database, over pymongo's async API."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

try:
    from bson.int64 import Int64
    from pymongo.errors import DuplicateKeyError
except ImportError as error:  # pragma: no cover - exercised in a test with pymongo hidden
    raise ImportError(
        'lucia_adapter_mongodb needs pymongo; install it with: pip install "lucia-core[mongodb]"'
    ) from error

from lucia_core.database import KeyRow, SessionRow, TokenRow, UserRow
from lucia_core.errors import LuciaError

#: Lucia v2's default collection names.
DEFAULT_COLLECTIONS: Mapping[str, str] = {
    "user": "auth_user",
    "key": "user_key",
    "session": "user_session",
    "token": "user_token",
}

#: The secondary indexes each collection needs (``_id`` is unique and indexed already), as
#: ``schemas/mongodb.json`` lists them; :func:`create_indexes` creates them.
INDEXES: Mapping[str, tuple[str, ...]] = {
    "user": (),
    "key": ("user_id",),
    "session": ("user_id",),
    "token": ("user_id",),
}

# MongoDB's rules for collection names: no "$", no NUL, not empty, not in the "system." namespace.
_COLLECTION_NAME = re.compile(r"[A-Za-z_][^$\x00]*")

# Fields that are not attribute columns: the id, and the version field mongoose adds to every
# document it saves (Lucia v2's mongoose adapter never returned it in a row).
_NOT_COLUMNS = frozenset({"_id", "id", "__v"})

_EXPIRATIONS = ("active_expires", "idle_expires")

# The stages of get_session_and_user's one-round-trip aggregate.
_LOOKUP_STAGES = frozenset({"$match", "$limit", "$replaceRoot", "$lookup"})


class MongoDatabase(Protocol):
    """What the adapter uses of a database: pymongo's ``AsyncDatabase`` and Motor's both fit."""

    def __getitem__(self, name: str) -> Any: ...

    @property
    def client(self) -> Any: ...


@dataclass(frozen=True)
class ServerFeatures:
    """What the deployment supports, as the adapter detects it once (``server_features()``).

    ``transactions``: multi-document transactions (a replica set or a sharded cluster).
    ``lookup``: the aggregation stages ``$lookup`` and ``$replaceRoot`` (FerretDB v1 lacks both).
    """

    transactions: bool
    lookup: bool


def _collection_names(collections: Mapping[str, str] | None = None) -> dict[str, str]:
    """The defaults updated with ``collections``, each name checked against MongoDB's rules.

    Raises ValueError for a key other than ``user``, ``key``, ``session`` or an invalid name.
    """
    names = dict(DEFAULT_COLLECTIONS)
    if collections is not None:
        unknown = set(collections) - set(DEFAULT_COLLECTIONS)
        if unknown:
            raise ValueError(
                f"unknown collection keys {sorted(unknown)}: use 'user', 'key', 'session' and 'token'"
            )
        names.update(collections)
    for kind, name in names.items():
        if not isinstance(name, str) or not _COLLECTION_NAME.fullmatch(name) or name.startswith("system."):
            raise ValueError(
                f"invalid MongoDB {kind} collection name {name!r}: a name starts with a letter or"
                " an underscore, has no '$' or NUL character and is not in the 'system.' namespace"
            )
    return names


def _id(value: object, column: str = "id") -> str:
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


def _fields(row: Mapping[str, Any]) -> dict[str, Any]:
    """Row (or partial row) to document fields; values are data, stored as given."""
    return {_field(name): value for name, value in row.items()}


def _document(row: Mapping[str, Any], *, with_user: bool) -> dict[str, Any]:
    """A row to store: its ``id`` (and, for keys and sessions, ``user_id``) must be a str."""
    _id(row.get("id"))
    if with_user:
        _id(row.get("user_id"), "user_id")
    return _fields(row)


def _value(value: Any) -> Any:
    # pymongo decodes every int64 as bson.Int64, an int subclass: a row holds the plain int given.
    return int(value) if isinstance(value, Int64) else value


def _row(document: Mapping[str, Any]) -> dict[str, Any]:
    """A stored user or session document as a row: ``_id`` is ``id``, ``__v`` is dropped."""
    row = {"id": document["_id"]}
    row.update((name, _value(value)) for name, value in document.items() if name not in _NOT_COLUMNS)
    return row


def _session_row(document: Mapping[str, Any]) -> SessionRow:
    """Like :func:`_row`; mongoose stored the expirations as doubles, a row has them as int."""
    row = _row(document)
    for column in _EXPIRATIONS:
        value = row.get(column)
        if isinstance(value, float) and value.is_integer():
            row[column] = int(value)
    return row


def _key_row(document: Mapping[str, Any]) -> KeyRow:
    return KeyRow(
        id=document["_id"],
        user_id=document["user_id"],
        hashed_password=document.get("hashed_password"),
    )


_KEY_PROJECTION = {"_id": 1, "user_id": 1, "hashed_password": 1}


async def _to_list(cursor: Any) -> list[dict[str, Any]]:
    # pymongo's aggregate() is a coroutine that returns a cursor; Motor's returns the cursor.
    if inspect.isawaitable(cursor):
        cursor = await cursor
    return list(await cursor.to_list(length=None))


class MongoDBAdapter:
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
        names = _collection_names(collections)
        self._database = database
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
            admin = self._database.client.admin
            hello = await admin.command("hello")
            build = await admin.command("buildInfo")
            # Transactions need sessions and a replica set member or a mongos router.
            transactions = "logicalSessionTimeoutMinutes" in hello and (
                "setName" in hello or hello.get("msg") == "isdbgrid"
            )
            # FerretDB lists the aggregation stages it implements; MongoDB has these since 3.4.
            stages = build.get("ferretdbFeatures", {}).get("aggregationStages")
            lookup = stages is None or _LOOKUP_STAGES.issubset(stages)
            self._features = ServerFeatures(transactions=bool(transactions), lookup=lookup)
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
        fields = _fields(partial)
        if fields:
            await collection.update_one({"_id": _id(row_id)}, {"$set": fields})

    # UserAdapter

    async def get_user(self, user_id: str) -> UserRow | None:
        """Return the user row with this id, with every attribute, or None."""
        document = await self._users.find_one({"_id": _id(user_id)})
        return None if document is None else _row(document)

    async def set_user(self, user: UserRow, key: KeyRow | None) -> None:
        """Store the user and, when given, its key, atomically (see the class docstring).

        A taken key id raises LuciaError("AUTH_DUPLICATE_KEY_ID"); other errors (a taken unique
        attribute, say) propagate as pymongo exceptions. Either way nothing is left behind, except
        without transactions when the server is lost between the inserts (see the class docstring).
        Raises TypeError for a non-str id and ValueError for an invalid column name.
        """
        user_document = _document(user, with_user=False)
        if key is None:
            await self._users.insert_one(user_document)
            return
        key_document = _document(key, with_user=True)
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
        """Set the named attributes of the user; a missing user is a no-op.

        Raises ValueError for a column name with a leading '$', a '.' or a NUL character.
        """
        await self._update(self._users, user_id, partial_user)

    async def delete_user(self, user_id: str) -> None:
        """Delete the user; a missing user is a no-op."""
        await self._users.delete_one({"_id": _id(user_id)})

    async def get_key(self, key_id: str) -> KeyRow | None:
        """Return the key row with this id, or None."""
        document = await self._keys.find_one({"_id": _id(key_id)}, projection=_KEY_PROJECTION)
        return None if document is None else _key_row(document)

    async def get_keys_by_user_id(self, user_id: str) -> list[KeyRow]:
        """Return every key of the user (an empty list if none)."""
        cursor = self._keys.find({"user_id": _id(user_id, "user_id")}, projection=_KEY_PROJECTION)
        return [_key_row(document) for document in await _to_list(cursor)]

    async def set_key(self, key: KeyRow) -> None:
        """Store the key; raises LuciaError("AUTH_DUPLICATE_KEY_ID") when the id is taken."""
        await self._insert_key(_document(key, with_user=True))

    async def update_key(self, key_id: str, partial_key: Mapping[str, Any]) -> None:
        """Set the named columns of the key; a missing key is a no-op."""
        await self._update(self._keys, key_id, partial_key)

    async def delete_key(self, key_id: str) -> None:
        """Delete the key; a missing key is a no-op."""
        await self._keys.delete_one({"_id": _id(key_id)})

    async def delete_keys_by_user_id(self, user_id: str) -> None:
        """Delete every key of the user."""
        await self._keys.delete_many({"user_id": _id(user_id, "user_id")})

    # SessionAdapter

    async def get_session(self, session_id: str) -> SessionRow | None:
        """Return the session row with this id, with every attribute, or None."""
        document = await self._sessions.find_one({"_id": _id(session_id)})
        return None if document is None else _session_row(document)

    async def get_sessions_by_user_id(self, user_id: str) -> list[SessionRow]:
        """Return every session of the user (an empty list if none)."""
        cursor = self._sessions.find({"user_id": _id(user_id, "user_id")})
        return [_session_row(document) for document in await _to_list(cursor)]

    async def set_session(self, session: SessionRow) -> None:
        """Store the session (expirations as int64); the user is not checked."""
        await self._sessions.insert_one(_document(session, with_user=True))

    async def update_session(self, session_id: str, partial_session: Mapping[str, Any]) -> None:
        """Set the named columns of the session; a missing session is a no-op."""
        await self._update(self._sessions, session_id, partial_session)

    async def delete_session(self, session_id: str) -> None:
        """Delete the session; a missing session is a no-op."""
        await self._sessions.delete_one({"_id": _id(session_id)})

    async def delete_sessions_by_user_id(self, user_id: str) -> None:
        """Delete every session of the user."""
        await self._sessions.delete_many({"user_id": _id(user_id, "user_id")})

    # TokenAdapter

    async def get_token(self, token_id: str) -> TokenRow | None:
        """Return the token row with this id, with every attribute, or None."""
        document = await self._tokens.find_one({"_id": _id(token_id)})
        return None if document is None else _row(document)

    async def get_tokens_by_user_id(self, user_id: str) -> list[TokenRow]:
        """Return every token of the user (an empty list if none)."""
        cursor = self._tokens.find({"user_id": _id(user_id, "user_id")})
        return [_row(document) for document in await _to_list(cursor)]

    async def set_token(self, token: TokenRow) -> None:
        """Store the token (``expires`` as int64); the user is not checked."""
        await self._tokens.insert_one(_document(token, with_user=True))

    async def consume_token(self, token_id: str) -> TokenRow | None:
        """Read the token, then delete it: the caller whose ``delete_one`` removed it gets the row.

        Not ``find_one_and_delete``: FerretDB's is not atomic (6 or 7 of 20 concurrent callers got
        the same document). The server's ``deleted_count`` decides, so exactly one caller wins;
        tokens are never updated, so the document read is the one deleted.
        """
        document = await self._tokens.find_one({"_id": _id(token_id)})
        if document is None:
            return None
        deleted = await self._tokens.delete_one({"_id": token_id})
        return _row(document) if deleted.deleted_count == 1 else None

    async def delete_tokens_by_user_id(self, user_id: str, purpose: str | None = None) -> None:
        """Delete every token of the user, or those of ``purpose`` only."""
        query: dict[str, Any] = {"user_id": _id(user_id, "user_id")}
        if purpose is not None:
            query["purpose"] = _id(purpose, "purpose")
        await self._tokens.delete_many(query)

    # SessionAndUserReader

    async def get_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow] | tuple[None, None]:
        """Return the session and its user, or (None, None) if either does not exist.

        One ``$lookup`` aggregate where the server has that stage, else two reads; the rows are
        the same either way.
        """
        _id(session_id)
        if not (await self.server_features()).lookup:
            session = await self.get_session(session_id)
            if session is None:
                return None, None
            # The stored user_id is matched as a value, like $lookup matches it: a str by plain
            # equality (which FerretDB answers from its _id index; {"$eq": ...} makes it scan the
            # whole collection), anything else, which could read as an operator, through $eq.
            stored = session["user_id"]
            user = await self._users.find_one({"_id": stored if isinstance(stored, str) else {"$eq": stored}})
            return (None, None) if user is None else (session, _row(user))
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
        return _session_row(found[0]["session"]), _row(found[0]["users"][0])


def mongodb_adapter(
    database: MongoDatabase, *, collections: Mapping[str, str] | None = None
) -> MongoDBAdapter:
    """Create a :class:`MongoDBAdapter` over a pymongo ``AsyncDatabase`` or a Motor database.

    ``collections`` may rename any of the collections ``{"user": ..., "key": ..., "session": ...,
    "token": ...}`` (defaults ``auth_user``, ``user_key``, ``user_session``, ``user_token``).
    Raises ValueError for an unknown key or a name MongoDB does not allow. Apply the indexes once
    with :func:`create_indexes`.
    """
    return MongoDBAdapter(database, collections=collections)


async def create_indexes(database: MongoDatabase, *, collections: Mapping[str, str] | None = None) -> None:
    """Create the indexes of ``schemas/mongodb.json`` (``user_id`` on keys, sessions and tokens).

    Idempotent: an index that exists already is left as it is. Unique indexes on user attributes
    (a username, an email) are the application's to add.
    """
    names = _collection_names(collections)
    for kind, fields in INDEXES.items():
        for field in fields:
            await database[names[kind]].create_index([(field, 1)])
