"""Scenario ``scale``: the active path as the number of stored sessions grows.

One private store per size is bulk-loaded with the driver (ten sessions per user), then the
library and the floor validate random stored sessions at concurrency 1, every size's rounds
interleaved with every other's. Growth is the median latency (p50) at a size over that at the
smallest size, per repetition (flat means within 20%); the median rather than the time per call,
because at concurrency 1 a single stall of a shared machine moves the mean of a round.
"""

from __future__ import annotations

import random
import time
from typing import Any

from .backend import Backend, Store, load
from .data import session_id
from .measure import Variant, compare
from .scenario_validate import cycle
from .settings import Settings

#: Sessions per user in the scale stores.
SESSIONS_PER_USER = 10
#: Distinct random sessions each size's variants cycle through.
SAMPLE = 20_000


def sizes_for(backend: Backend, settings: Settings) -> tuple[int, ...]:
    """The stored-session counts measured on ``backend``."""
    return settings.scale_sizes_large if backend.large_scale else settings.scale_sizes_small


async def run(backend: Backend, settings: Settings) -> list[dict[str, Any]]:
    """Load one store per size, measure them interleaved, drop them."""
    sizes = sizes_for(backend, settings)
    stores: dict[int, Store] = {}
    load_seconds: dict[int, float] = {}
    records: list[dict[str, Any]] = []
    try:
        variants: list[Variant] = []
        for size in sizes:
            label = f"scale{size}"
            began = time.perf_counter()
            store = stores[size] = await backend.store(label)
            await load(store, label, sessions_count=size, users_count=max(1, size // SESSIONS_PER_USER))
            await store.analyze()
            load_seconds[size] = time.perf_counter() - began
            picks = random.Random(size).sample(range(size), min(size, SAMPLE))
            ids = [session_id(label, number) for number in picks]
            if not await store.floor_validate(ids[0]):
                raise AssertionError(f"{backend.name}: a stored session was not found")
            variants.append(Variant(f"library@{size}", cycle(ids, store.auth.validate_session)))
            variants.append(Variant(f"floor@{size}", cycle(ids, store.floor_validate)))
        result = await compare(
            variants,
            concurrency=1,
            reps=settings.reps,
            seconds=settings.scale_seconds,
            warmup_seconds=settings.warmup_seconds,
        )
        smallest = sizes[0]
        for size in sizes:
            records.append(
                {
                    "backend": backend.name,
                    "sessions": size,
                    "load_seconds": load_seconds[size],
                    "library": result.summary(f"library@{size}").to_json(),
                    "floor": result.summary(f"floor@{size}").to_json(),
                    "ratio": result.cost_ratio(f"library@{size}", f"floor@{size}").to_json(),
                    "growth": result.p50_ratio(f"library@{size}", f"library@{smallest}").to_json(),
                    "floor_growth": result.p50_ratio(f"floor@{size}", f"floor@{smallest}").to_json(),
                }
            )
    finally:
        for store in stores.values():
            await store.drop()
    return records
