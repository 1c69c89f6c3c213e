"""lucia_adapter_mysql on a real MySQL / MariaDB server: Auth end to end, Lucia v2 data, specifics.

Every test gets its own database (``lucia_test_<random>``), dropped after it. The server comes
from ``LUCIA_MYSQL_URL``; without one the tests are skipped (see ``tests/backends.py``).
"""

from __future__ import annotations

import importlib
import json
import secrets
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import aiomysql
import pytest

from lucia_adapter_mysql import MySQLAdapter, connection_options, create_schema, mysql_adapter
from lucia_adapter_mysql.floor import Floor
from lucia_adapter_mysql.schema import statements as schema_statements
from lucia_adapter_mysql.testing import create_database as create_empty_database
from lucia_adapter_mysql.testing import drop_database, execute_statements
from lucia_core import Argon2idHasher, Auth, KeyRow, LuciaError, lucia
from lucia_core.database import DEFAULT_TABLES
from tests.backends import backend_url

pytestmark = pytest.mark.backend("mysql")

FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
HOUR_MS = 60 * 60 * 1000
DAY_MS = 24 * HOUR_MS
VECTORS = json.loads((Path(__file__).parent / "vectors" / "lucia_v2_scrypt.json").read_text())

#: The shipped schema's statements (the file is generated from them; see test_schema_files).
SHIPPED = tuple(schema_statements())
#: The test application's attribute columns: a unique username on users, a country on sessions.
TEST_COLUMNS = (
    "ALTER TABLE `auth_user` ADD COLUMN `username` VARCHAR(255) NULL, ADD UNIQUE KEY `username` (`username`)",
    "ALTER TABLE `user_session` ADD COLUMN `country` VARCHAR(255) NULL",
)

#: Lucia v2's MySQL schema exactly as its documentation gives it, plus the test application's
#: username column: the tables a Lucia v2 application already has.
LUCIA_V2_SCHEMA = (
    "CREATE TABLE auth_user (id VARCHAR(15) NOT NULL, username VARCHAR(255) NOT NULL UNIQUE,"
    " PRIMARY KEY (id))",
    "CREATE TABLE user_key (id VARCHAR(255) NOT NULL, user_id VARCHAR(15) NOT NULL,"
    " hashed_password VARCHAR(255), PRIMARY KEY (id), FOREIGN KEY (user_id) REFERENCES auth_user(id))",
    "CREATE TABLE user_session (id VARCHAR(127) NOT NULL, user_id VARCHAR(15) NOT NULL,"
    " active_expires BIGINT UNSIGNED NOT NULL, idle_expires BIGINT UNSIGNED NOT NULL,"
    " country VARCHAR(255), PRIMARY KEY (id), FOREIGN KEY (user_id) REFERENCES auth_user(id))",
)


@pytest.fixture
def server() -> dict[str, Any]:
    """Connection options for the server (no database)."""
    options = connection_options(backend_url("mysql"))
    options.pop("db", None)
    return options


@asynccontextmanager
async def fresh_database(
    server: dict[str, Any], statements: Sequence[str] = (*SHIPPED, *TEST_COLUMNS)
) -> AsyncIterator[dict[str, Any]]:
    """Options for a new database holding ``statements``, dropped on exit."""
    name = f"lucia_test_{secrets.token_hex(6)}"
    await create_empty_database(server, name)
    try:
        await execute_statements({**server, "db": name}, statements)
        yield {**server, "db": name}
    finally:
        await drop_database(server, name)


