"""Timed rounds, interleaved comparisons and their statistics.

A *variant* is one way of doing an operation (lucia-core, or the floor written with the driver).
:func:`compare` warms every variant up, then runs ``reps`` rounds of each, alternating them
(ABAB..., with the order flipped every other repetition so that neither side always goes first).
Each round reports its throughput and latency percentiles; a :class:`Stat` is the median of a
figure over the rounds with its range, and a ratio is taken per repetition (from
rounds run back to back) before its median is.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: An operation under test: called with a running index (0, 1, 2, ... across all the variant's
#: rounds), so that it can pick the i-th pre-made row or spread its calls over many ids.
Operation = Callable[[int], Awaitable[object]]


@dataclass(frozen=True)
class Variant:
    """One side of a comparison.

    ``supply`` is how many calls the variant can make in all (its pre-made rows, warm-up
    included); None for an operation that can be repeated without end.
    """

    name: str
    operation: Operation
    supply: int | None = None


@dataclass
class Round:
    """One timed stretch of one variant: how many calls completed, in how long, each latency."""

    calls: int
    seconds: float
    latencies_ns: list[int]

    @property
    def throughput(self) -> float:
        """Completed calls per second."""
        return self.calls / self.seconds if self.seconds > 0 else 0.0

    @property
    def seconds_per_call(self) -> float:
        """Wall time per call (the inverse of throughput; at concurrency 1 the mean latency)."""
        return self.seconds / self.calls if self.calls else math.inf

    def percentile_ms(self, fraction: float) -> float:
        """The latency at ``fraction`` (0.5, 0.99) of this round's sorted latencies, in ms."""
        return percentile(self.latencies_ns, fraction) / 1e6


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` percentile with linear interpolation between closest ranks."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Stat:
    """A figure over repeated rounds: its median, range and the number of rounds."""

    median: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        """The statistics of ``values`` (NaN everywhere for no values)."""
        if not values:
            return cls(math.nan, math.nan, math.nan, 0)
        return cls(
            median=statistics.median(values),
            min=min(values),
            max=max(values),
            n=len(values),
        )

    def to_json(self) -> dict[str, float | int]:
        """A JSON-ready dict of the fields."""
        return {
            "median": self.median,
            "min": self.min,
            "max": self.max,
            "n": self.n,
        }

    def text(self, digits: int = 2) -> str:
        """``median [min-max]`` for tables."""
        return f"{self.median:.{digits}f} [{self.min:.{digits}f}-{self.max:.{digits}f}]"


@dataclass
class Summary:
    """One variant's rounds in a comparison, summarized."""

    throughput: Stat
    p50_ms: Stat
    p99_ms: Stat

    @classmethod
    def of(cls, rounds: Sequence[Round]) -> Summary:
        """Throughput and latency percentiles over ``rounds`` (each figure per round, then Stat)."""
        return cls(
            throughput=Stat.of([r.throughput for r in rounds]),
            p50_ms=Stat.of([r.percentile_ms(0.5) for r in rounds]),
            p99_ms=Stat.of([r.percentile_ms(0.99) for r in rounds]),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "throughput_per_s": self.throughput.to_json(),
            "p50_ms": self.p50_ms.to_json(),
            "p99_ms": self.p99_ms.to_json(),
        }


@dataclass
class Comparison:
    """The rounds of every variant of one comparison, in the order they ran, per repetition."""

    rounds: dict[str, list[Round]] = field(default_factory=dict)

    def summary(self, name: str) -> Summary:
        """The summary of one variant's rounds."""
        return Summary.of(self.rounds[name])

    def cost_ratio(self, name: str, baseline: str) -> Stat:
        """Time per call of ``name`` over that of ``baseline``, per repetition: > 1 means slower."""
        pairs = zip(self.rounds[name], self.rounds[baseline], strict=True)
        return Stat.of([a.seconds_per_call / b.seconds_per_call for a, b in pairs])

    def p50_ratio(self, name: str, baseline: str) -> Stat:
        """Median latency of ``name`` over that of ``baseline``, per repetition."""
        pairs = zip(self.rounds[name], self.rounds[baseline], strict=True)
        return Stat.of([a.percentile_ms(0.5) / b.percentile_ms(0.5) for a, b in pairs])

    def p99_ratio(self, name: str, baseline: str) -> Stat:
        """p99 latency of ``name`` over that of ``baseline``, per repetition."""
        pairs = zip(self.rounds[name], self.rounds[baseline], strict=True)
        return Stat.of([a.percentile_ms(0.99) / b.percentile_ms(0.99) for a, b in pairs])


async def run_round(
    operation: Operation,
    *,
    concurrency: int,
    seconds: float,
    start: int = 0,
    limit: int | None = None,
    stop: asyncio.Event | None = None,
) -> Round:
    """Run ``operation`` from ``concurrency`` workers for ``seconds`` (closed loop).

    Each worker calls the operation back to back and stops at its first call that ends after the
    deadline (or once ``stop`` is set, when given); the indexes handed out start at ``start`` and
    stop before ``limit``. Latency is measured around each awaited call with ``perf_counter_ns``.
    """
    indexes = itertools.count(start)
    latencies: list[int] = []
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        clock = time.perf_counter_ns
        while True:
            index = next(indexes)
            if limit is not None and index >= limit:
                return
            began = clock()
            await operation(index)
            latencies.append(clock() - began)
            if time.perf_counter() >= deadline or (stop is not None and stop.is_set()):
                return

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Round(calls=len(latencies), seconds=time.perf_counter() - began, latencies_ns=latencies)


async def compare(
    variants: Sequence[Variant],
    *,
    concurrency: int,
    reps: int,
    seconds: float,
    warmup_seconds: float,
    between: Callable[[], Awaitable[None]] | None = None,
) -> Comparison:
    """Warm every variant up, then run ``reps`` rounds of each, interleaved.

    Repetition r runs the variants in order when r is even and in reverse when odd. A variant
    with a ``supply`` gets an equal share of it per round (warm-up included) as its index range.
    ``between``, when given, is awaited before every round (a cache reset, say).
    """
    result = Comparison({variant.name: [] for variant in variants})
    positions = dict.fromkeys((variant.name for variant in variants), 0)

    async def one(variant: Variant, round_seconds: float, record: bool) -> None:
        start = positions[variant.name]
        limit = None
        if variant.supply is not None:
            limit = start + variant.supply // (reps + 1)
        if between is not None:
            await between()
        measured = await run_round(
            variant.operation, concurrency=concurrency, seconds=round_seconds, start=start, limit=limit
        )
        # Every index handed out below the limit was used, and in order: the next round goes on.
        positions[variant.name] = start + measured.calls
        if record:
            result.rounds[variant.name].append(measured)

    for variant in variants:
        await one(variant, warmup_seconds, record=False)
    for rep in range(reps):
        order = variants if rep % 2 == 0 else list(reversed(variants))
        for variant in order:
            await one(variant, seconds, record=True)
    return result


def stat_map(values: Mapping[str, Stat]) -> dict[str, dict[str, float | int]]:
    """JSON-ready form of a mapping of stats."""
    return {name: stat.to_json() for name, stat in values.items()}
