"""lucia_adapter_mongodb on a real MongoDB-protocol server (FerretDB here; MongoDB works too).

Each test gets a database of its own (``lucia_test_<random>``), dropped afterwards. The server
comes from ``LUCIA_MONGODB_URL``; without one these tests are skipped.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, cast

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure, WriteError
from pymongo.monitoring import CommandListener, CommandStartedEvent, CommandSucceededEvent

from lucia_adapter_mongodb import (
    DEFAULT_COLLECTIONS,
    INDEXES,
    MongoDatabase,
    MongoDBAdapter,
    ServerFeatures,
    create_indexes,
    mongodb_adapter,
)
from lucia_core import Argon2idHasher, Auth, LuciaError, lucia
from lucia_core.database import KeyRow
from tests.backends import backend_url

pytestmark = pytest.mark.backend("mongodb")

ROOT = Path(__file__).resolve().parent.parent
FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
DAY_MS = 24 * 60 * 60 * 1000
NAMES = DEFAULT_COLLECTIONS
#: The collections Lucia v2's documented mongoose models ("User", "Key", "Session") live in.
MONGOOSE_COLLECTIONS = {"user": "users", "key": "keys", "session": "sessions"}


def now_ms() -> int:
    return int(time.time() * 1000)


class CommandLog(CommandListener):
    """Records the names of the commands a client sends."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass


@pytest.fixture
def mongodb_url() -> str:
    return backend_url("mongodb")


@pytest.fixture
def commands() -> CommandLog:
    return CommandLog()


@pytest.fixture
async def client(mongodb_url: str, commands: CommandLog) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        mongodb_url, maxPoolSize=4, event_listeners=[commands]
    )
    async with client:
        yield client


@pytest.fixture
async def database(client: AsyncMongoClient[dict[str, Any]]) -> AsyncIterator[Any]:
    """A fresh database of this test's own (pymongo), with the adapter's indexes and a unique
    ``username`` on users; dropped afterwards."""
    name = f"lucia_test_{secrets.token_hex(6)}"
    database = client[name]
    await create_indexes(database)
    await database[NAMES["user"]].create_index("username", unique=True)
    yield database
    await client.drop_database(name)


@pytest.fixture
def adapter(database: Any) -> MongoDBAdapter:
    return mongodb_adapter(database)


@pytest.fixture
async def is_ferretdb(client: AsyncMongoClient[dict[str, Any]]) -> bool:
    return "ferretdbVersion" in await client.admin.command("buildInfo")


@pytest.fixture(params=["pymongo", "motor"])
async def driver_database(
    request: pytest.FixtureRequest, database: Any, mongodb_url: str
) -> AsyncIterator[MongoDatabase]:
    """The test's database through pymongo's AsyncMongoClient or through Motor."""
    if request.param == "pymongo":
        yield database
        return
    # Motor is not in any extra (pymongo's AsyncMongoClient replaced it): skip when it is missing.
    motor_asyncio = pytest.importorskip("motor.motor_asyncio")
    motor = motor_asyncio.AsyncIOMotorClient(mongodb_url, maxPoolSize=4)
    try:
        yield motor[database.name]
    finally:
        motor.close()


def make_auth(adapter: MongoDBAdapter) -> Auth:
    return lucia(
        adapter=adapter,
        password_hash=FAST_HASHER,
        get_user_attributes=lambda row: {"username": row.get("username")},
        get_session_attributes=lambda row: {"country": row.get("country")},
    )


async def error_from(call: Awaitable[object]) -> BaseException | None:
    try:
        await call
    except BaseException as error:
        return error
    return None


# --------------------------------------------------------------------------- end to end


