"""lucia_adapter_postgres on a real PostgreSQL server: the Auth flow end to end, Lucia v2 data,
and what is particular to asyncpg (one query per hot-path read, the statement cache, NUL).

Each test gets a schema of its own, ``lucia_test_<random>``, dropped afterwards (CASCADE).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import secrets
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from lucia_adapter_postgres import PostgresAdapter, create_schema, postgres_adapter, schema_sql
from lucia_core import Argon2idHasher, Auth, LuciaError, lucia

from .backends import backend_url

pytestmark = pytest.mark.backend("postgres")

ROOT = Path(__file__).resolve().parent.parent
FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
HOUR_MS = 60 * 60 * 1000
DAY_MS = 24 * HOUR_MS


def now_ms() -> int:
    return int(time.time() * 1000)


@pytest.fixture
def postgres_url() -> str:
    return backend_url("postgres")


@pytest.fixture
async def tables(postgres_url: str) -> AsyncIterator[dict[str, str]]:
    """Lucia's tables (plus ``username`` UNIQUE and ``country``) in a fresh schema, by role."""
    schema = f"lucia_test_{secrets.token_hex(6)}"
    names = {"user": f"{schema}.auth_user", "key": f"{schema}.user_key", "session": f"{schema}.user_session"}
    connection = await asyncpg.connect(postgres_url)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        await create_schema(connection, tables=names)
        await connection.execute(
            f'ALTER TABLE "{schema}".auth_user ADD COLUMN username TEXT UNIQUE;'
            f' ALTER TABLE "{schema}".user_session ADD COLUMN country TEXT;'
        )
        yield names
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


@pytest.fixture
async def pool(postgres_url: str) -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(postgres_url, min_size=1, max_size=4) as pool:
        yield pool


@pytest.fixture
def pg_adapter(pool: asyncpg.Pool, tables: dict[str, str]) -> PostgresAdapter:
    return postgres_adapter(pool, tables=tables)


@pytest.fixture
def pg_auth(pg_adapter: PostgresAdapter) -> Auth:
    return lucia(
        adapter=pg_adapter,
        password_hash=FAST_HASHER,
        get_user_attributes=lambda row: {"username": row["username"]},
        get_session_attributes=lambda row: {"country": row["country"]},
    )


def quoted(name: str) -> str:
    return ".".join(f'"{part}"' for part in name.split("."))


async def raw_one(pool: asyncpg.Pool, table: str, row_id: str) -> dict[str, Any] | None:
    record = await pool.fetchrow(f"SELECT * FROM {quoted(table)} WHERE id = $1", row_id)
    return None if record is None else dict(record.items())


async def raw_all(pool: asyncpg.Pool, table: str) -> list[dict[str, Any]]:
    return [dict(record.items()) for record in await pool.fetch(f"SELECT * FROM {quoted(table)}")]


def from_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


# (a) Auth end to end


async def test_auth_flow_end_to_end(pg_auth: Auth, pool: asyncpg.Pool, tables: dict[str, str]) -> None:
    user = await pg_auth.create_user(
        key={"provider_id": "username", "provider_user_id": "alice", "password": "hunter2 hunter2"},
        attributes={"username": "alice"},
    )
    assert user.username == "alice"
    key = await pg_auth.use_key("username", "alice", "hunter2 hunter2")
    assert (key.user_id, key.provider_id, key.provider_user_id) == (user.user_id, "username", "alice")

    session = await pg_auth.create_session(user_id=user.user_id, attributes={"country": "NL"})
    validated = await pg_auth.validate_session(session.session_id)
    assert (validated.session_id, validated.user.user_id, validated.country) == (
        session.session_id,
        user.user_id,
        "NL",
    )
    assert (validated.state, validated.fresh) == ("active", False)

    # Make it idle through the driver: active period over, idle period still running.
    idle_active, idle_idle = now_ms() - 1000, now_ms() + HOUR_MS
    await pool.execute(
        f"UPDATE {quoted(tables['session'])} SET active_expires = $1, idle_expires = $2 WHERE id = $3",
        idle_active,
        idle_idle,
        session.session_id,
    )
    renewed = await pg_auth.validate_session(session.session_id)
    assert (renewed.fresh, renewed.state) == (True, "active")
    stored = await raw_one(pool, tables["session"], session.session_id)
    assert stored is not None
    assert type(stored["active_expires"]) is int
    assert type(stored["idle_expires"]) is int
    assert stored["active_expires"] > now_ms() > idle_active
    assert stored["idle_expires"] > idle_idle
    assert stored["active_expires"] == to_ms(renewed.active_period_expires_at)
    assert stored["idle_expires"] == to_ms(renewed.idle_period_expires_at)

    await pg_auth.invalidate_session(session.session_id)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_SESSION_ID"):
        await pg_auth.validate_session(session.session_id)
    assert await raw_all(pool, tables["session"]) == []

    await pg_auth.delete_user(user.user_id)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
        await pg_auth.get_user(user.user_id)
    for role in ("session", "key", "user"):
        assert await raw_all(pool, tables[role]) == []


