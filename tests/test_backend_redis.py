"""lucia_adapter_redis on real servers, standalone and cluster, beyond the conformance suite.

Lucia v2 compatibility both ways, expiries (session keys at ``idle_expires``, user sets with their
last session), pruning, concurrency, round trips, error propagation, and Auth end to end with
SQLite users. Each test uses key prefixes of its own, deleted afterwards
(``tests/conformance/redis/raw_redis.py``); nothing else on the servers is touched.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
import redis.exceptions
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.connection import Connection

from lucia_adapter_redis import DEFAULT_PREFIXES, RedisSessionAdapter, redis_session_adapter
from lucia_adapter_redis.testing import (
    Client,
    SyncClient,
    connect,
    connect_sync,
    delete_prefixed_sync,
    random_prefixes,
)
from lucia_adapter_sqlite import schema_sql, sqlite_adapter
from lucia_core import Argon2idHasher, LuciaError, lucia
from lucia_core.adapter import SessionAdapter
from tests.backends import backend_url

pytestmark = pytest.mark.backend("redis")

SCHEMA = schema_sql()
DAY_MS = 24 * 60 * 60 * 1000


def now_ms() -> int:
    return int(time.time() * 1000)


def session_row(
    session_id: str, user_id: str = "u1", *, idle_in: int = DAY_MS, **attributes: Any
) -> dict[str, Any]:
    """A live session row: active for a minute less than ``idle_in`` ms, then idle."""
    idle = now_ms() + idle_in
    return {
        "id": session_id,
        "user_id": user_id,
        "active_expires": idle - 60_000,
        "idle_expires": idle,
        **attributes,
    }


@pytest.fixture(scope="module", params=["redis", "redis-cluster"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def admin(backend: str) -> Iterator[SyncClient]:
    client = connect_sync(backend_url(backend), cluster=backend == "redis-cluster")
    yield client
    client.close()


@pytest.fixture
def prefixes(admin: SyncClient) -> Iterator[dict[str, str]]:
    names = random_prefixes()
    yield names
    delete_prefixed_sync(admin, names)


@pytest.fixture(params=[False, True], ids=["bytes", "decoded"])
async def client(request: pytest.FixtureRequest, backend: str) -> AsyncIterator[Client]:
    redis_client = connect(
        backend_url(backend), cluster=backend == "redis-cluster", decode_responses=request.param
    )
    if isinstance(redis_client, RedisCluster):
        # redis-py 8.1: commands issued concurrently on a cluster client that has not yet loaded
        # the topology fail (AttributeError on a connection it closed); load it first.
        await redis_client.initialize()
    yield redis_client
    await redis_client.aclose()


@pytest.fixture
def adapter(client: Client, prefixes: dict[str, str]) -> RedisSessionAdapter:
    return redis_session_adapter(client, prefixes=prefixes)


class Keys:
    """The test's key names, and raw reads through the driver."""

    def __init__(self, client: Client, prefixes: dict[str, str]) -> None:
        self.client = client
        self.prefixes = prefixes

    def session(self, session_id: str) -> str:
        return f"{self.prefixes['session']}:{session_id}"

    def user(self, user_id: str) -> str:
        return f"{self.prefixes['user_sessions']}:{user_id}"

    async def json(self, session_id: str) -> str | None:
        value = await self.client.get(self.session(session_id))
        return value.decode() if isinstance(value, bytes) else value

    async def members(self, user_id: str) -> set[str]:
        return {
            m.decode() if isinstance(m, bytes) else m for m in await self.client.smembers(self.user(user_id))
        }

    async def expire_time(self, key: str) -> int:
        """PEXPIRETIME: the absolute expiry in ms, -1 without one, -2 for no key."""
        return int(await self.client.pexpiretime(key))


@pytest.fixture
def keys(client: Client, prefixes: dict[str, str]) -> Keys:
    return Keys(client, prefixes)


# Lucia v2 compatibility