async def test_auth_end_to_end_with_pymongo_and_motor(driver_database: MongoDatabase) -> None:
    auth = make_auth(mongodb_adapter(driver_database))
    users = driver_database[NAMES["user"]]
    keys = driver_database[NAMES["key"]]
    sessions = driver_database[NAMES["session"]]

    user = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "alice", "password": "correct horse"},
        attributes={"username": "alice"},
    )
    assert user.username == "alice"
    assert await users.find_one({"_id": user.user_id}) == {"_id": user.user_id, "username": "alice"}
    stored_key = await keys.find_one({"_id": "username:alice"})
    assert stored_key is not None
    assert stored_key["user_id"] == user.user_id
    assert stored_key["hashed_password"].startswith("$argon2id$")

    key = await auth.use_key("username", "alice", "correct horse")
    assert key.user_id == user.user_id
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_PASSWORD"):
        await auth.use_key("username", "alice", "wrong horse")

    session = await auth.create_session(user_id=user.user_id, attributes={"country": "NL"})
    validated = await auth.validate_session(session.session_id)
    assert (validated.state, validated.fresh, validated.user.user_id) == ("active", False, user.user_id)
    assert validated.country == "NL"

    # Make the session idle through the driver; validation renews and stores both expirations.
    idle_since = now_ms() - 1000
    await sessions.update_one(
        {"_id": session.session_id},
        {"$set": {"active_expires": idle_since, "idle_expires": idle_since + DAY_MS}},
    )
    before = now_ms()
    renewed = await auth.validate_session(session.session_id)
    assert (renewed.state, renewed.fresh) == ("active", True)
    stored = await sessions.find_one({"_id": session.session_id})
    assert stored is not None
    assert stored["active_expires"] >= before + DAY_MS - 1000
    assert stored["idle_expires"] >= stored["active_expires"] + 13 * DAY_MS
    assert stored["active_expires"] == int(renewed.active_period_expires_at.timestamp() * 1000)
    assert stored["idle_expires"] == int(renewed.idle_period_expires_at.timestamp() * 1000)

    await auth.invalidate_session(session.session_id)
    assert await sessions.find_one({"_id": session.session_id}) is None
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_SESSION_ID"):
        await auth.validate_session(session.session_id)

    await auth.create_session(user_id=user.user_id, attributes={"country": "JP"})
    await auth.delete_user(user.user_id)
    for collection in (users, keys, sessions):
        assert await collection.count_documents({}) == 0


# --------------------------------------------------------------------------- Lucia v2 data


def lucia_v2_vector() -> tuple[str, str]:
    """An s2 hash made by Lucia v2 and the password its checks say is valid."""
    vectors = json.loads((ROOT / "tests" / "vectors" / "lucia_v2_scrypt.json").read_text())
    for vector in vectors["vectors"]:
        if vector["form"] == "s2":
            valid = [check["password"] for check in vector["checks"] if check["valid"]]
            if valid:
                return vector["hash"], valid[0]
    raise AssertionError("no s2 vector with a valid password")


async def test_documents_written_by_lucia_v2_mongoose_adapter_are_read_and_upgraded(
    database: Any,
) -> None:
    # Exactly what @lucia-auth/adapter-mongoose (Lucia v2) stored with its documented models:
    # string _id, mongoose's __v, a key without a password has no hashed_password field, and
    # the expirations are JS numbers, which the BSON serializer writes as doubles.
    hashed, password = lucia_v2_vector()
    active = now_ms() + DAY_MS
    idle = active + 14 * DAY_MS
    user_id, session_id = "lucia2userid001", "lucia2sessionid0000000000000000000000001"
    users, keys, sessions = (database[MONGOOSE_COLLECTIONS[kind]] for kind in ("user", "key", "session"))
    await users.insert_one({"_id": user_id, "username": "v2user", "__v": 0})
    await keys.insert_one({"_id": "username:v2user", "user_id": user_id, "hashed_password": hashed, "__v": 0})
    await keys.insert_one({"_id": "github:4242", "user_id": user_id, "__v": 0})
    await sessions.insert_one(
        {"_id": session_id, "user_id": user_id, "active_expires": float(active),
         "idle_expires": float(idle), "__v": 0}
    )  # fmt: skip
    adapter = mongodb_adapter(database, collections=MONGOOSE_COLLECTIONS)
    auth = make_auth(adapter)

    assert await adapter.get_user(user_id) == {"id": user_id, "username": "v2user"}
    assert await adapter.get_key("github:4242") == {
        "id": "github:4242",
        "user_id": user_id,
        "hashed_password": None,
    }
    row = await adapter.get_session(session_id)
    assert row == {"id": session_id, "user_id": user_id, "active_expires": active, "idle_expires": idle}
    assert row is not None
    assert (type(row["active_expires"]), type(row["idle_expires"])) == (int, int)

    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_PASSWORD"):
        await auth.use_key("username", "v2user", password + "x")
    key = await auth.use_key("username", "v2user", password)
    assert key.user_id == user_id
    upgraded = await keys.find_one({"_id": "username:v2user"})
    assert upgraded is not None
    assert upgraded["hashed_password"].startswith("$argon2id$")
    assert upgraded["__v"] == 0
    assert (await auth.use_key("username", "v2user", password)).user_id == user_id
    assert (await auth.use_key("github", "4242", None)).password_defined is False

    session = await auth.validate_session(session_id)
    assert (session.state, session.fresh, session.user.username) == ("active", False, "v2user")
    assert session.active_period_expires_at == datetime.fromtimestamp(active / 1000, timezone.utc)
    assert session.idle_period_expires_at == datetime.fromtimestamp(idle / 1000, timezone.utc)
    assert session.active_period_expires_at.tzinfo is not None


