"""The Redis throttle store beyond the contract: EVALSHA (never the script text per call), names
that expire once their state no longer matters, one hash slot on a cluster, both response modes,
failing closed when the server is gone, and no driver imported by lucia_core."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio
from redis.asyncio import Redis, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError

from lucia_core.throttling import RedisThrottleStore, Throttle, TooManyAttempts, redis_store
from tests.throttling.stores import delete_prefix, random_prefix, redis_client

pytestmark = pytest.mark.backend("redis")


@pytest.fixture(params=["redis", "redis-cluster"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest_asyncio.fixture(params=[False, True], ids=["bytes", "decoded"])
async def client(request: pytest.FixtureRequest, kind: str) -> AsyncIterator[Redis | RedisCluster]:
    redis = redis_client(kind, decode_responses=request.param)
    yield redis
    await redis.aclose()


@pytest_asyncio.fixture
async def store(client: Redis | RedisCluster) -> AsyncIterator[RedisThrottleStore]:
    prefix = random_prefix()
    yield redis_store(client, prefix=prefix)
    await delete_prefix(client, prefix)


def record_commands(client: Any) -> list[str]:
    """Record the name of every command the client sends from now on."""
    commands: list[str] = []
    execute: Callable[..., Any] = client.execute_command

    async def recording(*args: Any, **options: Any) -> Any:
        commands.append(str(args[0]).upper())
        return await execute(*args, **options)

    client.execute_command = recording
    return commands


async def test_every_operation_is_one_evalsha(store: RedisThrottleStore, client: Any) -> None:
    throttle = Throttle(store=store, base_delay=timedelta(milliseconds=50))
    await throttle.check("warm-up")  # loads the scripts where the server did not know them
    await throttle.fail("warm-up")
    cookie = await throttle.device_cookie("user-1")
    await throttle.check("warm-up", device_cookie=cookie.value, user_id="user-1")
    await throttle.release("warm-up")
    await throttle.reset("warm-up")
    commands = record_commands(client)
    await throttle.check("username:ada", "ip:203.0.113.9")
    await throttle.fail("username:ada", "ip:203.0.113.9")
    with pytest.raises(TooManyAttempts):
        await throttle.check("username:ada")
    await throttle.check("username:ada", device_cookie=cookie.value, user_id="user-1")
    await throttle.release("username:ada")
    await throttle.reset("username:ada", "ip:203.0.113.9")
    await throttle.device_cookie("user-1")
    assert commands == ["EVALSHA"] * 7


async def test_a_key_expires_forget_after_its_timeout_ends(store: RedisThrottleStore, client: Any) -> None:
    throttle = Throttle(store=store, base_delay=timedelta(seconds=2), forget_after=timedelta(seconds=60))
    await throttle.fail("username:ada")
    await throttle.fail("username:ada")
    ttl = await client.pttl(store.key_name("username:ada"))
    assert 64_000 - 1000 < ttl <= 64_000  # a timeout of 4 s, then 60 s of memory


async def test_a_claim_keeps_its_key_at_least_as_long(store: RedisThrottleStore, client: Any) -> None:
    throttle = Throttle(
        store=store,
        base_delay=timedelta(milliseconds=50),
        forget_after=timedelta(seconds=1),
        claim_timeout=timedelta(seconds=30),
    )
    await throttle.fail("username:ada")
    await asyncio.sleep(0.1)
    await throttle.check("username:ada")
    assert 29_000 < await client.pttl(store.key_name("username:ada")) <= 30_000


async def test_a_key_without_failures_leaves_nothing_in_redis(store: RedisThrottleStore, client: Any) -> None:
    throttle = Throttle(store=store)
    await throttle.check("username:ada", "ip:203.0.113.9")
    await throttle.release("username:ada")
    await throttle.reset("ip:203.0.113.9")
    names = [name async for name in client.scan_iter(match="{" + store._prefix + "}:*")]
    assert names == []


async def test_a_device_expires_with_its_cookie(store: RedisThrottleStore, client: Any) -> None:
    throttle = Throttle(store=store, device_cookie_max_age=timedelta(days=30))
    cookie = await throttle.device_cookie("user-1")
    names = [name async for name in client.scan_iter(match="{" + store._prefix + "}:d:*")]
    assert len(names) == 1
    assert 30 * 86_400_000 - 5000 < await client.pttl(names[0]) <= 30 * 86_400_000
    assert cookie.attributes.get("max_age") == 30 * 86_400


@pytest.mark.backend("redis-cluster")
async def test_every_name_of_a_store_is_in_one_cluster_slot() -> None:
    client: Any = redis_client("redis-cluster")
    try:
        store = redis_store(client, prefix=random_prefix())
        names = [store.key_name(key) for key in ("username:ada", "ip:::1", "{x}", "a" * 1000)]
        names.append(store.device_name("0" * 64))

        async def slots(names: list[str]) -> set[int]:
            return {await client.execute_command("CLUSTER KEYSLOT", name) for name in names}

        assert len(await slots(names)) == 1
        # Without the hash tag the same names would spread over the cluster.
        assert len(await slots([name.replace("{", "").replace("}", "") for name in names])) > 1
    finally:
        await client.aclose()


def test_bad_prefixes_and_clients_are_refused() -> None:
    client = Redis()
    for prefix in ("", "a{b", "a}b"):
        with pytest.raises(ValueError, match="prefix"):
            redis_store(client, prefix=prefix)
    with pytest.raises(TypeError, match="redis-py asyncio client"):
        redis_store(object())  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_check_fails_closed_when_redis_is_unreachable() -> None:
    client = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    try:
        throttle = Throttle(store=redis_store(client))
        with pytest.raises(RedisConnectionError):
            await throttle.check("username:ada")
    finally:
        await client.aclose()


def test_importing_the_throttle_imports_no_driver() -> None:
    code = (
        "import sys, lucia_core, lucia_core.throttling\n"
        "loaded = [m for m in ('redis', 'asyncpg', 'aiomysql', 'pymongo', 'aiosqlite') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