async def test_reads_sessions_that_lucia_v2_wrote(
    adapter: RedisSessionAdapter, keys: Keys, client: Client
) -> None:
    # Lucia 2.7.7 spread the attributes first; @lucia-auth/adapter-session-redis 2.x stored
    # JSON.stringify(session) with EX = floor(idle_expires / 1000) and SADDed the id, no expiry.
    idle = now_ms() + DAY_MS
    legacy = (
        f'{{"country":"NL","id":"abc","user_id":"u1","active_expires":{idle - 60_000},"idle_expires":{idle}}}'
    )
    await client.set(keys.session("abc"), legacy, ex=idle // 1000)
    await client.sadd(keys.user("u1"), "abc")
    expected = {
        "id": "abc",
        "user_id": "u1",
        "active_expires": idle - 60_000,
        "idle_expires": idle,
        "country": "NL",
    }
    session = await adapter.get_session("abc")
    assert session == expected
    assert session is not None
    assert type(session["idle_expires"]) is int
    assert await adapter.get_sessions_by_user_id("u1") == [expected]


async def test_writes_the_json_and_set_lucia_v2_reads(adapter: RedisSessionAdapter, keys: Keys) -> None:
    row = session_row("s1", country="NL", active_expires=2**53 + 1)
    await adapter.set_session(row)
    assert await keys.json("s1") == (
        f'{{"id":"s1","user_id":"u1","active_expires":{2**53 + 1},"idle_expires":{row["idle_expires"]},'
        '"country":"NL"}'
    )
    assert await keys.members("u1") == {"s1"}


def test_default_prefixes_are_lucia_v2s() -> None:
    assert dict(DEFAULT_PREFIXES) == {
        "session": "session",
        "user_sessions": "user_sessions",
        "token": "token",
        "user_tokens": "user_tokens",
    }


def test_unknown_prefix_keys_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown prefix keys"):
        redis_session_adapter(Redis(), prefixes={"userSessions": "x"})


def test_is_a_session_adapter() -> None:
    assert isinstance(redis_session_adapter(Redis()), SessionAdapter)


# expiry of session keys


async def test_session_key_expires_at_idle_expires(
    adapter: RedisSessionAdapter, keys: Keys, client: Client
) -> None:
    row = session_row("s1", idle_in=3_600_000)
    await adapter.set_session(row)
    assert await keys.expire_time(keys.session("s1")) == row["idle_expires"]
    ttl = await client.pttl(keys.session("s1"))
    expected = row["idle_expires"] - now_ms()
    assert expected - 1_000 <= ttl <= expected + 1_000


async def test_session_past_its_idle_expires_is_not_stored(adapter: RedisSessionAdapter, keys: Keys) -> None:
    await adapter.set_session(session_row("live"))
    await adapter.set_session(session_row("s1"))
    await adapter.set_session(session_row("s1", idle_in=-1))  # replaces s1 with a dead session
    assert await adapter.get_session("s1") is None
    assert await keys.json("s1") is None
    await adapter.set_session(session_row("dead", idle_in=-1))
    assert await keys.json("dead") is None
    assert [row["id"] for row in await adapter.get_sessions_by_user_id("u1")] == ["live"]
    assert await keys.members("u1") == {"live"}


async def test_update_session_moves_the_expiry_with_idle_expires(
    adapter: RedisSessionAdapter, keys: Keys
) -> None:
    await adapter.set_session(session_row("s1", idle_in=3_600_000))
    renewed = now_ms() + 2 * DAY_MS
    await adapter.update_session("s1", {"active_expires": renewed - 60_000, "idle_expires": renewed})
    assert await keys.expire_time(keys.session("s1")) == renewed
    assert await keys.expire_time(keys.user("u1")) == renewed


async def test_update_session_of_attributes_keeps_the_expiry(
    adapter: RedisSessionAdapter, keys: Keys
) -> None:
    row = session_row("s1", country="NL")
    await adapter.set_session(row)
    await adapter.update_session("s1", {"country": "JP"})
    assert await keys.expire_time(keys.session("s1")) == row["idle_expires"]


async def test_update_session_to_a_past_idle_expires_removes_it(
    adapter: RedisSessionAdapter, keys: Keys
) -> None:
    await adapter.set_session(session_row("s1"))
    await adapter.update_session("s1", {"idle_expires": now_ms() - 1})
    assert await keys.json("s1") is None
    assert await adapter.get_sessions_by_user_id("u1") == []


# update_session: exact JSON merge, safe under concurrency


async def test_update_session_touches_only_the_named_fields_and_keeps_64_bit_ints(
    adapter: RedisSessionAdapter, keys: Keys, client: Client
) -> None:
    idle = 2**63 - 1  # the largest expiry Redis accepts
    raw = (
        f'{{"id":"s1","user_id":"u1","active_expires":{2**53 + 1},"idle_expires":{idle},'
        f'"country":"NL","n":{2**62 + 3}}}'
    )
    await client.set(keys.session("s1"), raw)
    await client.sadd(keys.user("u1"), "s1")
    await adapter.update_session("s1", {"country": "JP"})
    assert await keys.json("s1") == raw.replace('"NL"', '"JP"')
    await adapter.update_session("s1", {"active_expires": 2**53 + 3})
    assert await adapter.get_session("s1") == {
        "id": "s1",
        "user_id": "u1",
        "active_expires": 2**53 + 3,
        "idle_expires": idle,
        "country": "JP",
        "n": 2**62 + 3,
    }
    assert await keys.expire_time(keys.session("s1")) == idle


async def test_update_session_keeps_every_other_member_byte_for_byte(
    adapter: RedisSessionAdapter, keys: Keys, client: Client
) -> None:
    # Whitespace, escapes, nesting and brackets inside strings, as another writer might store them.
    raw = (
        '{ "id" : "s1", "user_id":"u1", "active_expires": 1, "idle_expires" : 9223372036854775807,'
        ' "note": "a \\"quoted\\", {comma}: [bracket]", "\\u0063ountry": "NL",'
        ' "nested": {"a": [1, {"b": "}"}], "c": null}, "big": 18446744073709551617 }'
    )
    await client.set(keys.session("s1"), raw)
    await adapter.update_session("s1", {"country": "JP", "new": ["x", 2**53 + 1]})
    stored = await keys.json("s1")
    assert stored == (
        '{ "id" : "s1", "user_id":"u1", "active_expires": 1, "idle_expires" : 9223372036854775807,'
        ' "note": "a \\"quoted\\", {comma}: [bracket]", "\\u0063ountry":"JP",'
        ' "nested": {"a": [1, {"b": "}"}], "c": null}, "big": 18446744073709551617 ,'
        f'"new":["x",{2**53 + 1}]}}'
    )
    assert json.loads(stored) == {**json.loads(raw), "country": "JP", "new": ["x", 2**53 + 1]}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
names = st.text(max_size=6).filter(lambda name: name != "id")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    stored=st.dictionaries(names, json_values, max_size=5),
    partial=st.dictionaries(names, json_values, min_size=1, max_size=3),
    indent=st.none() | st.integers(0, 2),
    ascii_only=st.booleans(),
)
async def test_update_session_merges_like_python_whatever_the_json(
    adapter: RedisSessionAdapter,
    keys: Keys,
    client: Client,
    stored: dict[str, Any],
    partial: dict[str, Any],
    indent: int | None,
    ascii_only: bool,
) -> None:
    stored.pop("user_id", None)
    partial.pop("user_id", None)
    partial.pop("idle_expires", None)
    await client.set(keys.session("s1"), json.dumps(stored, indent=indent, ensure_ascii=ascii_only))
    await adapter.update_session("s1", partial)
    assert await adapter.get_session("s1") == {**stored, **partial}