# --------------------------------------------------------------------------- values and names

STRING_VALUES = ['{"$ne": null}', "$where", "$ne", "a.b$c", "$gt.x", "null\x00byte", "ユーザー"]


@pytest.mark.parametrize("value", STRING_VALUES)
async def test_string_attribute_values_round_trip_verbatim(
    adapter: MongoDBAdapter, database: Any, value: str
) -> None:
    user = {"id": value, "username": value, "bio": value}
    await adapter.set_user(user, {"id": f"{value}:{value}", "user_id": value, "hashed_password": value})
    assert await adapter.get_user(value) == user
    assert await adapter.get_key(f"{value}:{value}") == {
        "id": f"{value}:{value}",
        "user_id": value,
        "hashed_password": value,
    }
    await adapter.update_user(value, {"bio": value + value})
    assert await adapter.get_user(value) == {**user, "bio": value + value}
    session = {"id": value, "user_id": value, "active_expires": 1, "idle_expires": 2, "country": value}
    await adapter.set_session(session)
    assert await adapter.get_session_and_user(value) == (session, {**user, "bio": value + value})
    assert await database[NAMES["user"]].find_one({"_id": value}) == {
        "_id": value,
        "username": value,
        "bio": value + value,
    }


async def test_an_operator_like_dict_value_is_data_never_a_query(
    adapter: MongoDBAdapter, database: Any, is_ferretdb: bool
) -> None:
    # pymongo sends insert and $set values as data. MongoDB (5.0+) stores {"$ne": None} as a
    # nested document; FerretDB v1 refuses any "$" key inside a document with a WriteError,
    # which propagates, and nothing is stored.
    other = {"id": "other", "username": "other"}
    await adapter.set_user(other, None)
    user = {"id": "u1", "username": "u1", "filter": {"$ne": None}}
    error = await error_from(adapter.set_user(user, None))
    if is_ferretdb:
        assert isinstance(error, WriteError), error
        assert await database[NAMES["user"]].count_documents({}) == 1
        error = await error_from(adapter.update_user("other", {"filter": {"$ne": None}}))
        assert isinstance(error, WriteError), error
        assert await adapter.get_user("other") == other
    else:
        assert error is None
        assert await adapter.get_user("u1") == user
        await adapter.update_user("other", {"filter": {"$ne": None}})
        assert await adapter.get_user("other") == {**other, "filter": {"$ne": None}}
    assert await adapter.get_user('{"$ne": null}') is None


