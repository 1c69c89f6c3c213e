"""Render ``docs/benchmarks.md`` from a run's ``results.json``: every number in it comes from the run.

``python -m benchmarks --full`` writes it (next to the plots); ``python -m benchmarks.docs
RESULTS.json OUT.md`` renders it again from a saved run.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lucia_core.backends import BACKENDS

from . import scenario_throttle
from .report import (
    DJANGO_SPEEDUP,
    GET_ALL_RATIO_LIMIT,
    LOGIN_P99_RATIO_LIMIT,
    SERVER_RATIO_LIMIT,
    SQLITE_RATIO_LIMIT,
)

#: A backend's name in the page where it is not its ``lucia_core.backends`` label: the servers
#: measured (MariaDB, FerretDB) or the deployment (Redis sessions with PostgreSQL users).
LABELS = {
    "mysql": "MariaDB",
    "mongodb": "MongoDB (FerretDB)",
    "redis": "Redis + PostgreSQL users",
}

SERVER_SETTINGS = """\
The servers are the ones `.ci/run` starts (`scripts/backends.sh`), all on 127.0.0.1, tuned for
tests rather than durability: PostgreSQL with `fsync = off`, `synchronous_commit = off`,
`shared_buffers = 128MB`; MariaDB with `innodb_flush_log_at_trx_commit = 2`,
`innodb_buffer_pool_size = 128M`; Redis without persistence; FerretDB v1 on its SQLite backend.
SQLite files live in a temporary folder, in WAL mode with `synchronous = NORMAL`. Writes are
therefore cheaper than on a durable production set-up; reads, which most of these numbers are
about, are not affected."""

METHOD = f"""\
## How it is measured

- **Rounds, interleaved.** A comparison runs one warm-up round of each side, then R rounds of
  each, alternating the sides (A B, then B A, ...), on the same server, in the same process. A
  round is a closed loop: N coroutines call the operation back to back for the round's length.
- **Figures.** Throughput is calls per second of a round; p50 and p99 are a round's latency
  percentiles. Tables give the **median over the R rounds**, with the **[min-max]** range where
  it matters; plots draw the median with min-max error bars.
- **Ratios** (library / floor, growth, p99 ratio, speed-ups) are taken per repetition, from two
  rounds run back to back, and then their median: drift of the machine cancels out.
- **The floor** is the same operation written directly with the driver, in as few statements and
  round trips as the layout allows (listed per backend in each section). It checks the expirations in
  Python but builds no objects; lucia-core returns `Session` and `User` values. "library / floor"
  is time per call (> 1: lucia-core is slower).
- **Connections.** PostgreSQL and MariaDB pools of 16 connections (asyncpg, aiomysql with
  `autocommit=True`), shared by both sides; at concurrency 64 calls queue for a connection. One
  aiosqlite connection per SQLite file. pymongo's and redis-py's default pools.
- **Data.** Each scenario works in a private schema / prefix / database of its own, created with
  lucia-core's schema functions and dropped afterwards; rows are bulk-loaded with the driver
  (COPY, executemany, insert_many, pipelines). Session ids are 40 hex characters, spread over the
  key space like random ids.
- **Redis requests** are counted by a redis-py connection subclass (one per request written: a
  pipeline or MULTI/EXEC block or script is one), over a few calls outside the timed rounds.

