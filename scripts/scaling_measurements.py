"""The measurements behind docs/scaling.md: CPU per validation and storage per session.

Run on servers of your own (they are written to: a schema and key prefix of this run's own,
dropped afterwards), all on this machine, with the process ids of the servers so that their CPU
time can be read from /proc::

    python scripts/scaling_measurements.py --postgres URL --redis URL --redis-pid PID \\
        [--pgbouncer URL --pgbouncer-pid PID] > docs/scaling/measurements.json

For each path, N ``validate_session`` calls on one active session from 16 concurrent tasks: the
rate, and the CPU time per validation of this (client) process and of the servers' processes.
Storage: the size of Lucia's PostgreSQL session table with its indexes, and of users, for SESSIONS
rows with ids as the library makes them; Redis memory per session written through the adapter
(``used_memory`` before and after, ``MEMORY USAGE`` of one session key and one user set).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import time
from collections.abc import Callable
from typing import Any

import asyncpg
from redis.asyncio import Redis

from lucia_adapter_postgres import create_schema, postgres_adapter
from lucia_adapter_redis import redis_session_adapter
from lucia_core import Auth, lucia

CONCURRENCY = 16
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (those still alive)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


async def client_backends(url: str) -> list[int]:
    """The server's client backends (on a private server: this run's pools' connections, or
    PgBouncer's), not autovacuum or the other background workers."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return [row["pid"] for row in rows]


Servers = dict[str, Callable[[], list[int]]]


