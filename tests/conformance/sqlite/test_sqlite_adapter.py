"""What the SQLite adapter promises beyond the shared conformance suite."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
import sys
from pathlib import Path

import aiosqlite
import pytest

from lucia_adapter_sqlite import SQLiteAdapter, sqlite_adapter
from lucia_adapter_sqlite.adapter import _violation
from lucia_adapter_sqlite.columns import Reads
from lucia_conformance import RawDatabase, ThrowawayStore
from lucia_conformance.rows import new_key, new_session, new_user
from lucia_core.adapter import Adapter, SessionAndUserReader
from lucia_core.errors import LuciaError

BAD_NAMES = ["auth user", 'auth_user"; DROP TABLE auth_user; --', "1table", "", "main.auth_user"]


@pytest.fixture
def sqlite_connection(store: ThrowawayStore) -> aiosqlite.Connection:
    """The adapter's own connection."""
    connection: aiosqlite.Connection = store.handle
    return connection


@pytest.fixture
def database_path(store: ThrowawayStore) -> Path:
    """The store's database file."""
    return Path(store.location)


@pytest.fixture(params=["one job", "public calls"])
def read_path(
    request: pytest.FixtureRequest, lucia_adapter: SQLiteAdapter, sqlite_connection: aiosqlite.Connection
) -> str:
    """Each read path of the adapter (see lucia_adapter_sqlite.columns): one job of its own on
    aiosqlite's thread, or aiosqlite's public calls with the schema version."""
    reads = Reads(sqlite_connection, direct=request.param == "one job")
    assert reads.direct == (request.param == "one job")
    lucia_adapter._reads = reads
    return str(request.param)


@pytest.mark.asyncio
async def test_reads_take_one_job_on_the_installed_aiosqlite(lucia_adapter: SQLiteAdapter) -> None:
    # If this fails, aiosqlite changed what lucia_adapter_sqlite.columns relies on: reads still
    # work (the public path), but cost a fifth more.
    assert lucia_adapter._reads.direct


@pytest.mark.asyncio
async def test_the_adapter_is_a_regular_adapter_with_get_session_and_user(
    lucia_adapter: SQLiteAdapter,
) -> None:
    adapter: Adapter = lucia_adapter
    reader: SessionAndUserReader = lucia_adapter
    assert isinstance(adapter, Adapter)
    assert isinstance(reader, SessionAndUserReader)


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.asyncio
async def test_a_table_name_that_is_not_a_plain_identifier_raises_value_error(
    sqlite_connection: aiosqlite.Connection, name: str
) -> None:
    with pytest.raises(ValueError, match="invalid SQLite table name"):
        sqlite_adapter(sqlite_connection, tables={"session": name})


@pytest.mark.asyncio
async def test_an_unknown_table_key_raises_value_error(
    sqlite_connection: aiosqlite.Connection,
) -> None:
    with pytest.raises(ValueError, match="unknown table keys"):
        sqlite_adapter(sqlite_connection, tables={"users": "auth_user"})


@pytest.mark.parametrize("name", BAD_NAMES)
@pytest.mark.asyncio
async def test_a_column_name_that_is_not_a_plain_identifier_raises_value_error_and_writes_nothing(
    lucia_adapter: SQLiteAdapter, lucia_database: RawDatabase, name: str
) -> None:
    assert lucia_database.user is not None
    assert lucia_database.session is not None
    user = new_user()
    session = new_session(user["id"])
    await lucia_database.user.insert(user)
    await lucia_database.session.insert(session)
    with pytest.raises(ValueError, match="invalid SQLite column name"):
        await lucia_adapter.set_user({**new_user(), name: "x"}, None)
    with pytest.raises(ValueError, match="invalid SQLite column name"):
        await lucia_adapter.update_user(user["id"], {"username": "renamed", name: "x"})
    with pytest.raises(ValueError, match="invalid SQLite column name"):
        await lucia_adapter.set_session({**new_session(user["id"]), name: "x"})
    with pytest.raises(ValueError, match="invalid SQLite column name"):
        await lucia_adapter.update_session(session["id"], {name: "x"})
    assert await lucia_database.user.get_all() == [user]
    assert await lucia_database.session.get_all() == [session]