{SERVER_SETTINGS}
"""


def _spread(stat: Mapping[str, Any] | None, digits: int = 2) -> str:
    if not stat or stat.get("median") is None:
        return "-"
    return f"{stat['median']:.{digits}f} [{stat['min']:.{digits}f}-{stat['max']:.{digits}f}]"


def _median(stat: Mapping[str, Any] | None, digits: int = 2) -> str:
    if not stat or stat.get("median") is None:
        return "-"
    return f"{stat['median']:.{digits}f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _label(name: str) -> str:
    return LABELS.get(name) or (BACKENDS[name].label if name in BACKENDS else name)


def _trips(record: Mapping[str, Any]) -> str:
    trips = record.get("round_trips")
    return f"{trips['library']:g} / {trips['floor']:g}" if trips else "-"


def _header(results: Mapping[str, Any]) -> str:
    meta = results["meta"]
    machine = meta["machine"]
    packages = ", ".join(f"{name} {version}" for name, version in machine["packages"].items() if version)
    servers = "; ".join(f"{_label(name)}: {version}" for name, version in meta["servers"].items())
    start, end = meta["load_start"], meta["load_end"]
    node = (results.get("peers") or {}).get("node") or {}
    node_line = (
        f"- Node.js {node.get('node')}, lucia {node.get('lucia')}, @lucia-auth/adapter-postgresql"
        f" {node.get('adapter')}, pg {node.get('pg')}\n"
        if node
        else ""
    )
    return f"""\
# Benchmarks

lucia-core's hot path against the raw driver, against its peers, and as data grows. Generated by
`python -m benchmarks --{meta["mode"]}` from [`results.json`]({{plots}}/results.json), which has
every figure below; the plots sit next to it.

## Reproduce

```sh
bash scripts/backends.sh start                 # the servers of .ci/run
eval "$(bash scripts/backends.sh env)"
python -m benchmarks --full                    # or: nox -s bench -- --full   (CI: --quick)
```

Options: `--scenario validate operations scale login peers profile throttle`, `--backend sqlite
postgres mysql mongodb redis`, `--out DIR`. This run: `{meta["command"]}`, started {meta["started"]}, took
{meta["seconds"] / 60:.0f} minutes, {meta["settings"]["reps"]} rounds per side per comparison.

## Machine

- {machine["cpus"]} CPUs ({machine["cpu"]}), {machine["memory_gib"]} GiB memory, {machine["os"]}
- {machine["python"]}; {packages}
{node_line}- Servers: {servers}
- Load averages (1/5/15 min) at the start: {start["load_1m"]:.2f} / {start["load_5m"]:.2f} /
  {start["load_15m"]:.2f}; at the end: {end["load_1m"]:.2f} / {end["load_5m"]:.2f} / {end["load_15m"]:.2f}.
  The machine was shared with other test runs during the benchmark (see the notes on noise).
"""


def _targets(results: Mapping[str, Any]) -> str:
    rows = [
        [
            target["target"],
            _label(target["where"]),
            f"{target['value']:.2f} ({target['comparison']} {target['limit']:g})",
            "met" if target["met"] else "**missed**",
            target.get("note", ""),
        ]
        for target in results.get("targets", [])
    ]
    return f"""\
## Targets

Medians of the interleaved ratios below: `validate_session` on an active session at most
{SERVER_RATIO_LIMIT}x the raw-driver floor on every server backend and {SQLITE_RATIO_LIMIT}x on SQLite, at
concurrency 1, 16 and 64; `get_all_user_sessions` at most {GET_ALL_RATIO_LIMIT}x its floor on every
backend; validation p99 during 8 concurrent logins at most {LOGIN_P99_RATIO_LIMIT}x the quiet p99, the
loop's lag reported; lucia-core at least {DJANGO_SPEEDUP:g}x Django's validations per second.