# (b) Data written by Lucia v2


def lucia_v2_vector() -> tuple[str, str, str]:
    """An s2 hash made by Lucia v2, a password it accepted and one it rejected."""
    vectors = json.loads((ROOT / "tests" / "vectors" / "lucia_v2_scrypt.json").read_text())
    for vector in vectors["vectors"]:
        if vector["form"] != "s2":
            continue
        valid = [check["password"] for check in vector["checks"] if check["valid"]]
        invalid = [check["password"] for check in vector["checks"] if not check["valid"]]
        if valid and invalid:
            return vector["hash"], valid[0], invalid[0]
    raise AssertionError("no s2 vector with a valid and an invalid check")


async def test_reads_rows_stored_by_lucia_v2(
    pg_auth: Auth, pool: asyncpg.Pool, tables: dict[str, str]
) -> None:
    hashed, password, wrong_password = lucia_v2_vector()
    user_id, session_id = "v2user0000abcde", "v2session" + "0" * 31
    active = now_ms() + DAY_MS + 123  # not a whole second: milliseconds must survive
    idle = active + 14 * DAY_MS
    # Exactly the rows Lucia v2's PostgreSQL adapter writes.
    await pool.execute(
        f"INSERT INTO {quoted(tables['user'])} (id, username) VALUES ($1, $2)", user_id, "legacy"
    )
    await pool.execute(
        f"INSERT INTO {quoted(tables['key'])} (id, user_id, hashed_password) VALUES ($1, $2, $3)",
        "username:legacy",
        user_id,
        hashed,
    )
    await pool.execute(
        f"INSERT INTO {quoted(tables['session'])} (id, user_id, active_expires, idle_expires, country)"
        " VALUES ($1, $2, $3, $4, $5)",
        session_id,
        user_id,
        active,
        idle,
        "JP",
    )

    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_PASSWORD"):
        await pg_auth.use_key("username", "legacy", wrong_password)
    assert (await raw_one(pool, tables["key"], "username:legacy") or {})["hashed_password"] == hashed

    key = await pg_auth.use_key("username", "legacy", password)
    assert key.user_id == user_id
    assert key.password_defined
    rehashed = (await raw_one(pool, tables["key"], "username:legacy") or {})["hashed_password"]
    assert rehashed.startswith("$argon2id$")
    assert (await pg_auth.use_key("username", "legacy", password)).user_id == user_id

    session = await pg_auth.validate_session(session_id)
    assert (session.user.user_id, session.user.username, session.country) == (user_id, "legacy", "JP")
    assert (session.state, session.fresh) == ("active", False)
    assert session.active_period_expires_at == from_ms(active)
    assert session.idle_period_expires_at == from_ms(idle)
    assert session.active_period_expires_at.tzinfo is not None


# (c) asyncpg specifics


@pytest.fixture
async def logged_pool(postgres_url: str) -> AsyncIterator[tuple[asyncpg.Pool, list[str]]]:
    """A one-connection pool whose connection logs every query it runs, but the pool's reset."""
    logged: list[str] = []

    async def init(connection: asyncpg.Connection) -> None:
        reset = connection.get_reset_query()
        connection.add_query_logger(
            lambda record: None if record.query == reset else logged.append(record.query)
        )

    async with asyncpg.create_pool(postgres_url, min_size=1, max_size=1, init=init) as pool:
        yield pool, logged


async def logged_queries(logged: list[str], call: Awaitable[object]) -> tuple[object, list[str]]:
    """The call's result and the queries the pool ran for it."""
    logged.clear()
    result = await call
    await asyncio.sleep(0)  # query loggers are called soon, not at once
    return result, list(logged)