@pytest.fixture
async def database(server: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
    """Options for a database of this test's own, with the shipped schema and the test columns."""
    async with fresh_database(server) as options:
        yield options


@pytest.fixture(params=[False, True], ids=["autocommit-off", "autocommit-on"])
async def pool(database: dict[str, Any], request: pytest.FixtureRequest) -> AsyncIterator[aiomysql.Pool]:
    """An application's pool, in either autocommit mode (the adapter must not depend on it)."""
    async with aiomysql.create_pool(**database, autocommit=request.param, maxsize=4) as pool:
        yield pool


@pytest.fixture
async def raw(database: dict[str, Any]) -> AsyncIterator[Any]:
    """A connection of its own (autocommit) for writing and reading rows through the driver."""
    connection = await aiomysql.connect(**database, autocommit=True)
    yield connection
    connection.close()


def make_auth(adapter: MySQLAdapter) -> Auth:
    return lucia(
        adapter=adapter,
        password_hash=FAST_HASHER,
        get_user_attributes=lambda row: {"username": row["username"]},
        get_session_attributes=lambda row: {"country": row["country"]},
    )


async def query(connection: Any, sql: str, *parameters: Any) -> list[tuple[Any, ...]]:
    async with connection.cursor(aiomysql.Cursor) as cursor:
        await cursor.execute(sql, parameters)
        return list(await cursor.fetchall())


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def now_ms() -> int:
    return int(time.time() * 1000)


# (a) Auth end to end


async def test_auth_end_to_end(pool: aiomysql.Pool, raw: Any) -> None:
    auth = make_auth(mysql_adapter(pool))
    user = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"},
        attributes={"username": "ada"},
    )
    key = await auth.use_key("username", "ada", "correct horse")
    assert (key.user_id, key.provider_id, key.password_defined) == (user.user_id, "username", True)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_PASSWORD"):
        await auth.use_key("username", "ada", "wrong horse")

    session = await auth.create_session(user_id=user.user_id, attributes={"country": "NL"})
    validated = await auth.validate_session(session.session_id)
    assert (validated.fresh, validated.state, validated.country) == (False, "active", "NL")
    assert validated.user.username == "ada"

    # Make the session idle through the driver; validating renews both expirations and stores them.
    now = now_ms()
    await query(
        raw,
        "UPDATE user_session SET active_expires = %s, idle_expires = %s WHERE id = %s",
        now - HOUR_MS,
        now + HOUR_MS,
        session.session_id,
    )
    renewed = await auth.validate_session(session.session_id)
    assert (renewed.fresh, renewed.state) == (True, "active")
    [(active, idle)] = await query(
        raw, "SELECT active_expires, idle_expires FROM user_session WHERE id = %s", session.session_id
    )
    assert (type(active), type(idle)) == (int, int)
    assert active > now
    assert idle - active == 14 * DAY_MS
    assert renewed.active_period_expires_at == at(active)
    assert renewed.idle_period_expires_at == at(idle)

    await auth.invalidate_session(session.session_id)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_SESSION_ID"):
        await auth.validate_session(session.session_id)
    assert await query(raw, "SELECT id FROM user_session") == []

    await auth.create_session(user_id=user.user_id, attributes={"country": "JP"})
    await auth.delete_user(user.user_id)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
        await auth.get_user(user.user_id)
    for table in ("auth_user", "user_key", "user_session"):
        assert await query(raw, f"SELECT * FROM {table}") == []


# (b) Lucia v2 stored data


def lucia_v2_vector() -> tuple[str, str, str]:
    """An s2 hash made by Lucia v2, a password it accepts and one it refuses."""
    for vector in VECTORS["vectors"]:
        if vector["form"] == "s2":
            valid = [check["password"] for check in vector["checks"] if check["valid"]]
            invalid = [check["password"] for check in vector["checks"] if not check["valid"]]
            if valid and invalid:
                return vector["hash"], valid[0], invalid[0]
    raise AssertionError("no s2 vector with a valid and an invalid password")


