"""Scenario ``login``: the event loop under login load.

``validate_session`` runs at a fixed concurrency in two kinds of phases, interleaved: *quiet*
(nothing else running) and *logins* (meanwhile ``logins`` coroutines call ``use_key`` back to
back with the right password, each a default Argon2id validation, and the phase lasts until the
last of them has returned). The target is the p99 validation latency during logins within 2x the
quiet p99: hashing runs in worker threads and must not hold up the loop. A probe coroutine
sleeping 1 ms measures the loop's lag in each phase. The default hasher's time per hash is
measured first.

The trade-off of the default (argon2-cffi's ``RFC_9106_LOW_MEMORY`` profile in one lane) is
measured against the profile as it is (four lanes): the same memory and passes per guess, so the
same cost to an attacker; the time and CPU per hash alone, and the same login phases (on
PostgreSQL), for each.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any

import argon2

from lucia_core import KeyRow, lucia
from lucia_core.password import Argon2idHasher

from .backend import Backend, Store, load, session_ids
from .measure import Round, Stat, Summary, percentile, run_round
from .scenario_validate import SESSIONS, USERS, cycle
from .settings import Settings

PASSWORD = "correct horse battery staple"  # noqa: S105 - benchmark data
PROVIDER = "username"
#: Concurrency of the validations measured in both phases.
VALIDATE_CONCURRENCY = 4
#: The loop-lag probe's sleep.
PROBE_SECONDS = 0.001


async def _probe(lags: list[float], stop: asyncio.Event) -> None:
    """Sleep 1 ms at a time; record how late each wake-up is (ms)."""
    while not stop.is_set():
        began = time.perf_counter()
        await asyncio.sleep(PROBE_SECONDS)
        lags.append((time.perf_counter() - began - PROBE_SECONDS) * 1000)


async def _quiet(store: Store, ids: list[str], settings: Settings) -> tuple[Round, list[float], int]:
    """A quiet phase: validations alone, for the phase length."""
    stop = asyncio.Event()
    lags: list[float] = []
    probe = asyncio.create_task(_probe(lags, stop))
    measured = await run_round(
        cycle(ids, store.auth.validate_session),
        concurrency=VALIDATE_CONCURRENCY,
        seconds=settings.login_phase_seconds,
    )
    stop.set()
    await probe
    return measured, lags, 0


async def _logins(store: Store, ids: list[str], settings: Settings) -> tuple[Round, list[float], int]:
    """A login phase: ``settings.logins`` coroutines call ``use_key`` back to back until the phase
    length has passed; validations are measured until the last of those calls has returned, so
    every validation ran while logins were in progress (the calls queued in lucia-core's hashing
    pool included)."""
    submitting = True
    logins_done = asyncio.Event()
    stop = asyncio.Event()
    done = 0

    async def login_loop(number: int) -> None:
        nonlocal done
        while submitting:
            await store.auth.use_key(PROVIDER, f"user{number}", PASSWORD)
            done += 1

    async def logins() -> None:
        await asyncio.gather(*(login_loop(number) for number in range(settings.logins)))
        logins_done.set()

    def stop_submitting() -> None:
        nonlocal submitting
        submitting = False

    loop = asyncio.get_running_loop()
    timer = loop.call_later(settings.login_phase_seconds, stop_submitting)
    running = asyncio.create_task(logins())
    lags: list[float] = []
    probe = asyncio.create_task(_probe(lags, stop))
    try:
        measured = await run_round(
            cycle(ids, store.auth.validate_session),
            concurrency=VALIDATE_CONCURRENCY,
            seconds=math.inf,
            stop=logins_done,
        )
    finally:
        timer.cancel()
        stop_submitting()
        stop.set()
        await asyncio.gather(probe, running)
    return measured, lags, done


#: The hashers compared: the default, and the profile it is taken from as argon2-cffi defines it.
HASHERS: dict[str, Callable[[], Argon2idHasher]] = {
    "default": Argon2idHasher,
    "RFC_9106_LOW_MEMORY": lambda: Argon2idHasher(profile=argon2.profiles.RFC_9106_LOW_MEMORY),
}


async def hash_times(hasher: Argon2idHasher, settings: Settings) -> dict[str, Any]:
    """Time a hasher as lucia-core runs it (on its worker thread, one hash at a time): wall and
    process CPU milliseconds per hash and per verification."""
    wall: dict[str, list[float]] = {"generate": [], "validate": []}
    cpu: dict[str, list[float]] = {"generate": [], "validate": []}
    hashed = ""
    for _ in range(settings.hash_samples):
        for step in ("generate", "validate"):
            began, began_cpu = time.perf_counter(), time.process_time()
            if step == "generate":
                hashed = await hasher.generate(PASSWORD)
            else:
                await hasher.validate(PASSWORD, hashed)
            wall[step].append((time.perf_counter() - began) * 1000)
            cpu[step].append((time.process_time() - began_cpu) * 1000)
    return {
        "parameters": hasher.parameters,
        "max_concurrent": hasher.threads.workers,
        "niceness": hasher.threads.niceness,
        # What an attacker fills and passes over per guess, whatever the lanes.
        "memory_mib_x_passes": hasher.parameters["memory_cost"] / 1024 * hasher.parameters["time_cost"],
        "generate_ms": Stat.of(wall["generate"]).to_json(),
        "validate_ms": Stat.of(wall["validate"]).to_json(),
        "generate_cpu_ms": Stat.of(cpu["generate"]).to_json(),
        "validate_cpu_ms": Stat.of(cpu["validate"]).to_json(),
        "hash": hashed,
    }


async def run(backend: Backend, settings: Settings, hasher: Argon2idHasher, hashed: str) -> dict[str, Any]:
    """Measure quiet and login phases, interleaved, on a private store whose Auth uses ``hasher``;
    ``hashed`` is the password's hash (by that hasher) stored in every key."""
    store = await backend.store("login")
    store.auth = lucia(adapter=store.auth.adapter, env="PROD", password_hash=hasher)
    try:
        return await _run(backend, store, settings, hashed)
    finally:
        await store.drop()


