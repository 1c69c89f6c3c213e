"""Session lifecycle: active / idle / dead, idle reset, get vs validate, listing and cleanup."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import aiosqlite
import pytest

from lucia_core import Auth, LuciaError, join_adapters
from lucia_core.expiration import now_ms

from .conftest import RecordingAdapter

HOUR = 3_600_000


async def store_session(
    conn: aiosqlite.Connection, session_id: str, user_id: str, active: int, idle: int
) -> None:
    await conn.execute(
        "INSERT INTO user_session (id, user_id, active_expires, idle_expires, country)"
        " VALUES (?, ?, ?, ?, ?)",
        (session_id, user_id, active, idle, "NL"),
    )
    await conn.commit()


async def stored_expirations(conn: aiosqlite.Connection, session_id: str) -> tuple[int, int]:
    async with conn.execute(
        "SELECT active_expires, idle_expires FROM user_session WHERE id = ?", (session_id,)
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return row[0], row[1]


@pytest.fixture
async def user_id(auth: Auth) -> str:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    return user.user_id


async def test_create_session_has_lucia_shape(auth: Auth, user_id: str) -> None:
    session = await auth.create_session(user_id=user_id, attributes={"country": "NL"})
    assert len(session.session_id) == 40
    assert set(session.session_id) <= set("abcdefghijklmnopqrstuvwxyz0123456789")
    assert session.state == "active"
    assert session.user.user_id == user_id
    assert session.user.username == "ada"
    assert session.country == "NL"
    assert session.attributes["country"] == "NL"
    assert session.active_period_expires_at.tzinfo is not None
    active_ms = session.active_period_expires_at.timestamp() * 1000
    idle_ms = session.idle_period_expires_at.timestamp() * 1000
    assert abs(active_ms - (now_ms() + 24 * HOUR)) < 5_000
    assert abs(idle_ms - active_ms - 14 * 24 * HOUR) < 2


async def test_create_session_for_unknown_user_is_invalid_user_id(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    with pytest.raises(LuciaError) as info:
        await auth.create_session(user_id="nobody", attributes={})
    assert info.value.code == "AUTH_INVALID_USER_ID"
    async with connection.execute("SELECT COUNT(*) FROM user_session") as cursor:
        assert await cursor.fetchone() == (0,)


async def test_create_session_with_custom_id(auth: Auth, user_id: str) -> None:
    session = await auth.create_session(user_id=user_id, attributes={}, session_id="my-own-id")
    assert (await auth.validate_session("my-own-id")).session_id == session.session_id


async def test_validate_active_session_makes_one_adapter_call_and_no_write(
    auth: Auth, adapter: RecordingAdapter, user_id: str
) -> None:
    session = await auth.create_session(user_id=user_id, attributes={"country": "NL"})
    adapter.calls.clear()
    validated = await auth.validate_session(session.session_id)
    assert adapter.calls == ["get_session_and_user"]
    assert validated.fresh is False
    assert validated.state == "active"
    assert validated.session_id == session.session_id
    assert validated.user.username == "ada"


async def test_validate_idle_session_renews_both_expirations_and_is_fresh(
    auth: Auth, connection: aiosqlite.Connection, user_id: str
) -> None:
    now = now_ms()
    await store_session(connection, "idle-session", user_id, now - HOUR, now + HOUR)
    session = await auth.validate_session("idle-session")
    assert session.fresh is True
    assert session.state == "active"
    active, idle = await stored_expirations(connection, "idle-session")
    assert abs(active - (now + 24 * HOUR)) < 5_000
    assert idle - active == 14 * 24 * HOUR
    assert int(session.active_period_expires_at.timestamp() * 1000) == active
    assert int(session.idle_period_expires_at.timestamp() * 1000) == idle
    # Renewed: validating again is the active path.
    assert (await auth.validate_session("idle-session")).fresh is False


async def test_concurrent_validations_of_an_idle_session_renew_once(
    auth: Auth, adapter: RecordingAdapter, connection: aiosqlite.Connection, user_id: str
) -> None:
    now = now_ms()
    await store_session(connection, "idle-session", user_id, now - HOUR, now + HOUR)
    adapter.calls.clear()
    sessions = await asyncio.gather(*(auth.validate_session("idle-session") for _ in range(50)))
    assert adapter.calls.count("update_session") == 1
    stored = await stored_expirations(connection, "idle-session")
    for session in sessions:
        assert int(session.active_period_expires_at.timestamp() * 1000) == stored[0]


@pytest.mark.parametrize(
    ("active_offset", "idle_offset"),
    [(-2 * HOUR, -HOUR), (-HOUR, 0)],
    ids=["dead", "idle-ends-now"],
)
async def test_dead_session_is_invalid_session_id(
    auth: Auth, connection: aiosqlite.Connection, user_id: str, active_offset: int, idle_offset: int
) -> None:
    now = now_ms()
    await store_session(connection, "old", user_id, now + active_offset, now + idle_offset)
    for method in (auth.validate_session, auth.get_session):
        with pytest.raises(LuciaError) as info:
            await method("old")
        assert info.value.code == "AUTH_INVALID_SESSION_ID"


async def test_missing_or_empty_session_id_is_invalid_session_id(auth: Auth) -> None:
    for session_id in ("", "x" * 40):
        with pytest.raises(LuciaError) as info:
            await auth.validate_session(session_id)
        assert info.value.code == "AUTH_INVALID_SESSION_ID"


async def test_get_session_never_renews(auth: Auth, connection: aiosqlite.Connection, user_id: str) -> None:
    now = now_ms()
    await store_session(connection, "idle-session", user_id, now - HOUR, now + HOUR)
    session = await auth.get_session("idle-session")
    assert session.state == "idle"
    assert session.fresh is False
    assert await stored_expirations(connection, "idle-session") == (now - HOUR, now + HOUR)


async def test_get_all_user_sessions_returns_live_sessions_only(
    auth: Auth, connection: aiosqlite.Connection, user_id: str
) -> None:
    now = now_ms()
    await store_session(connection, "active", user_id, now + HOUR, now + 2 * HOUR)
    await store_session(connection, "idle", user_id, now - HOUR, now + HOUR)
    await store_session(connection, "dead", user_id, now - 2 * HOUR, now - HOUR)
    sessions = await auth.get_all_user_sessions(user_id)
    assert {(s.session_id, s.state) for s in sessions} == {("active", "active"), ("idle", "idle")}


async def test_get_all_user_sessions_reads_user_and_sessions_in_one_adapter_call(
    auth: Auth, adapter: RecordingAdapter, connection: aiosqlite.Connection, user_id: str
) -> None:
    now = now_ms()
    await store_session(connection, "active", user_id, now + HOUR, now + 2 * HOUR)
    await store_session(connection, "dead", user_id, now - 2 * HOUR, now - HOUR)
    adapter.calls.clear()
    sessions = await auth.get_all_user_sessions(user_id)
    assert adapter.calls == ["get_user_and_sessions"]
    assert [(s.session_id, s.state, s.country, s.user.username) for s in sessions] == [
        ("active", "active", "NL", "ada")
    ]
    assert sessions[0].active_period_expires_at.timestamp() * 1000 == now + HOUR
    assert sessions[0].idle_period_expires_at.timestamp() * 1000 == now + 2 * HOUR
    adapter.calls.clear()
    with pytest.raises(LuciaError) as info:
        await auth.get_all_user_sessions("nobody")
    assert info.value.code == "AUTH_INVALID_USER_ID"
    assert adapter.calls == ["get_user_and_sessions"]


async def test_get_all_user_sessions_of_unknown_user_is_invalid_user_id(auth: Auth) -> None:
    with pytest.raises(LuciaError) as info:
        await auth.get_all_user_sessions("nobody")
    assert info.value.code == "AUTH_INVALID_USER_ID"


async def test_delete_dead_user_sessions_deletes_only_dead_ones(
    auth: Auth, connection: aiosqlite.Connection, user_id: str
) -> None:
    now = now_ms()
    await store_session(connection, "live", user_id, now + HOUR, now + 2 * HOUR)
    await store_session(connection, "dead-1", user_id, now - 2 * HOUR, now - HOUR)
    await store_session(connection, "dead-2", user_id, now - 3 * HOUR, now - 2 * HOUR)
    await auth.delete_dead_user_sessions(user_id)
    async with connection.execute("SELECT id FROM user_session") as cursor:
        assert [row[0] for row in await cursor.fetchall()] == ["live"]
    await auth.delete_dead_user_sessions("nobody")


async def test_update_session_attributes(auth: Auth, user_id: str) -> None:
    session = await auth.create_session(user_id=user_id, attributes={"country": "NL"})
    updated = await auth.update_session_attributes(session.session_id, {"country": "JP"})
    assert updated.country == "JP"
    assert updated.session_id == session.session_id
    with pytest.raises(LuciaError) as info:
        await auth.update_session_attributes("missing", {"country": "JP"})
    assert info.value.code == "AUTH_INVALID_SESSION_ID"
    with pytest.raises(ValueError, match="active_expires"):
        await auth.update_session_attributes(session.session_id, {"active_expires": 0})


async def test_invalidate_session_and_all_user_sessions(auth: Auth, user_id: str) -> None:
    first = await auth.create_session(user_id=user_id, attributes={})
    second = await auth.create_session(user_id=user_id, attributes={})
    await auth.invalidate_session(first.session_id)
    with pytest.raises(LuciaError):
        await auth.validate_session(first.session_id)
    assert (await auth.validate_session(second.session_id)).session_id == second.session_id
    await auth.invalidate_all_user_sessions(user_id)
    assert await auth.get_all_user_sessions(user_id) == []
    await auth.invalidate_session("unknown")
    await auth.invalidate_all_user_sessions("unknown")


async def test_custom_session_periods(make_auth: Any, user_id: str) -> None:
    auth = make_auth(
        session_expires_in={"active_period": timedelta(minutes=5), "idle_period": timedelta(hours=1)}
    )
    session = await auth.create_session(user_id=user_id, attributes={})
    gap = session.idle_period_expires_at - session.active_period_expires_at
    assert gap == timedelta(hours=1)


async def test_joined_adapters_fall_back_to_two_reads(
    connection: aiosqlite.Connection, make_auth: Any
) -> None:
    from lucia_adapter_sqlite import sqlite_adapter

    users = RecordingAdapter(sqlite_adapter(connection))
    sessions = RecordingAdapter(sqlite_adapter(connection))
    auth = make_auth(adapter={"user": users, "session": sessions})
    user = await auth.create_user(key=None, attributes={"username": "grace"})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    users.calls.clear()
    sessions.calls.clear()
    assert (await auth.validate_session(session.session_id)).user.username == "grace"
    assert sessions.calls == ["get_session"]
    assert users.calls == ["get_user"]
    assert join_adapters(users, users) is users


async def test_joined_adapters_list_sessions_with_two_reads(
    connection: aiosqlite.Connection, make_auth: Any
) -> None:
    from lucia_adapter_sqlite import sqlite_adapter

    users = RecordingAdapter(sqlite_adapter(connection))
    sessions = RecordingAdapter(sqlite_adapter(connection))
    assert not hasattr(join_adapters(users, sessions), "get_user_and_sessions")
    auth = make_auth(adapter={"user": users, "session": sessions})
    user = await auth.create_user(key=None, attributes={"username": "grace"})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    users.calls.clear()
    sessions.calls.clear()
    assert [s.session_id for s in await auth.get_all_user_sessions(user.user_id)] == [session.session_id]
    assert users.calls == ["get_user"]
    assert sessions.calls == ["get_sessions_by_user_id"]
