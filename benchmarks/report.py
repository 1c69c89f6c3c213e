"""The targets of the benchmark, checked against a run's results, and the results' JSON file.

``results`` is one JSON-ready dict: ``meta`` (mode, timing, load, machine, servers, settings,
what the floor is per backend) and one entry per scenario (``validate``, ``operations``,
``scale``, ``login``, ``peers``, ``profile``), plus ``targets`` and ``errors``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: validate_session on an active session, library / floor (time per call), at every concurrency.
SERVER_RATIO_LIMIT = 1.10
SQLITE_RATIO_LIMIT = 1.30
#: get_all_user_sessions, library / floor, on every backend and at every session count.
GET_ALL_RATIO_LIMIT = 1.5
#: validate_session p99 during 8 concurrent logins over the quiet p99.
LOGIN_P99_RATIO_LIMIT = 2.0
#: lucia-core's validations/s over Django's.
DJANGO_SPEEDUP = 3.0


def active_limit(backend: str) -> float:
    """The active-path target of ``backend``: SQLite's floor is in-process, so tighter to reach."""
    return SQLITE_RATIO_LIMIT if backend == "sqlite" else SERVER_RATIO_LIMIT


def _target(
    name: str, where: str, stat: Mapping[str, Any], limit: float, *, at_most: bool, note: str = ""
) -> dict[str, Any]:
    value = float(stat["median"])
    met = value <= limit if at_most else value >= limit
    return {
        "target": name,
        "where": where,
        "value": value,
        "limit": limit,
        "comparison": "<=" if at_most else ">=",
        "met": bool(met) and not math.isnan(value),
        "note": note,
    }


def targets(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every target with its measured median and whether it is met."""
    checked = [
        _target(
            f"validate_session / floor, concurrency {record['concurrency']}",
            record["backend"],
            record["ratio"],
            active_limit(record["backend"]),
            at_most=True,
        )
        for record in results.get("validate", [])
    ]
    checked += [
        _target(
            f"get_all_user_sessions / floor, {record['sessions']} sessions",
            record["backend"],
            record["ratio"],
            GET_ALL_RATIO_LIMIT,
            at_most=True,
        )
        for record in results.get("operations", [])
        if record["operation"] == "get_all_user_sessions"
    ]
    # The target is the default hasher's; the other run shows the trade-off (section 4).
    for record in results.get("login", {}).get("runs", []):
        if record.get("hasher", "default") != "default":
            continue
        lag = record["loop_lag_p99_ms"]
        checked.append(
            _target(
                f"p99 during {record['logins']} concurrent logins / quiet p99",
                record["backend"],
                record["p99_ratio"],
                LOGIN_P99_RATIO_LIMIT,
                at_most=True,
                note=f"loop lag p99 {lag['quiet']['median']:.2f} ms quiet, {lag['logins']['median']:.2f} ms"
                " during logins",
            )
        )
    peers = results.get("peers")
    if peers:
        checked.append(
            _target(
                "validations/s over Django's session authentication",
                "postgres",
                peers["speedup"]["django"],
                DJANGO_SPEEDUP,
                at_most=False,
                note=f"Django: {peers['django_queries_per_request']:g} SQL statements per request",
            )
        )
    return checked


def write_json(results: Mapping[str, Any], path: Path) -> None:
    """Write ``results`` as indented JSON (NaN written as null)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, Mapping):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        return value

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(clean(results), indent=1) + "\n", encoding="utf-8")