async def test_update_session_never_revives_a_session_deleted_meanwhile(
    adapter: RedisSessionAdapter, keys: Keys
) -> None:
    await adapter.set_session(session_row("s1"))
    renewal = {"idle_expires": now_ms() + 2 * DAY_MS}
    updates = [adapter.update_session("s1", {"country": str(i), **renewal}) for i in range(20)]
    await asyncio.gather(*updates[:10], adapter.delete_session("s1"), *updates[10:])
    assert await keys.json("s1") is None
    assert await keys.members("u1") == set()


async def test_concurrent_updates_of_different_fields_lose_nothing(adapter: RedisSessionAdapter) -> None:
    row = session_row("s1")
    await adapter.set_session(row)
    await asyncio.gather(*(adapter.update_session("s1", {f"a{i}": i}) for i in range(20)))
    assert await adapter.get_session("s1") == {**row, **{f"a{i}": i for i in range(20)}}


async def test_update_session_can_move_a_session_to_another_user(
    adapter: RedisSessionAdapter, keys: Keys
) -> None:
    row = session_row("s1")
    await adapter.set_session(row)
    await adapter.update_session("s1", {"user_id": "u2"})
    assert await keys.members("u1") == set()
    assert await keys.members("u2") == {"s1"}
    assert await keys.expire_time(keys.user("u2")) == row["idle_expires"]
    assert await adapter.get_sessions_by_user_id("u2") == [{**row, "user_id": "u2"}]


