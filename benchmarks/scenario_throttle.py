"""Scenario ``throttle``: what a login-throttle check costs next to ``validate_session``.

On the Redis backend the throttle uses ``redis_store`` on the same Redis client as the sessions;
on SQLite (the in-process backend) it uses ``memory_store``; other backends are skipped (their
throttle would be one of those two). Three variants run interleaved at each concurrency:
``validate`` (``validate_session`` on active sessions, round robin), ``check`` (a sign-in's check
of a username and an address without failures: the usual case, one script call on Redis) and
``refused`` (a check of a timed-out key, which raises ``TooManyAttempts``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from lucia_core.throttling import Throttle, ThrottleStore, TooManyAttempts, memory_store, redis_store

from .backend import Backend, load, run_label, session_ids
from .measure import Operation, Variant, compare
from .scenario_validate import SESSIONS, USERS, count_round_trips, cycle
from .settings import Settings

#: Distinct usernames and addresses the ``check`` variant cycles through.
KEYS = 1_000
TIMED_OUT = "username:locked-out"


def throttle_store(backend: Backend) -> ThrottleStore | None:
    """The store the throttle would use beside this backend, or None to skip it."""
    if backend.name == "redis":
        assert backend.client is not None
        return redis_store(backend.client, prefix=f"{run_label()}_throttle")
    if backend.name == "sqlite":
        return memory_store()
    return None


def checks(throttle: Throttle) -> tuple[Operation, Operation]:
    """The ``check`` and ``refused`` operations."""

    async def check(index: int) -> object:
        await throttle.check(f"username:user{index % KEYS}", f"ip:198.51.{index % KEYS // 256}.{index % 256}")
        return None

    async def refused(index: int) -> object:
        try:
            await throttle.check(TIMED_OUT)
        except TooManyAttempts as error:
            return error.retry_after
        raise AssertionError("the timed-out key passed its check")

    return check, refused


async def run(backend: Backend, settings: Settings) -> list[dict[str, Any]]:
    """Measure the three variants at every concurrency of ``settings``."""
    store_for_throttle = throttle_store(backend)
    if store_for_throttle is None:
        return []
    throttle = Throttle(store=store_for_throttle, base_delay=timedelta(hours=1), max_delay=timedelta(hours=1))
    store = await backend.store("throttle")
    records: list[dict[str, Any]] = []
    try:
        await load(store, "active", sessions_count=SESSIONS, users_count=USERS)
        await store.analyze()
        await throttle.fail(TIMED_OUT)
        validate = cycle(session_ids("active", SESSIONS), store.auth.validate_session)
        check, refused = checks(throttle)
        trips = {
            "validate": await count_round_trips(store, validate, 20),
            "check": await count_round_trips(store, check, 20),
            "refused": await count_round_trips(store, refused, 20),
        }
        for concurrency in settings.concurrencies:
            result = await compare(
                [Variant("validate", validate), Variant("check", check), Variant("refused", refused)],
                concurrency=concurrency,
                reps=settings.reps,
                seconds=settings.round_seconds,
                warmup_seconds=settings.warmup_seconds,
            )
            records.append(
                {
                    "backend": backend.name,
                    "store": type(store_for_throttle).__name__,
                    "concurrency": concurrency,
                    **{name: result.summary(name).to_json() for name in ("validate", "check", "refused")},
                    "check_over_validate": result.cost_ratio("check", "validate").to_json(),
                    "refused_over_validate": result.cost_ratio("refused", "validate").to_json(),
                    "round_trips": trips if trips["check"] is not None else None,
                }
            )
    finally:
        await throttle.reset(TIMED_OUT)
        await store.drop()
    return records


def _us(summary: Mapping[str, Any]) -> str:
    """The median over rounds of the p50 latency, in microseconds."""
    return f"{summary['p50_ms']['median'] * 1000:.0f}"


def markdown(records: Sequence[Mapping[str, Any]]) -> str:
    """The scenario's results as a markdown section (empty when it did not run): printed by a
    quick run, and ready for the benchmark page."""
    if not records:
        return ""
    lines = [
        "## Login throttle check next to validate_session",
        "",
        "Median over rounds of the p50 latency; cost ratio = time per call over validate_session's"
        " (< 1 is cheaper); Redis requests per call (validate / check / refused).",
        "",
        "| backend | store | concurrency | validate p50 µs | check p50 µs | refused p50 µs"
        " | check / validate | refused / validate | Redis requests |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for record in records:
        trips = record["round_trips"]
        cells = [
            record["backend"],
            record["store"],
            str(record["concurrency"]),
            _us(record["validate"]),
            _us(record["check"]),
            _us(record["refused"]),
            f"{record['check_over_validate']['median']:.2f}",
            f"{record['refused_over_validate']['median']:.2f}",
            f"{trips['validate']:g} / {trips['check']:g} / {trips['refused']:g}" if trips else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
