"""PostgreSQL users joined to Redis sessions: the whole Auth flow across two real servers."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator

import asyncpg
import pytest
import redis.asyncio as redis

from lucia_adapter_postgres import create_schema, postgres_adapter
from lucia_adapter_redis import redis_session_adapter
from lucia_core import Argon2idHasher, Auth, LuciaError, lucia

from .backends import backend_url

FAST_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
HOUR_MS = 3_600_000


async def raw_get(client: redis.Redis, key: str) -> str:
    value = await client.get(key)
    assert isinstance(value, str), f"{key} is missing"
    return value


@pytest.fixture
async def pool() -> AsyncIterator[asyncpg.Pool]:
    async with asyncpg.create_pool(backend_url("postgres"), min_size=1, max_size=4) as pool:
        yield pool


@pytest.fixture
async def tables(pool: asyncpg.Pool) -> AsyncIterator[dict[str, str]]:
    schema = f"lucia_test_{secrets.token_hex(6)}"
    names = {"user": f"{schema}.auth_user", "key": f"{schema}.user_key", "session": f"{schema}.user_session"}
    await pool.execute(f'CREATE SCHEMA "{schema}"')
    await create_schema(pool, tables=names)
    await pool.execute(f'ALTER TABLE "{schema}".auth_user ADD COLUMN username TEXT UNIQUE')
    yield names
    await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
async def client() -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(backend_url("redis"), decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def prefixes(client: redis.Redis) -> AsyncIterator[dict[str, str]]:
    tag = secrets.token_hex(6)
    names = {"session": f"test:{tag}:session", "user_sessions": f"test:{tag}:user_sessions"}
    yield names
    keys = [key async for key in client.scan_iter(match=f"test:{tag}:*")]
    if keys:
        await client.delete(*keys)


@pytest.fixture
def auth(pool: asyncpg.Pool, tables: dict[str, str], client: redis.Redis, prefixes: dict[str, str]) -> Auth:
    return lucia(
        adapter={
            "user": postgres_adapter(pool, tables=tables),
            "session": redis_session_adapter(client, prefixes=prefixes),
        },
        password_hash=FAST_HASHER,
        get_user_attributes=lambda row: {"username": row["username"]},
    )


async def test_sign_up_log_in_validate_reset_sign_out_delete(
    auth: Auth, pool: asyncpg.Pool, tables: dict[str, str], client: redis.Redis, prefixes: dict[str, str]
) -> None:
    user = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"},
        attributes={"username": "Ada"},
    )
    assert await pool.fetchval(f"SELECT username FROM {tables['user']} WHERE id = $1", user.user_id) == "Ada"

    key = await auth.use_key("username", "ada", "correct horse")
    session = await auth.create_session(user_id=key.user_id, attributes={})
    stored = json.loads(await raw_get(client, f"{prefixes['session']}:{session.session_id}"))
    assert stored["user_id"] == user.user_id
    assert await client.smembers(f"{prefixes['user_sessions']}:{user.user_id}") == {session.session_id}

    validated = await auth.validate_session(session.session_id)
    assert (validated.fresh, validated.user.username) == (False, "Ada")

    # Make the session idle through the driver, then validate: renewed and stored.
    now = int(time.time() * 1000)
    stored.update(active_expires=now - HOUR_MS, idle_expires=now + HOUR_MS)
    await client.set(f"{prefixes['session']}:{session.session_id}", json.dumps(stored))
    renewed = await auth.validate_session(session.session_id)
    assert renewed.fresh
    after = json.loads(await raw_get(client, f"{prefixes['session']}:{session.session_id}"))
    assert after["active_expires"] == int(renewed.active_period_expires_at.timestamp() * 1000)
    assert after["idle_expires"] == int(renewed.idle_period_expires_at.timestamp() * 1000)
    assert after["active_expires"] > now

    assert [s.session_id for s in await auth.get_all_user_sessions(user.user_id)] == [session.session_id]
    await auth.invalidate_session(session.session_id)
    with pytest.raises(LuciaError) as info:
        await auth.validate_session(session.session_id)
    assert info.value.code == "AUTH_INVALID_SESSION_ID"

    await auth.create_session(user_id=user.user_id, attributes={})
    await auth.delete_user(user.user_id)
    assert await pool.fetchval(f"SELECT count(*) FROM {tables['user']}") == 0
    assert await pool.fetchval(f"SELECT count(*) FROM {tables['key']}") == 0
    assert [key async for key in client.scan_iter(match=f"{prefixes['session']}:*")] == []


async def test_session_for_a_missing_user_is_refused_and_not_left_in_redis(
    auth: Auth, client: redis.Redis, prefixes: dict[str, str]
) -> None:
    with pytest.raises(LuciaError) as info:
        await auth.create_session(user_id="nobody", attributes={})
    assert info.value.code == "AUTH_INVALID_USER_ID"
    assert [key async for key in client.scan_iter(match=f"{prefixes['session']}:*")] == []


async def test_session_whose_user_was_deleted_elsewhere_is_invalid(
    auth: Auth, pool: asyncpg.Pool, tables: dict[str, str]
) -> None:
    user = await auth.create_user(key=None, attributes={"username": "grace"})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    await pool.execute(f"DELETE FROM {tables['user']} WHERE id = $1", user.user_id)
    with pytest.raises(LuciaError) as info:
        await auth.validate_session(session.session_id)
    assert info.value.code == "AUTH_INVALID_SESSION_ID"