@pytest.mark.parametrize("schema", ["lucia-v2-docs", "shipped"])
async def test_reads_data_stored_by_lucia_v2(server: dict[str, Any], schema: str) -> None:
    statements = LUCIA_V2_SCHEMA if schema == "lucia-v2-docs" else (*SHIPPED, *TEST_COLUMNS)
    async with fresh_database(server, statements) as database:
        connection = await aiomysql.connect(**database, autocommit=True)
        try:
            hashed, password, wrong_password = lucia_v2_vector()
            active = now_ms() + DAY_MS
            idle = active + 14 * DAY_MS
            session_id = "w8tq4n0m2dvh3x7k1p5s9c6b4z8y2r0fj3l7g5a1"
            # Rows exactly as Lucia v2's mysql2 adapter writes them: expirations as numbers (ms).
            await query(
                connection, "INSERT INTO auth_user (id, username) VALUES (%s, %s)", "kv2x8q0m4zj7w1a", "v2"
            )
            await query(
                connection,
                "INSERT INTO user_key (id, user_id, hashed_password) VALUES (%s, %s, %s)",
                "username:v2",
                "kv2x8q0m4zj7w1a",
                hashed,
            )
            await query(
                connection,
                "INSERT INTO user_session (id, user_id, active_expires, idle_expires, country)"
                " VALUES (%s, %s, %s, %s, %s)",
                session_id,
                "kv2x8q0m4zj7w1a",
                active,
                idle,
                "NL",
            )
            async with aiomysql.create_pool(**database) as pool:
                auth = make_auth(mysql_adapter(pool))
                with pytest.raises(LuciaError, match=r"^AUTH_INVALID_PASSWORD"):
                    await auth.use_key("username", "v2", wrong_password)
                key = await auth.use_key("username", "v2", password)
                assert key.user_id == "kv2x8q0m4zj7w1a"
                [(rehashed,)] = await query(connection, "SELECT hashed_password FROM user_key")
                assert rehashed.startswith("$argon2id$")
                await auth.use_key("username", "v2", password)  # the new hash signs in too

                session = await auth.validate_session(session_id)
                assert (session.fresh, session.state, session.country) == (False, "active", "NL")
                assert (session.user.user_id, session.user.username) == ("kv2x8q0m4zj7w1a", "v2")
                assert session.active_period_expires_at == at(active)
                assert session.idle_period_expires_at == at(idle)
        finally:
            connection.close()


# (c) MySQL specifics


@pytest.mark.parametrize("autocommit", [False, True], ids=["autocommit-off", "autocommit-on"])
@pytest.mark.parametrize("failure", ["duplicate key id", "taken username"])
async def test_connection_is_clean_after_a_failed_set_user(
    database: dict[str, Any], raw: Any, failure: str, autocommit: bool
) -> None:
    async with aiomysql.create_pool(**database, autocommit=autocommit, minsize=1, maxsize=1) as pool:
        adapter = mysql_adapter(pool)
        async with pool.acquire() as connection:
            server_session = connection.thread_id()
        await adapter.set_user(
            {"id": "owner", "username": "taken"},
            KeyRow(id="username:taken", user_id="owner", hashed_password=None),
        )
        newcomer = {"id": "newcomer", "username": "taken" if failure == "taken username" else "new"}
        key = KeyRow(
            id="username:taken" if failure == "duplicate key id" else "username:new",
            user_id="newcomer",
            hashed_password=None,
        )
        with pytest.raises(Exception) as info:  # noqa: PT011 - which one depends on the failure
            await adapter.set_user(newcomer, key)
        if failure == "duplicate key id":
            assert isinstance(info.value, LuciaError)
            assert info.value.code == "AUTH_DUPLICATE_KEY_ID"
        else:  # a taken unique attribute is the driver's own error
            assert isinstance(info.value, aiomysql.IntegrityError)
            assert info.value.args[0] == 1062  # ER_DUP_ENTRY

        async with pool.acquire() as connection:
            # The pool would have closed (and replaced) a connection left inside a transaction.
            assert connection.thread_id() == server_session
            assert not connection.get_transaction_status()
            if "MariaDB" in connection.get_server_info():
                assert await query(connection, "SELECT @@in_transaction") == [(0,)]
        assert await query(raw, "SELECT id FROM auth_user") == [("owner",)]

        # The same connection serves the next call, and what it writes is committed.
        await adapter.set_user(
            {"id": "newcomer", "username": "new"},
            KeyRow(id="username:new", user_id="newcomer", hashed_password=None),
        )
        assert sorted(await query(raw, "SELECT id FROM auth_user")) == [("newcomer",), ("owner",)]
        assert sorted(await query(raw, "SELECT id FROM user_key")) == [("username:new",), ("username:taken",)]