async def test_get_session_and_user_runs_exactly_one_query(
    logged_pool: tuple[asyncpg.Pool, list[str]], tables: dict[str, str]
) -> None:
    pool, logged = logged_pool
    adapter = postgres_adapter(pool, tables=tables)
    user: dict[str, Any] = {"id": "one-query-user", "username": "one"}
    session: dict[str, Any] = {
        "id": "one-query-session",
        "user_id": user["id"],
        "active_expires": 2**53 + 1,
        "idle_expires": 2**63 - 1,
        "country": None,
    }
    await adapter.set_user(user, None)
    await adapter.set_session(session)

    found, queries = await logged_queries(logged, adapter.get_session_and_user(session["id"]))
    assert found == (session, user)
    assert len(queries) == 1, queries
    assert "JOIN" in queries[0]
    missing, queries = await logged_queries(logged, adapter.get_session_and_user("no-such-session"))
    assert missing == (None, None)
    assert len(queries) == 1, queries


async def test_get_session_and_user_splits_rows_right_after_columns_change(
    logged_pool: tuple[asyncpg.Pool, list[str]], tables: dict[str, str]
) -> None:
    # A migration while the application runs: the cached statement's s.* and u.* now expand
    # differently; asyncpg re-prepares it and the column count must follow.
    pool, _ = logged_pool
    adapter = postgres_adapter(pool, tables=tables)
    user: dict[str, Any] = {"id": "migrated-user", "username": "migrated"}
    session: dict[str, Any] = {
        "id": "migrated-session",
        "user_id": user["id"],
        "active_expires": 1,
        "idle_expires": 2,
        "country": "NL",
    }
    await adapter.set_user(user, None)
    await adapter.set_session(session)
    assert await adapter.get_session_and_user(session["id"]) == (session, user)
    await pool.execute(f"ALTER TABLE {quoted(tables['session'])} ADD COLUMN id_2 TEXT DEFAULT 'x'")
    await pool.execute(f"ALTER TABLE {quoted(tables['user'])} DROP COLUMN username")
    found = await adapter.get_session_and_user(session["id"])
    assert found == ({**session, "id_2": "x"}, {"id": user["id"]})
    assert found == (await adapter.get_session(session["id"]), await adapter.get_user(user["id"]))


async def test_repeated_operations_reuse_one_prepared_statement(
    logged_pool: tuple[asyncpg.Pool, list[str]], tables: dict[str, str]
) -> None:
    pool, logged = logged_pool
    adapter = postgres_adapter(pool, tables=tables)
    await adapter.set_user({"id": "cache-user", "username": "cache"}, None)
    runs = 3
    operations: list[Callable[[int], Awaitable[object]]] = [
        lambda n: adapter.set_session(
            {"id": f"s{n}", "user_id": "cache-user", "active_expires": n, "idle_expires": n, "country": "NL"}
        ),
        lambda n: adapter.get_session(f"s{n}"),
        lambda n: adapter.get_session_and_user(f"s{n}"),
        lambda n: adapter.update_session(f"s{n}", {"country": "JP", "idle_expires": n + 1}),
        lambda n: adapter.update_user("cache-user", {"username": f"cache{n}"}),
        lambda n: adapter.get_key(f"username:{n}"),
    ]
    for operation in operations:
        texts = set()
        for n in range(runs):
            _, queries = await logged_queries(logged, operation(n))
            texts.update(queries)
        assert len(texts) == 1, f"one SQL text per operation, got {texts}"
        # The pool's only connection holds that statement once, prepared once, run every time.
        records = await pool.fetch(
            "SELECT generic_plans + custom_plans AS runs FROM pg_prepared_statements WHERE statement = $1",
            texts.pop(),
        )
        assert [record["runs"] for record in records] == [runs]


@pytest.mark.parametrize(
    "call",
    [
        lambda adapter: adapter.set_user({"id": "nul\x00user", "username": "nul"}, None),
        lambda adapter: adapter.set_user({"id": "nul-user", "username": "nul\x00name"}, None),
        lambda adapter: adapter.get_user("nul\x00user"),
        lambda adapter: adapter.get_key("username:nul\x00"),
        lambda adapter: adapter.get_session("nul\x00session"),
        lambda adapter: adapter.get_session_and_user("nul\x00session"),
        lambda adapter: adapter.delete_user("nul\x00user"),
    ],
    ids=["set-id", "set-attribute", "get-user", "get-key", "get-session", "get-session-and-user", "delete"],
)
async def test_nul_in_text_raises_the_drivers_data_error_and_stores_nothing(
    pg_adapter: PostgresAdapter,
    pool: asyncpg.Pool,
    tables: dict[str, str],
    call: Callable[[PostgresAdapter], Awaitable[object]],
) -> None:
    # PostgreSQL TEXT cannot hold NUL: the server refuses it rather than truncating.
    with pytest.raises(asyncpg.CharacterNotInRepertoireError):
        await call(pg_adapter)
    assert await raw_all(pool, tables["user"]) == []


