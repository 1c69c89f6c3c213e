"""``replicated_session_adapter``: a write that fewer replicas than asked acknowledged in time raises
``ReplicationTimeoutError`` (it is on the primary); bad values are refused at construction."""

from __future__ import annotations

import time

import pytest
from redis.asyncio import Redis, RedisCluster

from lucia_adapter_redis import ReplicationTimeoutError, replicated_session_adapter
from lucia_conformance import RawDatabase

pytestmark = pytest.mark.backend("redis-sentinel")


def _row(session_id: str) -> dict[str, object]:
    now = int(time.time() * 1000)
    return {"id": session_id, "user_id": "u1", "active_expires": now + 60_000, "idle_expires": now + 120_000}


async def test_more_replicas_than_there_are_times_out_each_write(
    redis_client: Redis, prefixes: dict[str, str], lucia_database: RawDatabase
) -> None:
    adapter = replicated_session_adapter(redis_client, replicas=2, timeout=0.2, prefixes=prefixes)
    started = time.monotonic()
    with pytest.raises(
        ReplicationTimeoutError, match=r"WAIT: 1 of 2 replicas acknowledged the write within 200 ms"
    ):
        await adapter.set_session(_row("s1"))
    assert 0.2 <= time.monotonic() - started < 2
    assert lucia_database.session is not None
    assert [row["id"] for row in await lucia_database.session.get_all()] == ["s1"]  # on the primary
    with pytest.raises(ReplicationTimeoutError):
        await adapter.update_session("s1", {"country": "fr"})
    with pytest.raises(ReplicationTimeoutError):
        await adapter.delete_sessions_by_user_id("u1")
    with pytest.raises(ReplicationTimeoutError):
        await adapter.set_session(_row("s3"))
    with pytest.raises(ReplicationTimeoutError):
        await adapter.delete_session("s3")
    assert await lucia_database.session.get_all() == []  # each write was done on the primary


async def test_one_replica_acknowledges_and_the_writes_return(
    redis_client: Redis, prefixes: dict[str, str]
) -> None:
    adapter = replicated_session_adapter(redis_client, replicas=1, prefixes=prefixes)
    await adapter.set_session(_row("s2"))
    await adapter.update_session("s2", {"country": "fr"})
    assert (await adapter.get_session("s2") or {}).get("country") == "fr"
    await adapter.delete_session("s2")
    assert await adapter.get_session("s2") is None


@pytest.mark.parametrize("replicas", [-1, True, "1", 1.5])
def test_a_bad_replica_count_is_refused(redis_client: Redis, replicas: object) -> None:
    with pytest.raises(ValueError, match="replicas must be a positive int"):
        replicated_session_adapter(redis_client, replicas=replicas)  # type: ignore[arg-type]


@pytest.mark.parametrize("timeout", [0, -1.0, "1", None])
def test_a_bad_timeout_is_refused(redis_client: Redis, timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        replicated_session_adapter(redis_client, timeout=timeout)  # type: ignore[arg-type]


def test_a_cluster_client_is_refused() -> None:
    cluster = RedisCluster(host="127.0.0.1", port=1)  # not connected: construction only
    with pytest.raises(TypeError, match="of one primary"):
        replicated_session_adapter(cluster)  # type: ignore[arg-type]