@pytest.mark.parametrize("autocommit", [False, True], ids=["autocommit-off", "autocommit-on"])
async def test_get_session_and_user_hands_its_connection_back_with_no_transaction_open(
    database: dict[str, Any], raw: Any, autocommit: bool
) -> None:
    """The hot-path read, written without pooled()'s context manager, keeps its guarantees: the
    one connection is reused (never closed for an open transaction), and with autocommit off each
    read ends its snapshot, so a later read sees a session another connection changed meanwhile."""
    async with aiomysql.create_pool(**database, autocommit=autocommit, minsize=1, maxsize=1) as pool:
        adapter = mysql_adapter(pool)
        async with pool.acquire() as connection:
            server_session = connection.thread_id()
        user = {"id": "reader", "username": "reader"}
        session = {"id": "s1", "user_id": "reader", "active_expires": 1, "idle_expires": 2, "country": "NL"}
        await adapter.set_user(user, None)
        await adapter.set_session(session)
        assert await adapter.get_session_and_user("s1") == (session, user)
        assert await adapter.get_session_and_user("missing") == (None, None)
        await query(raw, "UPDATE user_session SET country = 'JP' WHERE id = 's1'")
        assert await adapter.get_session_and_user("s1") == ({**session, "country": "JP"}, user)
        with pytest.raises(TypeError):  # a failing read propagates...
            await adapter.get_session_and_user(["not", "a", "string"])  # type: ignore[arg-type]
        async with pool.acquire() as connection:  # ...and still hands back a clean connection
            assert connection.thread_id() == server_session
            assert not connection.get_transaction_status()


async def test_ids_differing_only_in_case_accent_or_trailing_space_are_distinct_keys(
    pool: aiomysql.Pool,
) -> None:
    adapter = mysql_adapter(pool)
    ids = ["username:Ada", "username:ada", "username:é", "username:e", "username:e\u0301", "username:e "]
    await adapter.set_user({"id": "u1", "username": "u1"}, None)
    for index, key_id in enumerate(ids):
        await adapter.set_key(KeyRow(id=key_id, user_id="u1", hashed_password=f"hash-{index}"))
    for index, key_id in enumerate(ids):
        assert await adapter.get_key(key_id) == KeyRow(
            id=key_id, user_id="u1", hashed_password=f"hash-{index}"
        )
    await adapter.delete_key("username:ada")
    assert await adapter.get_key("username:ada") is None
    assert await adapter.get_key("username:Ada") is not None
    with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
        await adapter.set_key(KeyRow(id="username:Ada", user_id="u1", hashed_password=None))


@pytest.mark.parametrize(("active", "idle"), [(2**32 + 1, 2**53 + 1), (2**63 - 2, 2**63 - 1)])
async def test_expirations_above_2_32_round_trip_as_int(
    pool: aiomysql.Pool, raw: Any, active: int, idle: int
) -> None:
    adapter = mysql_adapter(pool)
    await adapter.set_user({"id": "u1", "username": "u1"}, None)
    session = {"id": "s1", "user_id": "u1", "active_expires": active, "idle_expires": idle, "country": None}
    await adapter.set_session(session)
    assert await adapter.get_session("s1") == session
    assert await query(raw, "SELECT active_expires, idle_expires FROM user_session") == [(active, idle)]
    stored, _ = await adapter.get_session_and_user("s1")
    assert stored == session
    assert type(stored["idle_expires"]) is int
    await adapter.update_session("s1", {"active_expires": 2**63 - 1})
    assert (await adapter.get_sessions_by_user_id("u1"))[0]["active_expires"] == 2**63 - 1


async def test_a_too_long_id_is_an_error_even_when_the_server_is_not_strict(
    database: dict[str, Any], raw: Any
) -> None:
    async with aiomysql.create_pool(**database, sql_mode="''") as pool:
        adapter = mysql_adapter(pool)
        await adapter.set_user({"id": "u1", "username": "u1"}, None)
        with pytest.raises(aiomysql.DataError):
            await adapter.set_key(KeyRow(id="username:" + "x" * 300, user_id="u1", hashed_password=None))
    assert await query(raw, "SELECT id FROM user_key") == []


async def test_get_session_and_user_splits_columns_both_tables_have(server: dict[str, Any]) -> None:
    statements = (
        *SHIPPED,
        *TEST_COLUMNS,
        "ALTER TABLE auth_user ADD COLUMN country VARCHAR(2)",
    )
    async with fresh_database(server, statements) as database:
        # A pool whose default cursor makes dicts: two "id" columns must not clobber each other.
        pool = await aiomysql.create_pool(**database, cursorclass=aiomysql.DictCursor)
        try:
            adapter = mysql_adapter(pool)
            user = {"id": "u1", "username": "ada", "country": "JP"}
            session = {"id": "s1", "user_id": "u1", "active_expires": 1, "idle_expires": 2, "country": "NL"}
            await adapter.set_user(user, None)
            await adapter.set_session(session)
            assert await adapter.get_session_and_user("s1") == (session, user)
            assert await adapter.get_session_and_user("s2") == (None, None)
        finally:
            pool.close()
            await pool.wait_closed()