async def test_nul_in_an_update_leaves_the_row_unchanged(
    pg_adapter: PostgresAdapter, pool: asyncpg.Pool, tables: dict[str, str]
) -> None:
    user = {"id": "nul-update", "username": "before"}
    await pg_adapter.set_user(user, None)
    with pytest.raises(asyncpg.DataError):
        await pg_adapter.update_user(user["id"], {"username": "after\x00"})
    assert await raw_all(pool, tables["user"]) == [user]


async def test_a_taken_unique_attribute_raises_the_drivers_unique_violation(
    pg_adapter: PostgresAdapter, pool: asyncpg.Pool, tables: dict[str, str]
) -> None:
    await pg_adapter.set_user({"id": "first", "username": "taken"}, None)
    with pytest.raises(asyncpg.UniqueViolationError):
        await pg_adapter.set_user(
            {"id": "second", "username": "taken"},
            {"id": "username:second", "user_id": "second", "hashed_password": None},
        )
    assert [row["id"] for row in await raw_all(pool, tables["user"])] == ["first"]
    assert await raw_all(pool, tables["key"]) == []


@pytest.mark.parametrize(
    "tables",
    [
        {"user": 'auth_user"; DROP TABLE auth_user; --'},
        {"user": "a.b.c"},
        {"user": "auth.", "key": "user_key"},
        {"session": "x" * 64},
        {"session": "1session"},
        {"sessions": "user_session"},
    ],
    ids=["injection", "three-parts", "empty-part", "too-long", "leading-digit", "unknown-key"],
)
def test_invalid_table_configuration_raises_value_error(tables: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="table"):
        postgres_adapter(None, tables=tables)  # validation fails before the pool is used


@pytest.mark.parametrize("column", ['username" = NULL, "id', "user name", "", "x" * 64])
async def test_invalid_column_names_raise_value_error_and_change_nothing(
    pg_adapter: PostgresAdapter, pool: asyncpg.Pool, tables: dict[str, str], column: str
) -> None:
    user = {"id": "columns", "username": "kept"}
    await pg_adapter.set_user(user, None)
    with pytest.raises(ValueError, match="column"):
        await pg_adapter.update_user(user["id"], {column: "x"})
    with pytest.raises(ValueError, match="column"):
        await pg_adapter.set_user({"id": "other", column: "x"}, None)
    assert await raw_all(pool, tables["user"]) == [user]


async def test_create_schema_is_idempotent_and_matches_the_schema_file(
    postgres_url: str,
) -> None:
    assert (ROOT / "schemas" / "postgres.sql").read_text().endswith(schema_sql())
    schema = f"lucia_test_{secrets.token_hex(6)}"
    names = {role: f"{schema}.{name}" for role, name in [("user", "u"), ("key", "k"), ("session", "s")]}
    connection = await asyncpg.connect(postgres_url)
    try:
        await connection.execute(f'CREATE SCHEMA "{schema}"')
        await create_schema(connection, tables=names)
        await create_schema(connection, tables=names)
        indexes = await connection.fetch(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%(user_id)'",
            schema,
        )
        assert sorted(record["tablename"] for record in indexes) == ["k", "s"]
        # The file itself runs, and again, in a schema of its own.
        await connection.execute(f'SET search_path TO "{schema}"')
        for _ in range(2):
            await connection.execute((ROOT / "schemas" / "postgres.sql").read_text())
        columns = await connection.fetch(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = $1 AND table_name = 'user_session' ORDER BY ordinal_position",
            schema,
        )
        assert [(record["column_name"], record["data_type"]) for record in columns] == [
            ("id", "text"),
            ("user_id", "text"),
            ("active_expires", "bigint"),
            ("idle_expires", "bigint"),
        ]
    finally:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await connection.close()


def test_import_without_asyncpg_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)
    for name in [name for name in sys.modules if name.startswith("lucia_adapter_postgres")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r'pip install "lucia-core\[postgres\]"'):
        importlib.import_module("lucia_adapter_postgres")
