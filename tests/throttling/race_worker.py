"""One OS process of the cross-process race.

``python -m tests.throttling.race_worker KIND URL PREFIX KEY START COUNT CLAIM`` waits until the
wall-clock time START, then makes COUNT concurrent checks of KEY on the Redis store at URL (KIND
"redis" or "redis-cluster") under PREFIX, with claims of CLAIM seconds, and prints how many
passed. The URL comes from the parent, so that both processes use the parent's server."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta

from redis.asyncio import Redis, RedisCluster

from lucia_core.throttling import Throttle, TooManyAttempts, redis_store


async def race(kind: str, url: str, prefix: str, key: str, start: float, count: int, claim: float) -> int:
    client = RedisCluster.from_url(url) if kind == "redis-cluster" else Redis.from_url(url)
    try:
        throttle = Throttle(store=redis_store(client, prefix=prefix), claim_timeout=timedelta(seconds=claim))
        await throttle.store.release(["warm-up"])  # connect (and load a cluster's topology) first
        await asyncio.sleep(max(0.0, start - time.time()))
        results = await asyncio.gather(*(throttle.check(key) for _ in range(count)), return_exceptions=True)
    finally:
        await client.aclose()
    unexpected = [r for r in results if r is not None and not isinstance(r, TooManyAttempts)]
    if unexpected:
        raise unexpected[0]
    return sum(result is None for result in results)


if __name__ == "__main__":
    kind, url, prefix, key, start, count, claim = sys.argv[1:]
    print(asyncio.run(race(kind, url, prefix, key, float(start), int(count), float(claim))))
