"""Scenario ``validate``: ``validate_session`` on active sessions against the floor, at each
concurrency level (throughput, p50 and p99 latency, and the cost ratio library / floor)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from .backend import Backend, Store, load, session_ids
from .measure import Operation, Variant, compare
from .settings import Settings

#: Sessions stored (spread over USERS users); each call validates the next one, round robin.
SESSIONS = 1_000
USERS = 100


async def count_round_trips(store: Store, operation: Operation, calls: int, start: int = 0) -> float | None:
    """Requests sent to the session server per call of ``operation`` (None where not counted)."""
    before = store.round_trips()
    if before is None:
        return None
    for index in range(start, start + calls):
        await operation(index)
    after = store.round_trips()
    assert after is not None
    return (after - before) / calls


def cycle(ids: list[str], call: Callable[[str], Awaitable[object]]) -> Operation:
    """An operation calling ``call`` on ``ids`` round robin."""
    count = len(ids)

    async def operation(index: int) -> object:
        return await call(ids[index % count])

    return operation


async def run(backend: Backend, settings: Settings) -> list[dict[str, Any]]:
    """Measure the active path at every concurrency of ``settings``."""
    store = await backend.store("active")
    records: list[dict[str, Any]] = []
    try:
        await load(store, "active", sessions_count=SESSIONS, users_count=USERS)
        await store.analyze()
        ids = session_ids("active", SESSIONS)
        session = await store.auth.validate_session(ids[0])
        if session.state != "active" or session.fresh or not await store.floor_validate(ids[0]):
            raise AssertionError(f"{backend.name}: the active-path check failed")
        library = cycle(ids, store.auth.validate_session)
        floor = cycle(ids, store.floor_validate)
        trips = {
            "library": await count_round_trips(store, library, 20),
            "floor": await count_round_trips(store, floor, 20),
        }
        for concurrency in settings.concurrencies:
            result = await compare(
                [Variant("library", library), Variant("floor", floor)],
                concurrency=concurrency,
                reps=settings.reps,
                seconds=settings.round_seconds,
                warmup_seconds=settings.warmup_seconds,
            )
            records.append(
                {
                    "backend": backend.name,
                    "concurrency": concurrency,
                    "library": result.summary("library").to_json(),
                    "floor": result.summary("floor").to_json(),
                    "ratio": result.cost_ratio("library", "floor").to_json(),
                    "round_trips": trips if trips["library"] is not None else None,
                }
            )
    finally:
        await store.drop()
    return records