async def test_update_session_cannot_change_the_id(adapter: RedisSessionAdapter) -> None:
    await adapter.set_session(session_row("s1"))
    with pytest.raises(ValueError, match="id"):
        await adapter.update_session("s1", {"id": "s2"})


# the user's set: pruned, and expiring with its last session


async def test_get_sessions_by_user_id_prunes_ids_of_sessions_that_are_gone(
    adapter: RedisSessionAdapter, keys: Keys, client: Client
) -> None:
    for session_id in ("keep", "deleted", "expiring"):
        await adapter.set_session(
            session_row(session_id, idle_in=300 if session_id == "expiring" else DAY_MS)
        )
    await client.delete(keys.session("deleted"))
    await asyncio.sleep(0.5)
    assert [row["id"] for row in await adapter.get_sessions_by_user_id("u1")] == ["keep"]
    assert await keys.members("u1") == {"keep"}


async def test_get_sessions_by_user_id_never_lists_another_users_session(
    adapter: RedisSessionAdapter, keys: Keys
) -> None:
    await adapter.set_session(session_row("s1", "u1"))
    await adapter.set_session(session_row("s1", "u2"))  # the same id, stored again for u2
    assert await adapter.get_sessions_by_user_id("u1") == []
    assert await keys.members("u1") == set()
    assert [row["id"] for row in await adapter.get_sessions_by_user_id("u2")] == ["s1"]


async def test_user_set_expires_with_its_last_session(adapter: RedisSessionAdapter, keys: Keys) -> None:
    first, last = session_row("first", idle_in=3_600_000), session_row("last", idle_in=7_200_000)
    await adapter.set_session(first)
    assert await keys.expire_time(keys.user("u1")) == first["idle_expires"]
    await adapter.set_session(last)
    assert await keys.expire_time(keys.user("u1")) == last["idle_expires"]
    await adapter.set_session(session_row("short", idle_in=60_000))  # never shortens it
    assert await keys.expire_time(keys.user("u1")) == last["idle_expires"]
    await adapter.delete_session("last")  # nor does a deletion
    assert await keys.expire_time(keys.user("u1")) == last["idle_expires"]


async def test_user_set_is_gone_once_its_sessions_expired(
    adapter: RedisSessionAdapter, client: Client, keys: Keys
) -> None:
    start = now_ms()

    async def sleep_until(ms: int) -> None:
        await asyncio.sleep(max(0, ms - now_ms()) / 1000)

    await adapter.set_session(session_row("a", idle_in=300))
    await adapter.set_session(session_row("b", idle_in=1_000))
    await sleep_until(start + 500)
    assert await client.exists(keys.session("a")) == 0
    assert await client.exists(keys.user("u1")) == 1
    await sleep_until(start + 1_200)
    assert await client.exists(keys.session("b"), keys.user("u1")) == 0


async def test_a_lucia_v2_user_set_without_expiry_gets_one(
    adapter: RedisSessionAdapter, client: Client, keys: Keys
) -> None:
    await client.sadd(keys.user("u1"), "old")
    assert await keys.expire_time(keys.user("u1")) == -1
    await adapter.set_session(session_row("dead", idle_in=-1))  # a dead session leaves the set alone
    assert await keys.expire_time(keys.user("u1")) == -1
    row = session_row("new")
    await adapter.set_session(row)
    assert await keys.expire_time(keys.user("u1")) == row["idle_expires"]


async def test_delete_session_removes_its_id_from_the_user_set(
    adapter: RedisSessionAdapter, keys: Keys
) -> None:
    await adapter.set_session(session_row("s1"))
    await adapter.set_session(session_row("s2"))
    await adapter.delete_session("s1")
    assert await keys.members("u1") == {"s2"}


async def test_delete_sessions_by_user_id_deletes_the_sessions_and_the_set(
    adapter: RedisSessionAdapter, keys: Keys, client: Client
) -> None:
    await adapter.set_session(session_row("s1"))
    await adapter.set_session(session_row("s2"))
    await adapter.set_session(session_row("other", "u2"))
    await adapter.delete_sessions_by_user_id("u1")
    assert await client.exists(keys.session("s1"), keys.session("s2"), keys.user("u1")) == 0
    assert await keys.members("u2") == {"other"}