async def test_create_schema_is_idempotent_honours_table_names_and_matches_the_schema_file(
    server: dict[str, Any],
) -> None:
    async with (
        fresh_database(server, SHIPPED) as shipped,
        fresh_database(server, ()) as made,
    ):
        tables = {"user": "app_user", "key": "app_key", "session": "app_session"}
        async with aiomysql.create_pool(**made) as pool:
            await create_schema(pool)
            await create_schema(pool)
            await create_schema(pool, tables=tables)
            adapter = mysql_adapter(pool, tables=tables)
            await adapter.set_user({"id": "u1"}, KeyRow(id="email:a@b.c", user_id="u1", hashed_password=None))
            assert await adapter.get_keys_by_user_id("u1") == [
                KeyRow(id="email:a@b.c", user_id="u1", hashed_password=None)
            ]
            with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
                await adapter.set_session(
                    {"id": "s1", "user_id": "nobody", "active_expires": 1, "idle_expires": 2}
                )
        first = await aiomysql.connect(**shipped)
        second = await aiomysql.connect(**made)
        try:
            for table in ("auth_user", "user_key", "user_session"):
                assert await query(first, f"SHOW CREATE TABLE {table}") == await query(
                    second, f"SHOW CREATE TABLE {table}"
                )
            [(_, ddl)] = await query(second, "SHOW CREATE TABLE user_key")
            assert "utf8mb4_nopad_bin" in ddl or "utf8mb4_0900_bin" in ddl
        finally:
            first.close()
            second.close()


async def test_table_and_column_names_are_validated(pool: aiomysql.Pool) -> None:
    for tables in ({"user": "auth user"}, {"user": "`x`"}, {"user": "a" * 65}, {"users": "auth_user"}):
        with pytest.raises(ValueError, match="table"):
            mysql_adapter(pool, tables=tables)
    adapter = mysql_adapter(pool)
    await adapter.set_user({"id": "u1", "username": "u1"}, None)
    with pytest.raises(ValueError, match="column"):
        await adapter.update_user("u1", {"username` = 'x', `id": "y"})
    with pytest.raises(ValueError, match="column"):
        await adapter.set_user({"id": "u2", "bad name": 1}, None)
    assert await adapter.get_user("u1") == {"id": "u1", "username": "u1"}


@pytest.mark.parametrize("setting", [{"use_unicode": False}, {"charset": "utf8"}], ids=["bytes", "utf8mb3"])
async def test_a_pool_without_utf8mb4_text_is_refused_with_directions(
    database: dict[str, Any], setting: dict[str, Any]
) -> None:
    async with aiomysql.create_pool(**{**database, **setting}) as pool:
        with pytest.raises(ValueError, match='charset="utf8mb4"'):
            await mysql_adapter(pool).get_user("u1")


def test_import_without_aiomysql_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in sys.modules if name.startswith("lucia_adapter_mysql")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "aiomysql", None)
    with pytest.raises(ImportError, match=r'pip install "lucia-core\[mysql\]"'):
        importlib.import_module("lucia_adapter_mysql")


async def test_the_benchmark_floor_drops_every_table_it_made_including_tokens(
    database: dict[str, Any],
) -> None:
    # Tokens reference users: dropping users first failed with IntegrityError 1451.
    async with aiomysql.create_pool(**database, autocommit=True, maxsize=2) as pool:
        await _floor_drop(pool)


async def _floor_drop(pool: aiomysql.Pool) -> None:
    tables = {role: f"floor_{name}" for role, name in DEFAULT_TABLES.items()}
    await create_schema(pool, tables=tables)
    floor = Floor(pool, tables)
    await floor.insert_users(["u1"])
    adapter = mysql_adapter(pool, tables=tables)
    await adapter.set_token({"id": "t" * 64, "user_id": "u1", "purpose": "p", "expires": 2**40})
    await floor.drop()
    async with pool.acquire() as connection, connection.cursor() as cursor:
        await cursor.execute("SHOW TABLES LIKE 'floor\\_%'")
        assert await cursor.fetchall() == ()
