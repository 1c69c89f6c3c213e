"""Scenario ``profile``: where the CPU time of the hot path goes, library next to floor.

For ``validate_session`` on active sessions (concurrency 16) and ``get_all_user_sessions`` (a
user with 10 sessions, concurrency 1), each side runs a fixed number of calls under ``cProfile``
timing the event loop thread's CPU (``time.thread_time``); the functions' own time is summed per
layer (lucia-core's core, its adapter, the driver, asyncio, socket and selector built-ins, the
rest) and divided by the calls. A second, unprofiled pass measures the process CPU time per call
of each side (``time.process_time``: the event loop and every thread of this process, so
aiosqlite's thread too, but not the database server), and lucia-core's core alone over an
adapter that answers from memory. The profiler inflates small Python functions, so the layer
split tells where the time goes, and the unprofiled CPU times what it costs.
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import time
from collections.abc import Awaitable, Callable
from typing import Any

from lucia_core import lucia
from lucia_core.expiration import now_ms

from .backend import Backend, Store, load, session_ids
from .data import user_id
from .scenario_validate import SESSIONS, USERS, cycle
from .settings import Settings

Call = Callable[[int], Awaitable[object]]
CONCURRENCY = 16
#: Sessions of the user whose sessions get_all_user_sessions lists.
USER_SESSIONS = 10
#: Layers, by the path of a function's file (first match wins); "other" for the rest.
LAYERS = (
    ("core", ("/lucia_core/",)),
    ("adapter", ("/lucia_adapter_",)),
    ("driver", ("/asyncpg/", "/aiomysql/", "/pymysql/", "/aiosqlite/", "/pymongo/", "/redis/", "/motor/")),
    ("asyncio", ("/asyncio/", "/selectors.py", "/concurrent/", "/threading.py", "/queue.py")),
)


def _layer(filename: str) -> str:
    for layer, markers in LAYERS:
        if any(marker in filename for marker in markers):
            return layer
    # Built-ins ("~") are mostly socket and selector calls: the driver's and the loop's I/O.
    return "io" if filename == "~" else "other"


async def _run(call: Call, calls: int, concurrency: int) -> None:
    per_worker = calls // concurrency

    async def worker(number: int) -> None:
        for index in range(number * per_worker, (number + 1) * per_worker):
            await call(index)

    await asyncio.gather(*(worker(number) for number in range(concurrency)))


async def _layers(call: Call, calls: int, concurrency: int) -> dict[str, float]:
    """Microseconds of the event loop thread's CPU time per call, per layer (own time of each
    function), under cProfile."""
    # The event loop thread's CPU time, not wall time: waiting in epoll costs nothing.
    profile = cProfile.Profile(time.thread_time)
    profile.enable()
    await _run(call, calls, concurrency)
    profile.disable()
    totals: dict[str, float] = {}
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    for (filename, _, _), (_, _, own, _, _) in stats.items():
        layer = _layer(filename)
        totals[layer] = totals.get(layer, 0.0) + own
    return {layer: seconds / calls * 1e6 for layer, seconds in sorted(totals.items())}


async def _cpu_us(call: Call, calls: int, concurrency: int) -> float:
    """Process CPU time per call (microseconds), without the profiler."""
    began = time.process_time()
    await _run(call, calls, concurrency)
    return (time.process_time() - began) / calls * 1e6


class _MemoryAdapter:
    """Answers get_session_and_user from memory: what lucia-core's core costs by itself."""

    def __init__(self, row: dict[str, Any]) -> None:
        self._session = row
        self._user = {"id": row["user_id"]}

    async def get_session_and_user(self, session_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        return self._session, self._user

    def __getattr__(self, name: str) -> Any:
        async def not_used(*args: object) -> None:
            raise NotImplementedError(name)  # validate_session on an active session calls none

        return not_used


async def core_alone_us(calls: int) -> float:
    """CPU per validate_session of the core alone (concurrency 1, an in-memory adapter)."""
    now = now_ms()
    session_id = "s" * 40
    row: dict[str, Any] = {
        "id": session_id,
        "user_id": "u" * 15,
        "active_expires": now + 86_400_000,
        "idle_expires": now + 10**9,
    }
    auth = lucia(adapter=_MemoryAdapter(row))
    for _ in range(1000):
        await auth.validate_session(session_id)
    began = time.process_time()
    for _ in range(calls):
        await auth.validate_session(session_id)
    return (time.process_time() - began) / calls * 1e6


async def _calls(call: Call, calls: int, concurrency: int, seconds: float) -> int:
    """A warm-up (prepared statements, pools, caches) that also sets the calls per pass: at most
    ``calls``, and no more than about ``seconds`` of this backend's pace (FerretDB is slow)."""
    warmup = max(concurrency, calls // 8)
    began = time.perf_counter()
    await _run(call, warmup, concurrency)
    pace = warmup / max(time.perf_counter() - began, 1e-6)
    return max(warmup, min(calls, int(pace * seconds)) // concurrency * concurrency)


async def _compare(
    library: Call, floor: Call, calls: int, concurrency: int, seconds: float
) -> dict[str, Any]:
    calls = min(
        await _calls(library, calls, concurrency, seconds), await _calls(floor, calls, concurrency, seconds)
    )
    cpu: dict[str, list[float]] = {"library": [], "floor": []}
    for _ in range(3):  # interleaved, the median taken
        cpu["library"].append(await _cpu_us(library, calls, concurrency))
        cpu["floor"].append(await _cpu_us(floor, calls, concurrency))
    return {
        "concurrency": concurrency,
        "calls": calls,
        "cpu_us": {side: sorted(values)[1] for side, values in cpu.items()},
        "layers_us": {
            "library": await _layers(library, calls, concurrency),
            "floor": await _layers(floor, calls, concurrency),
        },
    }


async def run(backend: Backend, settings: Settings) -> dict[str, Any]:
    """Profile the active path and get_all_user_sessions on one private store."""
    store = await backend.store("profile")
    try:
        return await _profile(backend, store, settings)
    finally:
        await store.drop()


async def _profile(backend: Backend, store: Store, settings: Settings) -> dict[str, Any]:
    await load(store, "profile", sessions_count=SESSIONS, users_count=USERS)
    await load(store, "owner", sessions_count=USER_SESSIONS, users_count=1)
    await store.analyze()
    ids = session_ids("profile", SESSIONS)
    owner = user_id("owner", 0)

    async def library_all(index: int) -> object:
        return await store.auth.get_all_user_sessions(owner)

    async def floor_all(index: int) -> object:
        return await store.floor_get_user_sessions(owner)

    calls, seconds = settings.profile_calls, settings.profile_seconds
    return {
        "backend": backend.name,
        "validate": await _compare(
            cycle(ids, store.auth.validate_session),
            cycle(ids, store.floor_validate),
            calls,
            CONCURRENCY,
            seconds,
        ),
        "get_all_user_sessions": await _compare(library_all, floor_all, calls // 4, 1, seconds),
    }
