"""Scenario ``operations``: the other session operations against their floors, at concurrency 1.

- ``validate_idle``: ``validate_session`` on an idle session (read, renew, write), each call on
  one of many pre-made idle sessions;
- ``create_session`` for an existing user;
- ``invalidate_session`` of pre-made sessions;
- ``get_all_user_sessions`` for a user with 1, 10 and 100 sessions.

Where the session server's requests are counted (Redis), each record also has the requests per
call of the library and of the floor, counted over a few calls outside the timed rounds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .backend import Backend, Store, load
from .data import session_id, user_id
from .measure import Comparison, Operation, Variant, compare
from .scenario_validate import count_round_trips
from .settings import Settings

#: Users the idle, invalidated and created sessions belong to.
USERS = 100
#: Calls per variant over which requests are counted (Redis), outside the timed rounds.
COUNTED_CALLS = 10


def _pick(
    label: str, call: Callable[[str], Awaitable[object]], offset: int = 0, stride: int = 1
) -> Operation:
    """An operation calling ``call`` on the pre-made session ``offset + index * stride`` of ``label``."""

    async def operation(index: int) -> object:
        return await call(session_id(label, offset + index * stride))

    return operation


def _record(
    backend: Backend,
    operation: str,
    result: Comparison,
    trips: dict[str, float | None],
    sessions: int | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "backend": backend.name,
        "operation": operation,
        "library": result.summary("library").to_json(),
        "floor": result.summary("floor").to_json(),
        "ratio": result.cost_ratio("library", "floor").to_json(),
        "round_trips": trips if trips["library"] is not None else None,
    }
    if sessions is not None:
        record["sessions"] = sessions
    return record


async def _measure(
    settings: Settings, library: Operation, floor: Operation, supply: int | None = None
) -> Comparison:
    return await compare(
        [Variant("library", library, supply), Variant("floor", floor, supply)],
        concurrency=1,
        reps=settings.reps,
        seconds=settings.operation_seconds,
        warmup_seconds=settings.warmup_seconds / 2,
    )


async def _consuming(
    backend: Backend,
    store: Store,
    settings: Settings,
    operation: str,
    label: str,
    library_call: Callable[[str], Awaitable[object]],
    floor_call: Callable[[str], Awaitable[object]],
    *,
    idle: bool,
) -> dict[str, Any]:
    """An operation that uses up its session (renews an idle one, deletes one): every call gets a
    pre-made session of its own.

    First the counted calls (library, then floor) on sessions of their own; their pace sets how
    many sessions a round can use (capped by ``supply_per_round``), so that a slow server is not
    made to store thousands of sessions a round never reaches. A round that runs out ends early.
    """
    await load(store, label, sessions_count=2 * COUNTED_CALLS, users_count=USERS, idle=idle, with_users=False)
    await store.analyze()
    began = time.perf_counter()
    library_trips = await count_round_trips(store, _pick(label, library_call), COUNTED_CALLS)
    library_seconds = time.perf_counter() - began
    began = time.perf_counter()
    floor_trips = await count_round_trips(store, _pick(label, floor_call, COUNTED_CALLS), COUNTED_CALLS)
    floor_seconds = time.perf_counter() - began
    pace = COUNTED_CALLS / max(min(library_seconds, floor_seconds), 1e-6)
    per_round = max(20, min(settings.supply_per_round, math.ceil(pace * settings.operation_seconds * 2)))
    supply = per_round * (settings.reps + 1)
    first = 2 * COUNTED_CALLS
    await load(
        store, label, sessions_count=2 * supply, users_count=USERS, idle=idle, with_users=False, start=first
    )
    await store.analyze()
    # Every other session each, so that both sides' rows are spread alike over the table (a
    # server that scans finds rows loaded later, later).
    library = _pick(label, library_call, first, stride=2)
    floor = _pick(label, floor_call, first + 1, stride=2)
    result = await _measure(settings, library, floor, supply)
    return _record(backend, operation, result, {"library": library_trips, "floor": floor_trips})


async def _idle(backend: Backend, store: Store, settings: Settings) -> dict[str, Any]:
    async def renew(session_id: str) -> object:
        session = await store.auth.validate_session(session_id)
        if not session.fresh:
            raise AssertionError(f"{backend.name}: an idle session was not renewed")
        return session

    return await _consuming(
        backend, store, settings, "validate_idle", "idle", renew, store.floor_validate_idle, idle=True
    )


async def _create(backend: Backend, store: Store, settings: Settings) -> dict[str, Any]:
    async def library(index: int) -> object:
        return await store.auth.create_session(user_id=user_id("ops", index % USERS), attributes={})

    async def floor(index: int) -> None:
        await store.floor_create_session(session_id("created", index), user_id("ops", index % USERS))

    trips = {
        "library": await count_round_trips(store, library, COUNTED_CALLS),
        "floor": await count_round_trips(store, floor, COUNTED_CALLS, 10**9),
    }
    result = await _measure(settings, library, floor)
    return _record(backend, "create_session", result, trips)


async def _invalidate(backend: Backend, store: Store, settings: Settings) -> dict[str, Any]:
    return await _consuming(
        backend,
        store,
        settings,
        "invalidate_session",
        "doomed",
        store.auth.invalidate_session,
        store.floor_invalidate_session,
        idle=False,
    )


async def _get_all(backend: Backend, store: Store, settings: Settings, count: int) -> dict[str, Any]:
    label = f"many{count}"
    owner = user_id(label, 0)
    await load(store, label, sessions_count=count, users_count=1)
    sessions = await store.auth.get_all_user_sessions(owner)
    if len(sessions) != count or await store.floor_get_user_sessions(owner) != count:
        raise AssertionError(f"{backend.name}: get_all_user_sessions did not find {count} sessions")

    async def library(index: int) -> object:
        return await store.auth.get_all_user_sessions(owner)

    async def floor(index: int) -> object:
        return await store.floor_get_user_sessions(owner)

    trips = {
        "library": await count_round_trips(store, library, COUNTED_CALLS),
        "floor": await count_round_trips(store, floor, COUNTED_CALLS),
    }
    result = await _measure(settings, library, floor)
    return _record(backend, "get_all_user_sessions", result, trips, sessions=count)


async def run(backend: Backend, settings: Settings) -> list[dict[str, Any]]:
    """Measure every operation on one private store."""
    store = await backend.store("ops")
    records: list[dict[str, Any]] = []
    try:
        await store.insert_users([user_id("ops", number) for number in range(USERS)])
        # The idle and doomed sessions belong to the same users as the created ones.
        for label in ("idle", "doomed"):
            await store.insert_users([user_id(label, number) for number in range(USERS)])
        records.append(await _idle(backend, store, settings))
        records.append(await _create(backend, store, settings))
        records.append(await _invalidate(backend, store, settings))
    finally:
        await store.drop()
    # A store of its own, holding just these users' sessions: what the other operations left
    # behind would otherwise weigh on a server that scans (FerretDB).
    store = await backend.store("many")
    try:
        for count in settings.sessions_per_user:
            records.append(await _get_all(backend, store, settings, count))
    finally:
        await store.drop()
    return records
