"""Races: of concurrent checks on a key whose timeout ended exactly one passes, on every store, in
one event loop, across event loops in threads, and across OS processes on one Redis (and one
cluster); concurrent uses of a device cookie get at most its attempts."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from lucia_core.throttling import Throttle, ThrottleStore, TooManyAttempts, memory_store, redis_store
from tests.backends import backend_url
from tests.throttling.stores import delete_prefix, kind_params, random_prefix, redis_client

ROOT = Path(__file__).resolve().parents[2]
CONCURRENT = 50


async def passes(throttle: Throttle, *keys: str, count: int = CONCURRENT, **options: str) -> int:
    results = await asyncio.gather(
        *(throttle.check(*keys, **options) for _ in range(count)), return_exceptions=True
    )
    assert all(result is None or isinstance(result, TooManyAttempts) for result in results), results
    return sum(result is None for result in results)


async def test_concurrent_checks_on_a_key_whose_timeout_ended_let_exactly_one_through(
    store: ThrottleStore,
) -> None:
    throttle = Throttle(store=store, base_delay=timedelta(milliseconds=100))
    await throttle.fail("username:ada")
    await asyncio.sleep(0.15)
    assert await passes(throttle, "username:ada", "ip:203.0.113.9") == 1


async def test_each_round_of_failures_lets_exactly_one_through(store: ThrottleStore) -> None:
    throttle = Throttle(store=store, base_delay=timedelta(milliseconds=50))
    await throttle.fail("username:ada")
    for failures in range(1, 4):
        await asyncio.sleep(0.05 * 2 ** (failures - 1) + 0.05)
        assert await passes(throttle, "username:ada") == 1
        await throttle.fail("username:ada")


async def test_concurrent_checks_with_one_device_cookie_get_its_five_attempts(store: ThrottleStore) -> None:
    throttle = Throttle(store=store, base_delay=timedelta(minutes=1))
    cookie = await throttle.device_cookie("user-1")
    await throttle.fail("username:ada")
    assert await passes(throttle, "username:ada", device_cookie=cookie.value, user_id="user-1") == 5


def test_checks_from_event_loops_in_threads_let_exactly_one_through() -> None:
    """One memory store used by four threads, each with an event loop of its own."""
    store = memory_store()
    throttle = Throttle(store=store, base_delay=timedelta(milliseconds=100))
    asyncio.run(throttle.fail("username:ada"))
    time.sleep(0.15)
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def run() -> None:
        barrier.wait()
        counts.append(asyncio.run(passes(throttle, "username:ada", count=25)))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 0, 1]


@pytest.mark.parametrize("kind", [p for p in kind_params() if p.id != "memory"])  # type: ignore[attr-defined]
async def test_two_processes_on_one_redis_let_exactly_one_check_through(kind: str) -> None:
    """Two OS processes, 25 concurrent checks each, started together once the timeout ended;
    then, the winner never reporting back, its claim (6 s) expires and the key is free again."""
    prefix, key, url = random_prefix(), "username:ada", backend_url(kind)
    client = redis_client(kind)
    try:
        throttle = Throttle(store=redis_store(client, prefix=prefix), base_delay=timedelta(milliseconds=500))
        await throttle.fail(key)
        start = time.time() + 4.0  # the timeout has ended by then, and both processes are ready
        arguments = [kind, url, prefix, key, str(start), "25", "6"]
        workers = [
            await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "tests.throttling.race_worker", *arguments),
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = await asyncio.wait_for(asyncio.gather(*(w.communicate() for w in workers)), 60)
        assert [worker.returncode for worker in workers] == [0, 0], outputs
        assert sorted(int(out) for out, _ in outputs) == [0, 1]
        with pytest.raises(TooManyAttempts) as refused:
            await throttle.check(key)  # the winner's claim holds
        assert 0 < refused.value.retry_after <= 6
        await asyncio.sleep(refused.value.retry_after + 0.1)
        await throttle.check(key)
    finally:
        await delete_prefix(client, prefix)
        await client.aclose()