{_table(["target", "backend", "median", "status", "note"], rows)}
"""


def _layers_text(layers: Mapping[str, float]) -> str:
    order = ("core", "adapter", "driver", "asyncio", "io", "other")
    return ", ".join(f"{name} {layers[name]:.0f}" for name in order if layers.get(name, 0) >= 0.5)


OPERATIONS = ("validate", "get_all_user_sessions")


def _finding(record: Mapping[str, Any], operation: str, core: float | None) -> str:
    """One line saying where lucia-core's extra CPU per call goes, from the profile's numbers."""
    measured = record[operation]
    library, floor = measured["cpu_us"]["library"], measured["cpu_us"]["floor"]
    extra = library - floor
    ours, theirs = measured["layers_us"]["library"], measured["layers_us"]["floor"]
    more = {layer: ours.get(layer, 0.0) - theirs.get(layer, 0.0) for layer in set(ours) | set(theirs)}
    biggest = sorted((layer for layer in more if more[layer] >= 1), key=lambda layer: -more[layer])
    where = ", ".join(f"{layer} +{more[layer]:.0f} us" for layer in biggest[:4]) or "no layer"
    head = f"- **{_label(record['backend'])}, `{operation}`**: {library:.0f} us against {floor:.0f} us"
    if extra <= 0.05 * floor:
        return f"{head}: the floor's cost (within 5%)."
    core_part = (
        f"; the core alone costs {core:.1f} us per validation"
        if operation == "validate" and core is not None
        else ""
    )
    return f"{head}, {extra:.0f} us more{core_part}. Profiled, more in: {where}."


def _profile(results: Mapping[str, Any]) -> str:
    records = results.get("profile") or []
    if not records:
        return ""
    rows = []
    for record in records:
        for operation in OPERATIONS:
            measured = record[operation]
            cpu = measured["cpu_us"]
            rows.append(
                [
                    _label(record["backend"]),
                    f"`{operation}`" + (" (16)" if operation == "validate" else " (1, 10 sessions)"),
                    f"{cpu['library']:.0f} / {cpu['floor']:.0f}",
                    f"{cpu['library'] / cpu['floor']:.2f}" if cpu["floor"] else "-",
                    _layers_text(measured["layers_us"]["library"]),
                    _layers_text(measured["layers_us"]["floor"]),
                ]
            )
    core = results.get("core_alone_us")
    core_line = (
        f"lucia-core's core alone (`validate_session` over an adapter answering from memory) costs"
        f" **{core:.1f} us** of CPU per call."
        if core
        else ""
    )
    findings = "\n".join(_finding(record, operation, core) for record in records for operation in OPERATIONS)
    table = _table(
        [
            "backend",
            "operation (concurrency)",
            "CPU us/call lib / floor",
            "CPU ratio",
            "profiled us/call, lucia-core",
            "profiled us/call, floor",
        ],
        rows,
    )
    return f"""\
## What the profile shows