async def _run(backend: Backend, store: Store, settings: Settings, hashed: str) -> dict[str, Any]:
    await load(store, "login", sessions_count=SESSIONS, users_count=USERS)
    await store.insert_users([f"loginuser{number}" for number in range(settings.logins)])
    await store.insert_keys(
        [
            KeyRow(id=f"{PROVIDER}:user{number}", user_id=f"loginuser{number}", hashed_password=hashed)
            for number in range(settings.logins)
        ]
    )
    await store.analyze()
    ids = session_ids("login", SESSIONS)
    await store.auth.use_key(PROVIDER, "user0", PASSWORD)
    await run_round(cycle(ids, store.auth.validate_session), concurrency=VALIDATE_CONCURRENCY, seconds=0.2)
    phases: dict[str, list[Round]] = {"quiet": [], "logins": []}
    lags: dict[str, list[float]] = {"quiet": [], "logins": []}
    logins_per_s: list[float] = []
    for rep in range(settings.reps):
        order = ("quiet", "logins") if rep % 2 == 0 else ("logins", "quiet")
        for phase in order:
            measured, phase_lags, done = await (_logins if phase == "logins" else _quiet)(
                store, ids, settings
            )
            phases[phase].append(measured)
            lags[phase].append(percentile(phase_lags, 0.99))
            if phase == "logins":
                logins_per_s.append(done / measured.seconds)
    ratio = Stat.of(
        [
            login.percentile_ms(0.99) / quiet.percentile_ms(0.99)
            for login, quiet in zip(phases["logins"], phases["quiet"], strict=True)
        ]
    )
    return {
        "backend": backend.name,
        "validate_concurrency": VALIDATE_CONCURRENCY,
        "logins": settings.logins,
        "quiet": Summary.of(phases["quiet"]).to_json(),
        "during_logins": Summary.of(phases["logins"]).to_json(),
        "p99_ratio": ratio.to_json(),
        "loop_lag_p99_ms": {phase: Stat.of(values).to_json() for phase, values in lags.items()},
        "logins_per_s": Stat.of(logins_per_s).to_json(),
    }