BAD_NAMES = ["$where", "$set", "a.b", ".", "nul\x00", "", "_id"]


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_attribute_names_with_a_leading_dollar_or_a_dot_raise_value_error(
    adapter: MongoDBAdapter, database: Any, name: str
) -> None:
    await adapter.set_user({"id": "u1", "username": "u1"}, None)
    await adapter.set_session({"id": "s1", "user_id": "u1", "active_expires": 1, "idle_expires": 2})
    calls: list[Callable[[], Awaitable[None]]] = [
        lambda: adapter.set_user({"id": "u2", name: "x"}, None),
        lambda: adapter.set_user(
            {"id": "u3"},
            cast(KeyRow, {"id": "k:3", "user_id": "u3", "hashed_password": None, name: "x"}),
        ),
        lambda: adapter.update_user("u1", {name: "x"}),
        lambda: adapter.update_key("k:1", {name: "x"}),
        lambda: adapter.set_session(
            {"id": "s2", "user_id": "u1", "active_expires": 1, "idle_expires": 2, name: 1}
        ),
        lambda: adapter.update_session("s1", {name: "x"}),
    ]
    for call in calls:
        with pytest.raises(ValueError, match="invalid column name"):
            await call()
    assert await database[NAMES["user"]].count_documents({}) == 1
    assert await database[NAMES["key"]].count_documents({}) == 0
    assert await database[NAMES["session"]].count_documents({}) == 1
    assert await adapter.get_user("u1") == {"id": "u1", "username": "u1"}


NOT_STR_IDS: list[Any] = [{"$ne": None}, {"$gt": ""}, 1, None, ["a"], b"a"]
ID_METHODS = [
    "get_user", "delete_user", "get_key", "get_keys_by_user_id", "delete_key",
    "delete_keys_by_user_id", "get_session", "get_sessions_by_user_id", "delete_session",
    "delete_sessions_by_user_id", "get_session_and_user",
]  # fmt: skip


@pytest.mark.parametrize("method", ID_METHODS)
@pytest.mark.parametrize("bad_id", NOT_STR_IDS, ids=repr)
async def test_a_non_str_id_raises_type_error_and_touches_nothing(
    adapter: MongoDBAdapter, database: Any, method: str, bad_id: Any
) -> None:
    await adapter.set_user(
        {"id": "u1", "username": "u1"}, {"id": "k:1", "user_id": "u1", "hashed_password": None}
    )
    await adapter.set_session({"id": "s1", "user_id": "u1", "active_expires": 1, "idle_expires": 2})
    with pytest.raises(TypeError, match="must be a str"):
        await getattr(adapter, method)(bad_id)
    for kind in ("user", "key", "session"):
        assert await database[NAMES[kind]].count_documents({}) == 1


@pytest.mark.parametrize("bad_id", NOT_STR_IDS, ids=repr)
async def test_non_str_ids_in_rows_and_updates_raise_type_error(
    adapter: MongoDBAdapter, database: Any, bad_id: Any
) -> None:
    await adapter.set_user({"id": "u1", "username": "u1"}, None)
    calls: list[Callable[[], Awaitable[None]]] = [
        lambda: adapter.set_user({"id": bad_id}, None),
        lambda: adapter.set_user({"id": "u2"}, {"id": "k:2", "user_id": bad_id, "hashed_password": None}),
        lambda: adapter.set_key({"id": bad_id, "user_id": "u1", "hashed_password": None}),
        lambda: adapter.set_session({"id": "s1", "user_id": bad_id, "active_expires": 1, "idle_expires": 2}),
        lambda: adapter.update_user(bad_id, {"username": "x"}),
        lambda: adapter.update_key(bad_id, {"hashed_password": None}),
        lambda: adapter.update_session(bad_id, {"country": "x"}),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="must be a str"):
            await call()
    assert await adapter.get_user("u1") == {"id": "u1", "username": "u1"}
    assert await database[NAMES["user"]].count_documents({}) == 1


@pytest.mark.parametrize(
    "collections",
    [{"user": "a$b"}, {"user": ""}, {"key": "nul\x00"}, {"session": "system.users"}, {"session": "1abc"},
     {"user": 3}, {"users": "auth_user"}],
    ids=repr,
)  # fmt: skip
def test_invalid_collection_configuration_raises_value_error(
    database: Any, collections: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match="collection"):
        mongodb_adapter(database, collections=collections)