`python -m benchmarks --scenario profile` (part of every run): each side makes the same calls
once without a profiler, for the process CPU time per call (the event loop and this process's
threads, aiosqlite's included; not the database server), and once under `cProfile` timing the
event loop thread's CPU, whose own time per function is summed per layer: `core` (lucia_core),
`adapter` (lucia_adapter_*), `driver`, `asyncio` (the loop, futures, threads), `io` (socket and
selector built-ins), `other`. The profiler inflates small Python functions, so the layers say
where the loop's time goes and the CPU column what a call costs. {core_line}

{table}

What it shows, per backend and operation (CPU per call, lucia-core over the floor; "more"
compares the profiled layers, lucia-core's minus the floor's):

{findings}
"""


def _validate(results: Mapping[str, Any]) -> str:
    records = results.get("validate") or []
    if not records:
        return ""
    rows = [
        [
            _label(r["backend"]),
            str(r["concurrency"]),
            _spread(r["library"]["throughput_per_s"], 0),
            _spread(r["floor"]["throughput_per_s"], 0),
            f"{_median(r['library']['p50_ms'])} / {_median(r['floor']['p50_ms'])}",
            f"{_median(r['library']['p99_ms'])} / {_median(r['floor']['p99_ms'])}",
            _spread(r["ratio"]),
            _trips(r),
        ]
        for r in records
    ]
    floors = results["meta"].get("floors", {})
    floor_lines = "\n".join(f"- {_label(name)}: {floor['validate']}" for name, floor in floors.items())
    table = _table(
        [
            "backend",
            "conc.",
            "lucia-core /s",
            "floor /s",
            "p50 ms lib / floor",
            "p99 ms lib / floor",
            "library / floor",
            "Redis req. lib / floor",
        ],
        rows,
    )
    return f"""\
## 1. `validate_session` on an active session

One call reads the session and its user and returns a `Session` (no write). Targets: library /
floor <= {SERVER_RATIO_LIMIT} on the server backends and <= {SQLITE_RATIO_LIMIT} on SQLite, at every
concurrency.

{table}

![validate_session]({{plots}}/validate.png)

The floor per backend:

{floor_lines}
"""


def _operations(results: Mapping[str, Any]) -> str:
    records = results.get("operations") or []
    if not records:
        return ""
    rows = [
        [
            _label(r["backend"]),
            r["operation"]
            + (f" ({r['sessions']} session{'s' if r['sessions'] != 1 else ''})" if "sessions" in r else ""),
            _spread(r["library"]["throughput_per_s"], 0),
            _spread(r["floor"]["throughput_per_s"], 0),
            f"{_median(r['library']['p50_ms'])} / {_median(r['floor']['p50_ms'])}",
            _spread(r["ratio"]),
            _trips(r),
        ]
        for r in records
    ]
    floors = results["meta"].get("floors", {})
    floor_lines = "\n".join(
        f"- {_label(name)}: " + "; ".join(f"`{op}`: {text}" for op, text in floor.items() if op != "validate")
        for name, floor in floors.items()
    )
    table = _table(
        [
            "backend",
            "operation",
            "lucia-core /s",
            "floor /s",
            "p50 ms lib / floor",
            "library / floor",
            "Redis req. lib / floor",
        ],
        rows,
    )
    return f"""\
## 2. The other session operations (concurrency 1)

`validate_idle` is `validate_session` on an idle session (read, renew both expirations, write;
each call on a pre-made idle session of its own); `create_session` for an existing user;
`invalidate_session` of pre-made sessions; `get_all_user_sessions` for a user with 1, 10 and
100 sessions (which builds one `Session` per row: the floor only counts them).

{table}


The floor per backend:

{floor_lines}
"""


def _scale(results: Mapping[str, Any]) -> str:
    records = results.get("scale") or []
    if not records:
        return ""
    rows = [
        [
            _label(r["backend"]),
            f"{r['sessions']:,}",
            f"{r['load_seconds']:.1f}",
            _median(r["library"]["p50_ms"], 3),
            _median(r["floor"]["p50_ms"], 3),
            _spread(r["growth"]),
            _spread(r["floor_growth"]),
        ]
        for r in records
    ]
    table = _table(
        [
            "backend",
            "sessions",
            "load s",
            "p50 ms lucia-core",
            "p50 ms floor",
            "growth lucia-core",
            "growth floor",
        ],
        rows,
    )
    return f"""\
## 3. Validation as stored sessions grow

One store per size (ten sessions per user), bulk-loaded with the driver, then `validate_session`
and the floor on random stored sessions at concurrency 1, every size's rounds interleaved with
every other's. Growth is the median latency (p50) at a size over that at the smallest size, per
repetition (the median, not the mean time per call: at concurrency 1 one stall of this shared
machine moves a round's mean). Flat (within noise) means the lookups use their indexes.

{table}

"""


def _hasher_row(name: str, hasher: Mapping[str, Any]) -> list[str]:
    parameters = hasher["parameters"]
    return [
        f"`{name}`",
        f"m={parameters['memory_cost'] // 1024} MiB, t={parameters['time_cost']},"
        f" p={parameters['parallelism']}",
        f"{hasher['memory_mib_x_passes']:.0f}",
        _spread(hasher["generate_ms"], 0),
        _median(hasher["generate_cpu_ms"], 0),
        _spread(hasher["validate_ms"], 0),
        f"{hasher['max_concurrent']} / {hasher['niceness']}",
    ]


def _login(results: Mapping[str, Any]) -> str:
    login = results.get("login") or {}
    runs = login.get("runs") or []
    hashers = login.get("hashers") or {}
    if not runs:
        return ""
    rows = [
        [
            _label(r["backend"]),
            f"`{r['hasher']}`",
            _spread(r["quiet"]["p99_ms"]),
            _spread(r["during_logins"]["p99_ms"]),
            _spread(r["p99_ratio"]),
            f"{_median(r['loop_lag_p99_ms']['quiet'])} / {_median(r['loop_lag_p99_ms']['logins'])}",
            _median(r["logins_per_s"], 1),
        ]
        for r in runs
    ]
    hasher_table = _table(
        [
            "hasher",
            "parameters",
            "MiB x passes per guess",
            "ms per hash",
            "CPU ms per hash",
            "ms per verification",
            "threads / niceness",
        ],
        [_hasher_row(name, hasher) for name, hasher in hashers.items()],
    )
    table = _table(
        [
            "backend",
            "hasher",
            "quiet p99 ms",
            "p99 ms during logins",
            "ratio",
            "loop lag p99 ms quiet / logins",
            "logins /s",
        ],
        rows,
    )
    return f"""\
## 4. The event loop under login load

`validate_session` at concurrency {runs[0]["validate_concurrency"]} in two kinds of phases,
interleaved: quiet, and while {runs[0]["logins"]} coroutines call `use_key` back to back with the
right password (the phase lasts until the last of those calls has returned). A probe coroutine
sleeping 1 ms measures how late the loop wakes it (the loop's lag: a blocked loop shows as lag of
the blocking time). Target: p99 during logins <= {LOGIN_P99_RATIO_LIMIT}x the quiet p99.

The hashers: `default` is lucia-core's (argon2-cffi's `RFC_9106_LOW_MEMORY` profile in one lane),
`RFC_9106_LOW_MEMORY` the profile as argon2-cffi defines it (four lanes), on the same worker
threads (how many hashes at once / their niceness). Both fill the same memory the same number of
times per hash, so a guess costs an attacker the same; OWASP's minimum for Argon2id (m=19 MiB,
t=2, p=1) is 38 MiB x passes. Times are one hash at a time, nothing else running; the CPU time
counts every lane's thread.

