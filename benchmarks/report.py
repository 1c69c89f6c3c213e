"""The results of a run: the targets checked, text tables, and the JSON file.

``results`` is one JSON-ready dict: ``meta`` (mode, timing, load, machine, servers, settings,
what the floor is per backend) and one entry per scenario (``validate``, ``operations``,
``scale``, ``login``, ``peers``), plus ``targets`` and ``errors``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

#: The targets of the benchmark suite (a target is met when the median satisfies it).
ACTIVE_RATIO_LIMIT = 1.15
ACTIVE_CONCURRENCY = 16
FASTAPI_USERS_SPEEDUP = 2.0
NODE_SPEEDUP = 1.0
LOGIN_P99_RATIO_LIMIT = 2.0
SCALE_GROWTH_LIMIT = 1.2


def _median(stat: Mapping[str, Any]) -> float:
    return float(stat["median"])


def _target(
    name: str, where: str, value: float, limit: float, *, at_most: bool, note: str = ""
) -> dict[str, Any]:
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
    checked = []
    for record in results.get("validate", []):
        if record["concurrency"] == ACTIVE_CONCURRENCY:
            checked.append(
                _target(
                    "active path library/floor at concurrency 16",
                    record["backend"],
                    _median(record["ratio"]),
                    ACTIVE_RATIO_LIMIT,
                    at_most=True,
                )
            )
    peers = results.get("peers")
    if peers:
        checked.append(
            _target(
                "validations/s vs fastapi-users (DatabaseStrategy)",
                "postgres",
                _median(peers["speedup_vs_fastapi_users"]),
                FASTAPI_USERS_SPEEDUP,
                at_most=False,
            )
        )
        checked.append(
            _target(
                "validations/s vs Lucia v2 on Node",
                "postgres",
                _median(peers["speedup_vs_lucia_v2_node"]),
                NODE_SPEEDUP,
                at_most=False,
            )
        )
    for record in results.get("login", {}).get("runs", []):
        checked.append(
            _target(
                "p99 during 8 concurrent logins / quiet p99",
                record["backend"],
                _median(record["p99_ratio"]),
                LOGIN_P99_RATIO_LIMIT,
                at_most=True,
            )
        )
    by_backend: dict[str, list[Mapping[str, Any]]] = {}
    for record in results.get("scale", []):
        by_backend.setdefault(record["backend"], []).append(record)
    for backend, records in by_backend.items():
        largest = max(records, key=lambda record: record["sessions"])
        smallest = min(records, key=lambda record: record["sessions"])
        checked.append(
            _target(
                f"validation cost at {largest['sessions']:,} / at {smallest['sessions']:,} sessions",
                backend,
                _median(largest["growth"]),
                SCALE_GROWTH_LIMIT,
                at_most=True,
                note=f"the floor's own growth: {_median(largest['floor_growth']):.2f}",
            )
        )
    return checked


# ----------------------------------------------------------------- text tables


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=False)]
    lines = ["  ".join(str(cell).rjust(width) for cell, width in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += [
        "  ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True)) for row in rows
    ]
    return "\n".join(lines)


def _spread(stat: Mapping[str, Any], digits: int = 2) -> str:
    """``median [min-max]``."""
    return f"{stat['median']:.{digits}f} [{stat['min']:.{digits}f}-{stat['max']:.{digits}f}]"


def _trips(record: Mapping[str, Any]) -> str:
    trips = record.get("round_trips")
    if not trips:
        return "-"
    return f"{trips['library']:g} / {trips['floor']:g}"


def text_tables(results: Mapping[str, Any]) -> str:
    """Every scenario's results as aligned text tables, then the targets."""
    parts = []
    if results.get("validate"):
        rows = [
            [
                record["backend"],
                str(record["concurrency"]),
                _spread(record["library"]["throughput_per_s"], 0),
                _spread(record["floor"]["throughput_per_s"], 0),
                f"{record['library']['p50_ms']['median']:.2f} / {record['floor']['p50_ms']['median']:.2f}",
                f"{record['library']['p99_ms']['median']:.2f} / {record['floor']['p99_ms']['median']:.2f}",
                _spread(record["ratio"]),
                _trips(record),
            ]
            for record in results["validate"]
        ]
        parts.append(
            "validate_session, active session (library vs floor)\n"
            + _table(
                [
                    "backend",
                    "conc",
                    "library/s",
                    "floor/s",
                    "p50 ms lib/floor",
                    "p99 ms lib/floor",
                    "library/floor",
                    "redis req",
                ],
                rows,
            )
        )
    if results.get("operations"):
        rows = [
            [
                record["backend"],
                record["operation"] + (f" ({record['sessions']})" if "sessions" in record else ""),
                _spread(record["library"]["throughput_per_s"], 0),
                _spread(record["floor"]["throughput_per_s"], 0),
                f"{record['library']['p50_ms']['median']:.2f} / {record['floor']['p50_ms']['median']:.2f}",
                _spread(record["ratio"]),
                _trips(record),
            ]
            for record in results["operations"]
        ]
        parts.append(
            "other operations, concurrency 1 (library vs floor)\n"
            + _table(
                [
                    "backend",
                    "operation",
                    "library/s",
                    "floor/s",
                    "p50 ms lib/floor",
                    "library/floor",
                    "redis req",
                ],
                rows,
            )
        )
    if results.get("scale"):
        rows = [
            [
                record["backend"],
                f"{record['sessions']:,}",
                f"{record['load_seconds']:.1f}",
                f"{record['library']['p50_ms']['median']:.3f}",
                f"{record['floor']['p50_ms']['median']:.3f}",
                _spread(record["growth"]),
                _spread(record["floor_growth"]),
                _spread(record["ratio"]),
            ]
            for record in results["scale"]
        ]
        parts.append(
            "scale: validate_session with N stored sessions, concurrency 1\n"
            + _table(
                [
                    "backend",
                    "sessions",
                    "load s",
                    "p50 ms lib",
                    "p50 ms floor",
                    "growth",
                    "floor growth",
                    "lib/floor",
                ],
                rows,
            )
        )
    login = results.get("login") or {}
    if login.get("runs"):
        hasher = login["hasher"]
        rows = [
            [
                record["backend"],
                f"{record['quiet']['p99_ms']['median']:.2f}",
                f"{record['during_logins']['p99_ms']['median']:.2f}",
                _spread(record["p99_ratio"]),
                f"{record['loop_lag_p99_ms']['quiet']['median']:.2f} / "
                f"{record['loop_lag_p99_ms']['logins']['median']:.2f}",
                f"{record['logins_per_s']['median']:.1f}",
            ]
            for record in login["runs"]
        ]
        parts.append(
            f"login load: validate_session (concurrency {login['runs'][0]['validate_concurrency']}) while"
            f" {login['runs'][0]['logins']} use_key run; Argon2id {hasher['parameters']}: hash"
            f" {_spread(hasher['generate_ms'], 0)} ms, verify {_spread(hasher['validate_ms'], 0)} ms\n"
            + _table(
                ["backend", "quiet p99 ms", "logins p99 ms", "ratio", "loop lag p99 ms q/l", "logins/s"],
                rows,
            )
        )
    peers = results.get("peers")
    if peers:
        rows = [
            [
                name,
                _spread(figures["throughput_per_s"], 0),
                f"{figures['p50_ms']['median']:.2f}",
                f"{figures['p99_ms']['median']:.2f}",
            ]
            for name, figures in peers["implementations"].items()
        ]
        parts.append(
            f"peers on PostgreSQL, concurrency {peers['concurrency']}: lucia-core is"
            f" {_spread(peers['speedup_vs_fastapi_users'])}x fastapi-users,"
            f" {_spread(peers['speedup_vs_lucia_v2_node'])}x Lucia v2 on Node\n"
            + _table(["implementation", "validations/s", "p50 ms", "p99 ms"], rows)
        )
    if results.get("targets"):
        rows = [
            [
                target["target"],
                target["where"],
                f"{target['value']:.2f} {target['comparison']} {target['limit']:g}",
                "met" if target["met"] else "MISSED",
            ]
            for target in results["targets"]
        ]
        parts.append("targets\n" + _table(["target", "where", "median", "status"], rows))
    for error in results.get("errors", []):
        parts.append(f"ERROR in {error['scenario']} on {error['backend']}: {error['error']}")
    return "\n\n".join(parts)


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