# round trips


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch, prefixes: dict[str, str]) -> Counter[str]:
    """Counts, per server, the batches of this test's commands written to it: one per round trip
    (a pipeline is one batch; a cluster pipeline one batch per node, sent concurrently). Only
    batches naming the test's keys count, not a new connection's handshake (HELLO, CLIENT ...)."""
    counter: Counter[str] = Counter()
    original = Connection.send_packed_command
    mark = prefixes["session"].rsplit(":", 1)[0].encode()

    async def send_packed_command(self: Connection, command: Any, check_health: bool = True) -> None:
        data = command.encode() if isinstance(command, str) else command
        if not isinstance(data, bytes):
            data = b"".join(bytes(chunk) for chunk in data)
        if mark in data:
            counter[f"{self.host}:{self.port}"] += 1
        await original(self, command, check_health)

    monkeypatch.setattr(Connection, "send_packed_command", send_packed_command)
    return counter


async def counted(sends: Counter[str], call: Awaitable[object]) -> tuple[int, int]:
    """(batches written in all, most written to one server) while awaiting ``call``."""
    sends.clear()
    await call
    return sum(sends.values()), max(sends.values(), default=0)


async def store(adapter: RedisSessionAdapter, user_id: str, count: int) -> None:
    await asyncio.gather(*(adapter.set_session(session_row(f"{user_id}-{i}", user_id)) for i in range(count)))


async def test_get_sessions_by_user_id_costs_the_same_round_trips_for_1_10_100_sessions(
    adapter: RedisSessionAdapter, client: Client, sends: Counter[str]
) -> None:
    for count in (1, 10, 100):
        await store(adapter, f"u{count}", count)
    await adapter.get_sessions_by_user_id("u100")  # connects to every node once, before counting
    costs = {}
    for count in (1, 10, 100):
        total, per_server = await counted(sends, adapter.get_sessions_by_user_id(f"u{count}"))
        costs[count] = (total, per_server)
        if isinstance(client, RedisCluster):  # SMEMBERS, then one batch of GETs per node
            assert total <= 1 + len(client.get_primaries()), costs
            assert per_server <= 2, costs
        else:  # SMEMBERS, MGET
            assert total == 2, costs
    print(f"get_sessions_by_user_id (batches written, most to one node) by session count: {costs}")


async def test_pruning_costs_one_more_round_trip(
    adapter: RedisSessionAdapter, client: Client, keys: Keys, sends: Counter[str]
) -> None:
    await store(adapter, "u1", 20)
    await adapter.get_sessions_by_user_id("u1")
    for i in range(10):
        await client.delete(keys.session(f"u1-{i}"))
    total, _ = await counted(sends, adapter.get_sessions_by_user_id("u1"))
    nodes = len(client.get_primaries()) if isinstance(client, RedisCluster) else 1
    assert total <= 2 + nodes
    assert len(await keys.members("u1")) == 10


async def test_round_trips_of_every_method(
    adapter: RedisSessionAdapter, client: Client, sends: Counter[str]
) -> None:
    await store(adapter, "warm", 50)  # connects to every node
    await adapter.delete_sessions_by_user_id("warm")
    cluster = isinstance(client, RedisCluster)
    costs = {
        "set_session": await counted(sends, adapter.set_session(session_row("s1"))),
        "get_session": await counted(sends, adapter.get_session("s1")),
        "update_session (attributes)": await counted(sends, adapter.update_session("s1", {"country": "JP"})),
        "update_session (renewal)": await counted(
            sends, adapter.update_session("s1", {"idle_expires": now_ms() + 2 * DAY_MS})
        ),
        "delete_session": await counted(sends, adapter.delete_session("s1")),
        "delete_session (missing)": await counted(sends, adapter.delete_session("s1")),
    }
    await store(adapter, "u1", 30)
    costs["delete_sessions_by_user_id (30)"] = await counted(sends, adapter.delete_sessions_by_user_id("u1"))
    print(
        f"round trips {'cluster' if cluster else 'standalone'} (batches written, most to one node): {costs}"
    )
    if cluster:  # each round trip writes at most one batch to any node
        expected_rounds = {
            "set_session": 2,
            "get_session": 1,
            "update_session (attributes)": 1,
            "delete_session (missing)": 1,
        }
        for name, rounds in expected_rounds.items():
            assert costs[name][0] == rounds, costs
        assert all(per_server <= 2 for _, per_server in costs.values()), costs
    else:
        assert {name: total for name, (total, _) in costs.items()} == {
            "set_session": 1,
            "get_session": 1,
            "update_session (attributes)": 1,
            "update_session (renewal)": 2,
            "delete_session": 2,
            "delete_session (missing)": 1,
            "delete_sessions_by_user_id (30)": 2,
        }