{hasher_table}

{table}

![login]({{plots}}/login.png)
"""


def _peers(results: Mapping[str, Any]) -> str:
    peers = results.get("peers")
    if not peers:
        return ""
    rows = [
        [
            name,
            _spread(figures["throughput_per_s"], 0),
            _median(figures["p50_ms"]),
            _median(figures["p99_ms"]),
            _spread(peers["speedup"][name]) if name in peers["speedup"] else "-",
        ]
        for name, figures in peers["implementations"].items()
    ]
    table = _table(["implementation", "validations /s", "p50 ms", "p99 ms", "lucia-core's speed-up"], rows)
    return f"""\
## 5. Against fastapi-users, Django and Lucia v2 on Node (PostgreSQL)

Each validates {peers["sessions"]:,} active sessions (one per user) at concurrency
{peers["concurrency"]}, in rotating rounds of equal length, on the same server:

- **lucia-core**: `validate_session` (asyncpg pool of 16), one SELECT;
- **fastapi-users**: `DatabaseStrategy.read_token` plus the active-user check, as a request with
  `current_user(active=True)` does it (SQLAlchemy async, asyncpg, pool of 20): BEGIN, the token
  SELECT, the user SELECT, ROLLBACK; see `benchmarks/peers/fastapi_users_peer.py`;
- **Django**: a request through Django's handler to an async view behind `SessionMiddleware`
  (`django.contrib.sessions`, database backend) and `AuthenticationMiddleware`, awaiting
  `request.auser()` (psycopg 3, persistent connections; Django runs async ORM calls on its one
  thread for sync code): **{peers["django_queries_per_request"]:g} SQL statements per request**
  (counted); see `benchmarks/peers/django_peer.py`;
- **Lucia v2 on Node**: lucia 2.7.7 `validateSession` with `@lucia-auth/adapter-postgresql` (pg.Pool
  of 16) on the very tables lucia-core's store uses, in a child process
  (`benchmarks/peers/lucia_node/bench.mjs`).

Target: lucia-core at least {DJANGO_SPEEDUP:g}x Django's validations per second.

{table}

![peers]({{plots}}/peers.png)
"""


def _notes(results: Mapping[str, Any]) -> str:
    start, end = results["meta"]["load_start"], results["meta"]["load_end"]
    return f"""\
## Notes