async def test_renamed_collections_are_used(database: Any) -> None:
    names = {"user": "people", "key": "people.keys", "session": "_sessions"}
    adapter = mongodb_adapter(database, collections=names)
    await adapter.set_user({"id": "u1"}, {"id": "k:1", "user_id": "u1", "hashed_password": None})
    await adapter.set_session({"id": "s1", "user_id": "u1", "active_expires": 1, "idle_expires": 2})
    for kind, name in names.items():
        assert await database[name].count_documents({}) == 1, kind
    assert await adapter.get_session_and_user("s1") == (
        {"id": "s1", "user_id": "u1", "active_expires": 1, "idle_expires": 2},
        {"id": "u1"},
    )


# --------------------------------------------------------------------------- set_user atomicity


async def test_features_are_detected_once_ferretdb_has_neither_transactions_nor_lookup(
    adapter: MongoDBAdapter, commands: CommandLog, is_ferretdb: bool
) -> None:
    commands.names.clear()
    features = await adapter.server_features()
    assert await adapter.server_features() is features
    await adapter.set_user(
        {"id": "u1", "username": "u1"}, {"id": "k:1", "user_id": "u1", "hashed_password": None}
    )
    await adapter.set_session({"id": "s1", "user_id": "u1", "active_expires": 1, "idle_expires": 2})
    for _ in range(3):
        await adapter.get_session_and_user("s1")
    assert commands.names.count("hello") == 1
    assert commands.names.count("buildInfo") == 1
    if is_ferretdb:
        assert features == ServerFeatures(transactions=False, lookup=False, atomic_updates=False)


