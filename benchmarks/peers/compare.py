"""Quick interleaved comparison of session validation on one PostgreSQL server.

    python -m benchmarks.peers.compare [--url postgresql://...] [--sessions 1000] [--concurrency 16]
                                       [--duration-ms 3000] [--warmup-ms 1000] [--rounds 5]

Peers, run in rounds (A, B, C, A, B, C, ...), each for the same duration after its own warm-up:

- ``lucia-core``: ``Auth.validate_session`` over ``lucia_adapter_postgres`` (asyncpg pool of
  ``concurrency`` connections), in this process;
- ``fastapi-users``: ``DatabaseStrategy.read_token`` (:mod:`benchmarks.peers.fastapi_users_peer`),
  in this process;
- ``lucia-v2-node``: Lucia 2.7.7 ``validateSession`` on Node.js over the *same* session rows
  (:mod:`benchmarks.peers.lucia_node_peer`), in a child process.

Each peer runs ``concurrency`` loops that validate ids back to back. Every session is active, so no
validation writes; a failed validation stops the run. Prints, per peer, the median validations/s with
the spread over rounds and the median p50/p99 latencies. Everything is created in schemas of its
own, dropped at the end. The URL defaults to ``$LUCIA_POSTGRES_URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from importlib.metadata import version
from typing import Any

import asyncpg

from lucia_adapter_postgres import create_schema, postgres_adapter
from lucia_core import Auth, LuciaError, lucia

from . import fastapi_users_peer
from .lucia_node_peer import run_lucia_node

Validate = Callable[[str], Awaitable[bool]]


def lucia_tables(schema: str) -> dict[str, str]:
    """Lucia v2's table names, qualified with ``schema``."""
    return {"user": f"{schema}.auth_user", "key": f"{schema}.user_key", "session": f"{schema}.user_session"}


async def prepare_lucia_core(pool: asyncpg.Pool, schema: str, n_sessions: int) -> tuple[Auth, list[str]]:
    """Create ``schema`` with Lucia's tables and ``n_sessions`` users with one (active) session each."""
    await pool.execute(f'CREATE SCHEMA "{schema}"')
    tables = lucia_tables(schema)
    await create_schema(pool, tables=tables)
    auth = lucia(adapter=postgres_adapter(pool, tables=tables), env="DEV")
    session_ids = []
    for _ in range(n_sessions):
        user = await auth.create_user(key=None, attributes={})
        session = await auth.create_session(user_id=user.user_id, attributes={})
        session_ids.append(session.session_id)
    for table in tables.values():
        await pool.execute(f"ANALYZE {table}")
    return auth, session_ids


def lucia_core_validator(auth: Auth) -> Validate:
    """``auth.validate_session`` as a validate function: True for an active session, not renewed."""

    async def validate(session_id: str) -> bool:
        try:
            session = await auth.validate_session(session_id)
        except LuciaError:
            return False
        return session.state == "active" and not session.fresh

    return validate