- **Noise.** The 2-core machine runs the database servers next to the benchmark (load average
  {start["load_1m"]:.1f} at the start, {end["load_1m"]:.1f} at the end). Absolute numbers move by
  tens of percent from round to round; ratios, taken from interleaved rounds, move much less,
  but single-digit-percent differences are within the noise. The [min-max] ranges show it.
- **Column names.** The SQL adapters read every column of a row (`*`: the attribute columns are
  the application's), so each read needs the names of the columns it returned, and the joined reads
  carry one marker column (`NULL AS "lucia:split"`) where the second table's columns begin.
  asyncpg parses column descriptions in C; aiomysql parses each in Python, so on MariaDB the
  marker costs a few percent of a validation at high concurrency. On SQLite the names come from
  the cursor, in the same job on aiosqlite's thread as the rows (`lucia_adapter_sqlite.columns`).
- **SQLite's floor** is one job on aiosqlite's thread running a primary-key join in-process,
  about {_sqlite_floor_us(results)} of wall time per call at concurrency 16: any work lucia-core
  adds (reading column names, building a `Session` and a `User`, a lock) is a large share of it.
  On the server backends a round trip dwarfs the same work.
- **MongoDB via FerretDB** (v1, SQLite backend) lacks `$lookup`, so both the adapter and the
  floor read the session and then the user (two round trips). It answers a find on `_id` by
  scanning the collection (`explain` shows `SCAN`, with `filterPushdown` true only for a plain
  equality), so every lookup grows with the collection, for the floor as much as for lucia-core:
  the scale target cannot hold on this server. Updates and deletes by `_id` scan too, which is why
  `validate_idle` and `invalidate_session` take hundreds of milliseconds there (on both sides). A
  real MongoDB uses its `_id` index.
- **Redis + PostgreSQL users**: lucia-core joins the Redis session adapter with the PostgreSQL
  user adapter; a validation is a Redis GET then a PostgreSQL SELECT, exactly the floor's two
  round trips.
- **The login scenario** runs on a 2-core machine. Hashing never holds the GIL, so the loop is
  never blocked by it, but its threads compete with the loop (and the database server) for the
  cores: Argon2id with four lanes runs four threads per hash, one lane one thread. What the loop
  loses shows as the probe's lag.
- **Peers** run their own sessions and tokens (fastapi-users' tables in a schema of their own);
  Node runs in a child process, started for each of its rounds (its warm-up is inside the
  process and not measured).
"""


def _sqlite_floor_us(results: Mapping[str, Any]) -> str:
    for record in results.get("validate") or []:
        if record["backend"] == "sqlite" and record["concurrency"] == 16:
            per_second = record["floor"]["throughput_per_s"]["median"]
            if per_second:
                return f"{1e6 / per_second:.0f} us"
    return "tens of microseconds"


def render(results: Mapping[str, Any]) -> str:
    """The markdown page for ``results``."""
    sections = [
        _header(results),
        _targets(results),
        _profile(results),
        _validate(results),
        _operations(results),
        _scale(results),
        _login(results),
        _peers(results),
        scenario_throttle.markdown(results.get("throttle") or []),
        METHOD,
        _notes(results),
    ]
    errors = results.get("errors") or []
    if errors:
        sections.append(
            "## Errors\n\n"
            + "\n".join(f"- {e['scenario']} on {e['backend']}: `{e['error']}`" for e in errors)
            + "\n"
        )
    return "\n".join(section for section in sections if section)


def write(results: Mapping[str, Any], path: Path, plots: Path) -> None:
    """Render ``results`` into ``path``, linking the plots in the folder ``plots``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    link = Path(os.path.relpath(plots, path.parent)).as_posix()
    path.write_text(render(results).replace("]({plots}/", f"]({link}/"), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m benchmarks.docs RESULTS.json OUT.md``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m benchmarks.docs RESULTS.json OUT.md", file=sys.stderr)
        return 2
    results_path = Path(args[0])
    write(json.loads(results_path.read_text(encoding="utf-8")), Path(args[1]), results_path.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