async def test_set_user_without_transactions_deletes_the_user_again_when_the_key_is_taken(
    adapter: MongoDBAdapter, database: Any, is_ferretdb: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if is_ferretdb:  # the compensation path is the one in use
        assert (await adapter.server_features()).transactions is False
    else:
        monkeypatch.setattr(adapter, "server_features", _features(transactions=False, lookup=True))
    await adapter.set_user(
        {"id": "owner", "username": "owner"}, {"id": "k:1", "user_id": "owner", "hashed_password": "h"}
    )
    with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
        await adapter.set_user(
            {"id": "newcomer", "username": "newcomer"},
            {"id": "k:1", "user_id": "newcomer", "hashed_password": None},
        )
    assert await adapter.get_user("newcomer") is None
    assert [doc["_id"] async for doc in database[NAMES["user"]].find({})] == ["owner"]
    assert await adapter.get_key("k:1") == {"id": "k:1", "user_id": "owner", "hashed_password": "h"}


async def test_set_user_without_transactions_deletes_the_user_again_on_any_key_error(
    adapter: MongoDBAdapter, database: Any, is_ferretdb: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not is_ferretdb:
        monkeypatch.setattr(adapter, "server_features", _features(transactions=False, lookup=True))
    # An int beyond 64 bits cannot be encoded: the key insert fails with the driver's error.
    error = await error_from(
        adapter.set_user(
            {"id": "u1", "username": "u1"},
            cast(KeyRow, {"id": "k:1", "user_id": "u1", "hashed_password": 2**64}),
        )
    )
    assert isinstance(error, OverflowError), error
    assert await database[NAMES["user"]].count_documents({}) == 0
    assert await database[NAMES["key"]].count_documents({}) == 0


async def test_the_transaction_path_with_pymongo_and_motor(
    driver_database: MongoDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    adapter = mongodb_adapter(driver_database)
    users = driver_database[NAMES["user"]]
    if (await adapter.server_features()).transactions:
        await adapter.set_user(
            {"id": "u1", "username": "u1"}, {"id": "k:1", "user_id": "u1", "hashed_password": None}
        )
        with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
            await adapter.set_user(
                {"id": "u2", "username": "u2"}, {"id": "k:1", "user_id": "u2", "hashed_password": None}
            )
        assert [doc["_id"] async for doc in users.find({})] == ["u1"]
        return
    # No transactions here (FerretDB v1: OperationFailure code 9 FailedToParse, 'insert: unknown
    # field "startTransaction"'; a standalone mongod: code 20 IllegalOperation). Forced, the
    # transaction reaches the server, its error propagates and nothing is stored.
    monkeypatch.setattr(adapter, "server_features", _features(transactions=True, lookup=False))
    error = await error_from(
        adapter.set_user(
            {"id": "u1", "username": "u1"}, {"id": "k:1", "user_id": "u1", "hashed_password": None}
        )
    )
    assert isinstance(error, OperationFailure), error
    assert error.code in (9, 20), error.details
    assert await users.count_documents({}) == 0


async def test_a_duplicate_on_another_unique_index_of_the_key_collection_propagates(
    adapter: MongoDBAdapter, database: Any
) -> None:
    await database[NAMES["key"]].create_index("hashed_password", unique=True)
    await adapter.set_key({"id": "k:1", "user_id": "u1", "hashed_password": "same"})
    error = await error_from(adapter.set_key({"id": "k:2", "user_id": "u1", "hashed_password": "same"}))
    assert error is not None
    assert not isinstance(error, LuciaError), error
    with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
        await adapter.set_key({"id": "k:1", "user_id": "u2", "hashed_password": "other"})


# --------------------------------------------------------------------------- get_session_and_user


def _features(*, transactions: bool, lookup: bool) -> Callable[[], Awaitable[ServerFeatures]]:
    async def server_features() -> ServerFeatures:
        return ServerFeatures(transactions=transactions, lookup=lookup, atomic_updates=True)

    return server_features


async def test_both_get_session_and_user_paths_return_the_same_rows(
    adapter: MongoDBAdapter, database: Any, is_ferretdb: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = {"id": "u1", "username": "u1", "big": 2**40, "none": None, "session": "not the session"}
    session = {"id": "s1", "user_id": "u1", "active_expires": 2**53 + 1, "idle_expires": 2**63 - 1,
               "country": "NL", "users": "not the users"}  # fmt: skip
    await adapter.set_user(user, None)
    await adapter.set_session(session)
    await adapter.set_session({"id": "orphan", "user_id": "gone", "active_expires": 1, "idle_expires": 2})
    await database[NAMES["session"]].update_one({"_id": "s1"}, {"$set": {"__v": 0}})

    results = {}
    for lookup in (False, True):
        monkeypatch.setattr(adapter, "server_features", _features(transactions=False, lookup=lookup))
        if lookup and is_ferretdb:
            # FerretDB v1: OperationFailure code 238 (NotImplemented), '`aggregate` stage
            # "$replaceRoot" is not implemented yet' (and the same for "$lookup").
            with pytest.raises(OperationFailure, match="is not implemented yet") as raised:
                await adapter.get_session_and_user("s1")
            assert raised.value.code == 238
            continue
        results[lookup] = [
            await adapter.get_session_and_user(session_id) for session_id in ("s1", "orphan", "none")
        ]
    expected = [(session, user), (None, None), (None, None)]
    for found in results.values():
        assert found == expected
        session_row = found[0][0]
        assert session_row is not None
        assert (type(session_row["active_expires"]), type(session_row["idle_expires"])) == (int, int)
        assert type(found[0][1]["big"]) is int  # type: ignore[index]


# --------------------------------------------------------------------------- schema and packaging


def test_schema_file_lists_the_indexes_create_indexes_creates() -> None:
    schema = json.loads((ROOT / "schemas" / "mongodb.json").read_text())
    for kind, spec in schema["collections"].items():
        assert spec["name"] == DEFAULT_COLLECTIONS[kind]
        assert [list(index["key"]) for index in spec["indexes"]] == [[field] for field in INDEXES[kind]]
        assert all(index["name"] == f"{next(iter(index['key']))}_1" for index in spec["indexes"])


async def test_create_indexes_is_idempotent(database: Any) -> None:
    await create_indexes(database)
    await create_indexes(database)
    for kind in ("key", "session"):
        indexes = await database[NAMES[kind]].index_information()
        assert indexes["user_id_1"]["key"] == [("user_id", 1)]
        assert sorted(indexes) == ["_id_", "user_id_1"]


def test_importing_without_pymongo_names_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['pymongo'] = sys.modules['bson'] = None\n"
        "try:\n"
        "    import lucia_adapter_mongodb\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert 'pip install "lucia-core[mongodb]"' in result.stdout