@pytest.mark.asyncio
async def test_tables_named_like_sql_keywords_work_because_names_are_quoted(
    sqlite_connection: aiosqlite.Connection,
) -> None:
    await sqlite_connection.executescript(
        """
        CREATE TABLE "select" (id TEXT NOT NULL PRIMARY KEY, "order" TEXT);
        CREATE TABLE "group" (
            id TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES "select" (id),
            hashed_password TEXT
        );
        CREATE TABLE "where" (
            id TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES "select" (id),
            active_expires INTEGER NOT NULL,
            idle_expires INTEGER NOT NULL
        );
        """
    )
    adapter = sqlite_adapter(sqlite_connection, tables={"user": "select", "key": "group", "session": "where"})
    user = {"id": "user-1", "order": "first"}
    key = new_key("user-1")
    session = {"id": "session-1", "user_id": "user-1", "active_expires": 1, "idle_expires": 2}
    await adapter.set_user(user, key)
    await adapter.set_session(session)
    await adapter.update_user("user-1", {"order": "second"})
    assert await adapter.get_key(key["id"]) == key
    assert await adapter.get_session_and_user("session-1") == (
        session,
        {"id": "user-1", "order": "second"},
    )


@pytest.mark.asyncio
async def test_get_session_and_user_splits_columns_that_both_tables_have(
    sqlite_connection: aiosqlite.Connection,
) -> None:
    # Both tables have id, username and note; the session table also has a generated column.
    await sqlite_connection.executescript(
        """
        CREATE TABLE u (id TEXT NOT NULL PRIMARY KEY, username TEXT, note TEXT);
        CREATE TABLE k (id TEXT PRIMARY KEY, user_id TEXT REFERENCES u (id), hashed_password TEXT);
        CREATE TABLE s (
            id TEXT NOT NULL PRIMARY KEY,
            user_id TEXT NOT NULL REFERENCES u (id),
            active_expires INTEGER NOT NULL,
            idle_expires INTEGER NOT NULL,
            username TEXT,
            note TEXT,
            lifetime INTEGER GENERATED ALWAYS AS (idle_expires - active_expires) VIRTUAL
        );
        """
    )
    adapter = sqlite_adapter(sqlite_connection, tables={"user": "u", "key": "k", "session": "s"})
    user = {"id": "user-1", "username": "alice", "note": None}
    session = {
        "id": "session-1",
        "user_id": "user-1",
        "active_expires": 10,
        "idle_expires": 15,
        "username": "bob",
        "note": "session note",
    }
    await adapter.set_user(user, None)
    await adapter.set_session(session)
    assert await adapter.get_session_and_user("session-1") == ({**session, "lifetime": 5}, user)


@pytest.mark.asyncio
async def test_get_session_and_user_runs_one_query(
    lucia_adapter: SQLiteAdapter, sqlite_connection: aiosqlite.Connection, read_path: str
) -> None:
    user = new_user()
    session = new_session(user["id"])
    await lucia_adapter.set_user(user, None)
    await lucia_adapter.set_session(session)
    statements: list[str] = []
    await sqlite_connection.set_trace_callback(statements.append)
    assert await lucia_adapter.get_session_and_user(session["id"]) == (session, user)
    # SQLite also traces the pragma that the table-valued function runs, as a "-- " comment.
    queries = [sql for sql in statements if not sql.startswith("-- ")]
    assert len(queries) == 1, statements


@pytest.mark.asyncio
async def test_the_adapter_switches_foreign_keys_on(
    lucia_adapter: SQLiteAdapter, sqlite_connection: aiosqlite.Connection
) -> None:
    async with sqlite_connection.execute("PRAGMA foreign_keys") as cursor:
        assert await cursor.fetchone() == (0,)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
        await lucia_adapter.set_session(new_session("no-such-user"))
    async with sqlite_connection.execute("PRAGMA foreign_keys") as cursor:
        assert await cursor.fetchone() == (1,)


@pytest.mark.parametrize("isolation_level", ["DEFERRED", None], ids=["deferred", "autocommit"])
@pytest.mark.asyncio
async def test_writes_are_committed_and_failed_ones_leave_nothing_with_either_isolation_level(
    database_path: Path, lucia_database: RawDatabase, isolation_level: str | None
) -> None:
    assert lucia_database.user is not None
    assert lucia_database.key is not None
    async with aiosqlite.connect(database_path, isolation_level=isolation_level) as connection:
        adapter = sqlite_adapter(connection)
        user = new_user()
        key = new_key(user["id"])
        await adapter.set_user(user, key)
        newcomer = new_user()
        with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
            await adapter.set_user(newcomer, new_key(newcomer["id"], key["id"]))
        assert not connection.in_transaction
    assert await lucia_database.user.get_all() == [user]
    assert await lucia_database.key.get_all() == [key]