def _percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of a sorted, non-empty sequence."""
    rank = min(len(sorted_values), max(1, math.ceil(fraction * len(sorted_values))))
    return sorted_values[rank - 1]


async def measure(
    validate: Validate, ids: Sequence[str], *, concurrency: int, duration_ms: int, warmup_ms: int
) -> dict[str, float]:
    """Run ``concurrency`` loops of ``validate`` over ``ids`` (warm-up, then the measured duration).

    Returns ``validations``, ``seconds``, ``validations_per_s``, ``p50_ms`` and ``p99_ms``; raises
    RuntimeError if any validation returned False.
    """
    failures = 0

    async def phase(ms: int, latencies: list[int] | None) -> tuple[int, float]:
        nonlocal failures
        deadline = time.perf_counter() + ms / 1000
        count = 0

        async def loop(worker: int) -> None:
            nonlocal count, failures
            index = worker * len(ids) // concurrency
            while time.perf_counter() < deadline:
                session_id = ids[index]
                index = (index + 1) % len(ids)
                started = time.perf_counter_ns()
                if not await validate(session_id):
                    failures += 1
                if latencies is not None:
                    latencies.append(time.perf_counter_ns() - started)
                count += 1

        started = time.perf_counter()
        await asyncio.gather(*(loop(worker) for worker in range(concurrency)))
        return count, time.perf_counter() - started

    if warmup_ms > 0:
        await phase(warmup_ms, None)
    latencies: list[int] = []
    count, seconds = await phase(duration_ms, latencies)
    if failures:
        raise RuntimeError(f"{failures} validations failed")
    latencies.sort()
    return {
        "validations": count,
        "seconds": seconds,
        "validations_per_s": count / seconds,
        "p50_ms": _percentile(latencies, 0.5) / 1e6,
        "p99_ms": _percentile(latencies, 0.99) / 1e6,
    }


async def compare(
    url: str,
    *,
    n_sessions: int,
    concurrency: int,
    duration_ms: int,
    warmup_ms: int,
    rounds: int,
    node_pool_max: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Prepare all peers, run them interleaved for ``rounds`` rounds, clean up; the per-round results."""
    schema = f"peer_lucia_core_{secrets.token_hex(4)}"
    pool = await asyncpg.create_pool(url, min_size=concurrency, max_size=concurrency)
    fastapi_users = None
    try:
        auth, session_ids = await prepare_lucia_core(pool, schema, n_sessions)
        fastapi_users = await fastapi_users_peer.prepare(url, n_sessions)
        options = {"concurrency": concurrency, "duration_ms": duration_ms, "warmup_ms": warmup_ms}
        runners: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
            "lucia-core": lambda: measure(lucia_core_validator(auth), session_ids, **options),
            "fastapi-users": lambda: measure(fastapi_users.validate, fastapi_users.tokens, **options),
            "lucia-v2-node": lambda: run_lucia_node(
                url,
                schema,
                session_ids,
                concurrency,
                duration_ms,
                warmup_ms=warmup_ms,
                pool_max=node_pool_max,
            ),
        }
        results: dict[str, list[dict[str, Any]]] = {name: [] for name in runners}
        for number in range(1, rounds + 1):
            for name, run in runners.items():
                result = await run()
                result.setdefault("validations_per_s", result["validations"] / result["seconds"])
                results[name].append(result)
                print(
                    f"round {number} {name:14} {result['validations_per_s']:9.0f}/s"
                    f"  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms",
                    file=sys.stderr,
                    flush=True,
                )
        return results
    finally:
        if fastapi_users is not None:
            await fastapi_users.close()
        await pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        await pool.close()


def summarize(results: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per peer: median, min and max validations/s over rounds, and the median p50 and p99."""
    rows = []
    for name, runs in results.items():
        rates = [run["validations_per_s"] for run in runs]
        rows.append(
            {
                "peer": name,
                "median_per_s": statistics.median(rates),
                "min_per_s": min(rates),
                "max_per_s": max(rates),
                "p50_ms": statistics.median(run["p50_ms"] for run in runs),
                "p99_ms": statistics.median(run["p99_ms"] for run in runs),
            }
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.compare", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--url", default=os.environ.get("LUCIA_POSTGRES_URL"), help="postgresql:// URL")
    parser.add_argument("--sessions", type=int, default=1000, help="users with one session (token) each")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration-ms", type=int, default=3000, help="measured time per run")
    parser.add_argument("--warmup-ms", type=int, default=1000, help="unmeasured time before each run")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--node-pool-max", type=int, help="pg.Pool max for Lucia on Node (default: the concurrency)"
    )
    parser.add_argument("--json", action="store_true", help="print the summary and every run as JSON")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url is required (or set LUCIA_POSTGRES_URL)")
    results = asyncio.run(
        compare(
            args.url,
            n_sessions=args.sessions,
            concurrency=args.concurrency,
            duration_ms=args.duration_ms,
            warmup_ms=args.warmup_ms,
            rounds=args.rounds,
            node_pool_max=args.node_pool_max,
        )
    )
    rows = summarize(results)
    node = results["lucia-v2-node"][0]
    versions = {
        "python": platform.python_version(),
        "lucia-core": version("lucia-core"),
        "asyncpg": version("asyncpg"),
        "fastapi-users": version("fastapi-users"),
        "fastapi-users-db-sqlalchemy": version("fastapi-users-db-sqlalchemy"),
        "sqlalchemy": version("sqlalchemy"),
        "node": node["node"],
        "lucia": node["lucia"],
        "@lucia-auth/adapter-postgresql": node["adapter"],
        "pg": node["pg"],
    }
    if args.json:
        print(json.dumps({"versions": versions, "summary": rows, "runs": results}))
        return 0
    print(
        f"{args.rounds} rounds, concurrency {args.concurrency}, {args.duration_ms} ms each"
        f" (+{args.warmup_ms} ms warm-up), {args.sessions} sessions"
    )
    print(f"{'peer':14} {'median/s':>9} {'min/s':>9} {'max/s':>9} {'p50 ms':>7} {'p99 ms':>7}")
    for row in rows:
        print(
            f"{row['peer']:14} {row['median_per_s']:9.0f} {row['min_per_s']:9.0f} {row['max_per_s']:9.0f}"
            f" {row['p50_ms']:7.2f} {row['p99_ms']:7.2f}"
        )
    print("versions: " + ", ".join(f"{name} {value}" for name, value in versions.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
