"""Scenario ``peers``: lucia-core against the peers teams pick instead, on one PostgreSQL.

Each validates its own active sessions at concurrency 16, each for the same round length, in
rounds that rotate (lucia-core, fastapi-users, Django, Node; then the reverse; ...):

- lucia-core: ``validate_session`` over this run's PostgreSQL store (asyncpg pool of 16);
- fastapi-users: ``DatabaseStrategy.read_token`` plus the active-user check, as
  :mod:`benchmarks.peers.fastapi_users_peer` sets it up (SQLAlchemy async engine, pool of 20);
- Django: a request through Django's handler to an async view behind ``SessionMiddleware`` (the
  database session backend) and ``AuthenticationMiddleware`` awaiting ``request.auser()``
  (:mod:`benchmarks.peers.django_peer`, psycopg 3, persistent connections);
- Lucia v2 (2.7.7) on Node.js with its PostgreSQL adapter (pg.Pool of 16), reading the very
  tables lucia-core's store has, in a child process (:mod:`benchmarks.peers.lucia_node_peer`).

Ratios are lucia-core's validations/s over each peer's, per rotation. Django's SQL statements per
request are counted outside the timed rounds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .backend import Backend, FloorStore, load
from .data import session_id
from .measure import Stat, run_round
from .scenario_validate import cycle
from .settings import Settings

CONCURRENCY = 16
NAMES = ("lucia-core", "fastapi-users", "django", "lucia-v2-node")
#: Requests over which Django's statements are counted.
COUNTED_REQUESTS = 20


def _checked(name: str, validate: Callable[[str], Awaitable[bool]]) -> Callable[[str], Awaitable[None]]:
    """``validate`` raising on a session that does not validate (a refusal would be cheaper)."""

    async def call(token: str) -> None:
        if not await validate(token):
            raise AssertionError(f"{name}: a session did not validate")

    return call


def _result(calls: int, seconds: float, p50_ms: float, p99_ms: float) -> dict[str, float]:
    return {"throughput": calls / seconds, "p50_ms": p50_ms, "p99_ms": p99_ms}


async def run(backend: Backend, settings: Settings) -> dict[str, Any]:
    """Prepare the three, measure them in rotating rounds, clean up."""
    # Imported here: the peers need fastapi-users and Node.js, which the other scenarios do not.
    from .peers import django_peer, fastapi_users_peer
    from .peers.lucia_node_peer import run_lucia_node

    count = settings.peer_sessions
    store = await backend.store("peers")
    assert backend.name == "postgres"
    assert isinstance(store, FloorStore)
    schema = store.floor.schema
    peer = django = None
    try:
        await load(store, "peers", sessions_count=count, users_count=count)
        await store.analyze()
        ids = [session_id("peers", number) for number in range(count)]
        peer = await fastapi_users_peer.prepare(backend.url, count)
        if not await peer.validate(peer.tokens[0]):
            raise AssertionError("fastapi-users: a token did not validate")
        django = await django_peer.prepare(backend.url, count, schema=f"{schema}_django")
        django_queries = await django.count_queries(COUNTED_REQUESTS)
        lucia_core = cycle(ids, store.auth.validate_session)
        fastapi_users = cycle(peer.tokens, _checked("fastapi-users", peer.validate))
        django_requests = cycle(django.session_keys, _checked("django", django.validate))
        milliseconds = int(settings.peer_seconds * 1000)
        warmup_ms = int(settings.warmup_seconds * 1000)
        node_meta: dict[str, Any] = {}

        async def python_round(operation: Callable[[int], Awaitable[object]]) -> dict[str, float]:
            measured = await run_round(operation, concurrency=CONCURRENCY, seconds=settings.peer_seconds)
            return _result(
                measured.calls, measured.seconds, measured.percentile_ms(0.5), measured.percentile_ms(0.99)
            )

        async def node_round() -> dict[str, float]:
            output = await run_lucia_node(
                backend.url, schema, ids, CONCURRENCY, milliseconds, warmup_ms=warmup_ms
            )
            node_meta.update({key: output[key] for key in ("node", "lucia", "adapter", "pg", "pool_max")})
            return _result(output["validations"], output["seconds"], output["p50_ms"], output["p99_ms"])

        runners = {
            "lucia-core": lambda: python_round(lucia_core),
            "fastapi-users": lambda: python_round(fastapi_users),
            "django": lambda: python_round(django_requests),
            "lucia-v2-node": node_round,
        }
        for operation in (
            lucia_core,
            fastapi_users,
            django_requests,
        ):  # warm-up (Node warms up in each child)
            await run_round(operation, concurrency=CONCURRENCY, seconds=settings.warmup_seconds)
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in NAMES}
        for rep in range(settings.reps):
            for name in NAMES if rep % 2 == 0 else tuple(reversed(NAMES)):
                rounds[name].append(await runners[name]())
    finally:
        if django is not None:
            await django.close()
        if peer is not None:
            await peer.close()
        await store.drop()

    def stat(name: str, figure: str) -> dict[str, float | int]:
        return Stat.of([measured[figure] for measured in rounds[name]]).to_json()

    def speedup(peer_name: str) -> dict[str, float | int]:
        pairs = zip(rounds["lucia-core"], rounds[peer_name], strict=True)
        return Stat.of([ours["throughput"] / theirs["throughput"] for ours, theirs in pairs]).to_json()

    return {
        "backend": backend.name,
        "concurrency": CONCURRENCY,
        "sessions": count,
        "implementations": {
            name: {
                "throughput_per_s": stat(name, "throughput"),
                "p50_ms": stat(name, "p50_ms"),
                "p99_ms": stat(name, "p99_ms"),
            }
            for name in NAMES
        },
        "speedup": {name: speedup(name) for name in NAMES[1:]},
        "django_queries_per_request": django_queries,
        "node": node_meta,
    }