# errors


async def test_driver_errors_propagate(adapter: RedisSessionAdapter, client: Client, keys: Keys) -> None:
    await client.sadd(keys.session("s1"), "not a string")
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
        await adapter.get_session("s1")
    await client.set(keys.user("u1"), "not a set")
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
        await adapter.get_sessions_by_user_id("u1")
    with pytest.raises(redis.exceptions.ResponseError, match="WRONGTYPE"):
        await adapter.set_session(session_row("s2"))


async def test_a_lost_connection_propagates() -> None:
    unreachable = Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    adapter = redis_session_adapter(unreachable)
    with pytest.raises(redis.exceptions.ConnectionError):
        await adapter.get_session("s1")
    await unreachable.aclose()


def test_import_without_redis_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [
        name for name in sys.modules if name == "redis" or name.startswith(("redis.", "lucia_adapter_redis"))
    ]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "redis", None)
    with pytest.raises(ImportError, match=r'pip install "lucia-core\[redis\]"'):
        importlib.import_module("lucia_adapter_redis")


# Auth end to end: users in SQLite, sessions in Redis


@pytest.fixture
async def sqlite_connection(tmp_path: Path) -> AsyncIterator[aiosqlite.Connection]:
    async with aiosqlite.connect(tmp_path / "users.db") as connection:
        await connection.executescript(SCHEMA + "ALTER TABLE auth_user ADD COLUMN username TEXT;")
        await connection.commit()
        yield connection


async def test_auth_with_sqlite_users_and_redis_sessions(
    sqlite_connection: aiosqlite.Connection, adapter: RedisSessionAdapter, keys: Keys, client: Client
) -> None:
    auth = lucia(
        adapter={"user": sqlite_adapter(sqlite_connection), "session": adapter},
        password_hash=Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1),
        get_user_attributes=lambda row: {"username": row["username"]},
    )
    user = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"},
        attributes={"username": "ada"},
    )
    key = await auth.use_key("username", "ada", "correct horse")
    assert key.user_id == user.user_id
    session = await auth.create_session(user_id=user.user_id, attributes={})
    assert await keys.members(user.user_id) == {session.session_id}

    validated = await auth.validate_session(session.session_id)
    assert (validated.fresh, validated.state, validated.user.username) == (False, "active", "ada")

    # Make it idle through the driver, then validate: renewed, stored, and the key's expiry moved.
    raw = await keys.json(session.session_id)
    assert raw is not None
    stored = json.loads(raw)
    idle = now_ms() + 60_000
    stored.update(active_expires=now_ms() - 1_000, idle_expires=idle)
    await client.set(keys.session(session.session_id), json.dumps(stored), pxat=idle)
    renewed = await auth.validate_session(session.session_id)
    assert (renewed.fresh, renewed.state) == (True, "active")
    row = await adapter.get_session(session.session_id)
    assert row is not None
    assert row["active_expires"] > now_ms()
    assert row["idle_expires"] > idle
    assert row["idle_expires"] == int(renewed.idle_period_expires_at.timestamp() * 1000)
    assert await keys.expire_time(keys.session(session.session_id)) == row["idle_expires"]
    assert await keys.expire_time(keys.user(user.user_id)) == row["idle_expires"]

    second = await auth.create_session(user_id=user.user_id, attributes={})
    assert {s.session_id for s in await auth.get_all_user_sessions(user.user_id)} == {
        session.session_id,
        second.session_id,
    }
    await auth.invalidate_session(session.session_id)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_SESSION_ID"):
        await auth.validate_session(session.session_id)
    assert [s.session_id for s in await auth.get_all_user_sessions(user.user_id)] == [second.session_id]

    await auth.delete_user(user.user_id)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
        await auth.get_user(user.user_id)
    assert await client.exists(keys.session(second.session_id), keys.user(user.user_id)) == 0