@pytest.mark.asyncio
async def test_a_failed_write_inside_the_callers_transaction_keeps_the_callers_work(
    lucia_adapter: SQLiteAdapter, sqlite_connection: aiosqlite.Connection
) -> None:
    await sqlite_connection.execute("INSERT INTO auth_user (id, username) VALUES ('caller', 'caller')")
    assert sqlite_connection.in_transaction
    owner = new_user()
    key = new_key(owner["id"])
    await lucia_adapter.set_user(owner, key)
    with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
        await lucia_adapter.set_user(new_user(), key)
    assert sqlite_connection.in_transaction, "the adapter ended the caller's transaction"
    await sqlite_connection.commit()
    assert await lucia_adapter.get_user("caller") == {"id": "caller", "username": "caller"}
    assert await lucia_adapter.get_user(owner["id"]) == owner


@pytest.mark.asyncio
async def test_reads_never_see_a_user_that_a_failing_set_user_rolls_back(
    lucia_adapter: SQLiteAdapter,
) -> None:
    owner = new_user()
    key = new_key(owner["id"])
    await lucia_adapter.set_user(owner, key)
    newcomer = new_user()
    failing = asyncio.create_task(lucia_adapter.set_user(newcomer, {**key, "user_id": newcomer["id"]}))
    seen = []
    while not failing.done():
        seen.append(await lucia_adapter.get_user(newcomer["id"]))
    with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
        await failing
    assert seen, "set_user finished before any read"
    assert seen == [None] * len(seen)


@pytest.mark.asyncio
async def test_a_row_factory_on_the_connection_does_not_change_the_rows(
    lucia_adapter: SQLiteAdapter, sqlite_connection: aiosqlite.Connection, read_path: str
) -> None:
    sqlite_connection.row_factory = sqlite3.Row
    user = new_user()
    session = new_session(user["id"])
    await lucia_adapter.set_user(user, None)
    await lucia_adapter.set_session(session)
    assert await lucia_adapter.get_user(user["id"]) == user
    assert await lucia_adapter.get_session_and_user(session["id"]) == (session, user)


def test_importing_without_aiosqlite_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiosqlite", None)
    monkeypatch.delitem(sys.modules, "lucia_adapter_sqlite")
    monkeypatch.delitem(sys.modules, "lucia_adapter_sqlite.adapter")
    with pytest.raises(ImportError, match=r'pip install "lucia-core\[sqlite\]"'):
        importlib.import_module("lucia_adapter_sqlite")


@pytest.mark.parametrize(
    ("message", "violation"),
    [
        ("UNIQUE constraint failed: user_key.id", "id"),
        ("UNIQUE constraint failed: User_Key.id", "id"),
        ("FOREIGN KEY constraint failed", "foreign key"),
        ("UNIQUE constraint failed: user_key.hashed_password", None),
        ("UNIQUE constraint failed: auth_user.id", None),
        ("NOT NULL constraint failed: user_key.user_id", None),
    ],
)
def test_constraint_errors_are_told_apart_by_message_where_python_lacks_error_names(
    message: str, violation: str | None
) -> None:
    # Python 3.10's sqlite3 errors have no sqlite_errorname; the adapter reads the message.
    error = sqlite3.IntegrityError(message)
    assert not hasattr(error, "sqlite_errorname")
    assert _violation(error, "user_key") == violation


@pytest.mark.asyncio
@pytest.mark.parametrize("where", ["another connection", "the adapter's connection"])
async def test_reads_see_columns_added_after_their_names_were_cached(
    lucia_adapter: SQLiteAdapter,
    database_path: Path,
    sqlite_connection: aiosqlite.Connection,
    where: str,
    read_path: str,
) -> None:
    """A column added at run time shows in the very next read of every kind: the names come with
    the rows, or (the public path) are cached per read and checked against the schema version that
    the same statement returns."""
    user = new_user()
    session = new_session(user["id"])
    await lucia_adapter.set_user(user, None)
    await lucia_adapter.set_session(session)

    async def reads() -> list[object]:
        return [
            await lucia_adapter.get_user(user["id"]),
            await lucia_adapter.get_session(session["id"]),
            await lucia_adapter.get_sessions_by_user_id(user["id"]),
            await lucia_adapter.get_session_and_user(session["id"]),
            await lucia_adapter.get_user_and_sessions(user["id"]),
        ]

    assert await reads() == [user, session, [session], (session, user), (user, [session])]
    for table, column in (("user_session", "lucia_added_s"), ("auth_user", "lucia_added_u")):
        sql = f"ALTER TABLE {table} ADD COLUMN {column} TEXT DEFAULT 'x'"
        if where == "another connection":
            async with aiosqlite.connect(database_path) as other:
                await other.execute(sql)
                await other.commit()
        else:
            await sqlite_connection.execute(sql)
            await sqlite_connection.commit()
        user = {**user, "lucia_added_u": "x"} if table == "auth_user" else user
        session = {**session, "lucia_added_s": "x"} if table == "user_session" else session
        assert await reads() == [user, session, [session], (session, user), (user, [session])]