async def measure(auth: Auth, session_id: str, servers: Servers, count: int) -> dict[str, Any]:
    """``count`` validations: the rate, and CPU per validation of this process and each server."""
    await asyncio.gather(*(auth.validate_session(session_id) for _ in range(CONCURRENCY)))
    before = {name: cpu_seconds(pids()) for name, pids in servers.items()}
    client, started = time.process_time(), time.perf_counter()

    async def worker() -> None:
        for _ in range(count // CONCURRENCY):
            await auth.validate_session(session_id)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    found = {
        "validations": count,
        "per_second": round(count / elapsed),
        "client_cpu_us": round((time.process_time() - client) / count * 1e6, 1),
    }
    for name, pids in servers.items():
        found[f"{name}_cpu_us"] = round((cpu_seconds(pids()) - before[name]) / count * 1e6, 1)
    return found


async def postgres_paths(args: argparse.Namespace, schema: str, tables: dict[str, str]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with asyncpg.create_pool(args.postgres, min_size=8, max_size=8) as pool:
        backends = await client_backends(args.postgres)
        postgres = lambda: backends  # noqa: E731
        await pool.execute(f'CREATE SCHEMA "{schema}"')
        await create_schema(pool, tables=tables)
        auth = lucia(adapter=postgres_adapter(pool, tables=tables))
        user = await auth.create_user(key=None, attributes={})
        stored = await auth.create_session(user_id=user.user_id, attributes={})
        results["postgres"] = await measure(auth, stored.session_id, {"postgres": postgres}, args.validations)
        client = Redis.from_url(args.redis, max_connections=64)
        prefixes = {"session": f"{schema}:session", "user_sessions": f"{schema}:user_sessions"}
        sessions = redis_session_adapter(client, prefixes=prefixes)
        joined = lucia(adapter={"user": postgres_adapter(pool, tables=tables), "session": sessions})
        session = await joined.create_session(user_id=user.user_id, attributes={})
        servers = {"postgres": postgres, "redis": lambda: [args.redis_pid]}
        results["redis+postgres"] = await measure(joined, session.session_id, servers, args.validations)
        results["redis"] = await redis_get(sessions, session.session_id, args)
        results["redis_memory"] = await redis_memory(client, sessions, prefixes, args.sessions)
        async for key in client.scan_iter(match=f"{schema}:*", count=5000):
            await client.unlink(key)
        await client.aclose()
    if args.pgbouncer:
        async with asyncpg.create_pool(
            args.pgbouncer, min_size=8, max_size=8, statement_cache_size=0
        ) as pool:
            auth = lucia(adapter=postgres_adapter(pool, tables=tables))
            await asyncio.gather(*(auth.validate_session(stored.session_id) for _ in range(64)))
            bouncer_backends = await client_backends(args.postgres)
            servers = {"postgres": lambda: bouncer_backends, "pgbouncer": lambda: [args.pgbouncer_pid]}
            results["pgbouncer"] = await measure(auth, stored.session_id, servers, args.validations)
    async with asyncpg.create_pool(args.postgres, min_size=1, max_size=2) as pool:
        results["postgres_storage"] = await postgres_storage(pool, schema, args.sessions)
        await pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
    return results


async def redis_get(sessions: Any, session_id: str, args: argparse.Namespace) -> dict[str, Any]:
    """``get_session`` alone: the Redis half of the joined path."""
    client, server, started = time.process_time(), cpu_seconds([args.redis_pid]), time.perf_counter()

    async def worker() -> None:
        for _ in range(args.validations // CONCURRENCY):
            await sessions.get_session(session_id)

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    count = args.validations
    return {
        "get_session_per_second": round(count / (time.perf_counter() - started)),
        "client_cpu_us": round((time.process_time() - client) / count * 1e6, 1),
        "redis_cpu_us": round((cpu_seconds([args.redis_pid]) - server) / count * 1e6, 1),
    }


async def redis_memory(client: Redis, sessions: Any, prefixes: dict[str, str], count: int) -> dict[str, Any]:
    before = (await client.info("memory"))["used_memory"]
    now = int(time.time() * 1000)
    first: dict[str, Any] = {}
    for _ in range(0, count, 50):
        rows = [
            {
                "id": secrets.token_hex(20),
                "user_id": secrets.token_hex(8)[:15],
                "active_expires": now + 86_400_000,
                "idle_expires": now + 15 * 86_400_000,
            }
            for _ in range(50)
        ]
        await asyncio.gather(*(sessions.set_session(row) for row in rows))
        first = first or rows[0]
    after = (await client.info("memory"))["used_memory"]
    session_key = f"{prefixes['session']}:{first['id']}"
    return {
        "sessions": count,
        "used_memory_per_session": round((after - before) / count, 1),
        "memory_usage_session_key": await client.memory_usage(session_key),
        "memory_usage_user_sessions_set": await client.memory_usage(
            f"{prefixes['user_sessions']}:{first['user_id']}"
        ),
        "session_json_bytes": len(await client.get(session_key) or b""),
    }


async def postgres_storage(pool: asyncpg.Pool, schema: str, count: int) -> dict[str, Any]:
    """``count`` users and one session each, ids of the library's lengths (15 and 40 characters)."""
    # The schema name is this script's own (lucia_scale_<hex>), never input.
    await pool.execute(
        f'INSERT INTO "{schema}".auth_user (id)'  # noqa: S608
        " SELECT substr(md5(g::text), 1, 15) FROM generate_series(1, $1) g",
        count,
    )
    await pool.execute(
        f'INSERT INTO "{schema}".user_session (id, user_id, active_expires, idle_expires)'  # noqa: S608
        " SELECT substr(md5(g::text) || md5((g + 1)::text), 1, 40), substr(md5(g::text), 1, 15),"
        " 1800000000000, 1801209600000 FROM generate_series(1, $1) g",
        count,
    )
    await pool.execute(f'VACUUM ANALYZE "{schema}".user_session, "{schema}".auth_user')
    row = await pool.fetchrow(
        "SELECT pg_relation_size($1::regclass) AS heap, pg_indexes_size($1::regclass) AS indexes,"
        " pg_total_relation_size($1::regclass) AS total, pg_total_relation_size($2::regclass) AS users",
        f'"{schema}".user_session',
        f'"{schema}".auth_user',
    )
    assert row is not None
    return {
        "sessions": count,
        **dict(row.items()),
        "bytes_per_session": round(row["total"] / count, 1),
        "bytes_per_user_row": round(row["users"] / count, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--redis-pid", type=int, required=True)
    parser.add_argument("--pgbouncer")
    parser.add_argument("--pgbouncer-pid", type=int)
    parser.add_argument("--validations", type=int, default=20000)
    parser.add_argument("--sessions", type=int, default=100000)
    args = parser.parse_args()
    schema = f"lucia_scale_{secrets.token_hex(4)}"
    tables = {"user": f"{schema}.auth_user", "key": f"{schema}.user_key", "session": f"{schema}.user_session"}
    started = time.time()
    results = asyncio.run(postgres_paths(args, schema, tables))
    results["load_average"] = os.getloadavg()
    results["cpus"] = os.cpu_count()
    results["seconds"] = round(time.time() - started, 1)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
