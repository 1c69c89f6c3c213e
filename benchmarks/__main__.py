"""``python -m benchmarks``: run the benchmark scenarios, print the report, write JSON and plots.

::

    python -m benchmarks [--quick | --full] [--scenario NAME ...] [--backend NAME ...] [--out DIR]

Scenarios: validate, operations, scale, login, peers, profile, throttle (default: all).
Backends: those of ``lucia_core.backends``: sqlite, postgres, mysql (MariaDB), mongodb (FerretDB
in .ci/run), redis (Redis sessions, PostgreSQL users); default: all. Server URLs come from
``LUCIA_<NAME>_URL`` (LUCIA_POSTGRES_URL, LUCIA_MYSQL_URL, LUCIA_MONGODB_URL, LUCIA_REDIS_URL:
``eval "$(bash scripts/backends.sh env)"``). ``--quick`` (the default) runs everything in a few
minutes; ``--full`` produces the committed results (``docs/benchmarks.md``, rendered from
``docs/benchmarks/results.json``, with its plots); every run prints that page to stdout. Exits 1
when a scenario failed, 0 otherwise (missed targets are reported, not failures).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import traceback
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from lucia_core.backends import BACKENDS as BUILTIN

from . import (
    docs,
    machine,
    plots,
    report,
    scenario_login,
    scenario_operations,
    scenario_peers,
    scenario_profile,
    scenario_scale,
    scenario_throttle,
    scenario_validate,
)
from .backend import Backend, url_variables
from .settings import PROFILES, Settings

SCENARIOS = ("validate", "operations", "scale", "login", "peers", "profile", "throttle")
BACKENDS = tuple(BUILTIN)
#: The environment variables each backend needs.
URLS = {name: url_variables(name) for name in BACKENDS}


def make_backend(name: str) -> Backend:
    """The backend called ``name``, its URLs read from the environment."""
    if name not in BUILTIN:
        raise ValueError(f"unknown backend {name!r}")
    return Backend(name)


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Run:
    """One invocation: the settings, the selection, and the results being collected."""

    def __init__(self, settings: Settings, scenarios: list[str], backends: list[str]) -> None:
        self.settings = settings
        self.scenarios = scenarios
        self.backends = backends
        self.results: dict[str, Any] = {
            "validate": [],
            "operations": [],
            "scale": [],
            "login": {"hashers": {}, "runs": []},
            "peers": None,
            "profile": [],
            "throttle": [],
            "errors": [],
        }
        #: Per hasher name (scenario_login.HASHERS): the hasher and the password's hash it made.
        self._hashers: dict[str, tuple[Any, str]] = {}

    async def _step(self, scenario: str, backend: str, work: Any) -> Any:
        began = time.perf_counter()
        _log(f"{scenario} on {backend} ...")
        try:
            return await work
        except Exception as error:  # a failed scenario is reported; the others still run
            traceback.print_exc()
            self.results["errors"].append({"scenario": scenario, "backend": backend, "error": repr(error)})
            return None
        finally:
            _log(f"{scenario} on {backend}: {time.perf_counter() - began:.1f} s")

    def _main_backend(self) -> str:
        return "postgres" if "postgres" in self.backends else self.backends[0]

    async def _login(self, backend: Backend) -> None:
        # The default hasher on every backend in full mode (else on the main one only); the
        # profile it is taken from on the main backend, for the trade-off.
        main = backend.name == self._main_backend()
        for hasher_name, (hasher, hashed) in self._hashers.items():
            if (hasher_name == "default" and (main or self.settings.login_on_every_backend)) or (
                hasher_name != "default" and main
            ):
                record = await self._step(
                    f"login ({hasher_name})",
                    backend.name,
                    scenario_login.run(backend, self.settings, hasher, hashed),
                )
                if record:
                    self.results["login"]["runs"].append(record | {"hasher": hasher_name})

    async def run_backend(self, name: str, servers: dict[str, str], floors: dict[str, Any]) -> None:
        """Every selected scenario on one backend (peers: on PostgreSQL)."""
        backend = make_backend(name)
        await backend.connect()
        try:
            servers[name] = await backend.server_version()
            floors[name] = backend.floor
            for scenario, module, key in (
                ("validate", scenario_validate, "validate"),
                ("operations", scenario_operations, "operations"),
                ("scale", scenario_scale, "scale"),
                ("throttle", scenario_throttle, "throttle"),
            ):
                if scenario in self.scenarios:
                    self.results[key] += (
                        await self._step(scenario, name, module.run(backend, self.settings)) or []
                    )
            if "login" in self.scenarios:
                await self._login(backend)
            if "peers" in self.scenarios and backend.name == "postgres":
                self.results["peers"] = await self._step(
                    "peers", name, scenario_peers.run(backend, self.settings)
                )
            if "profile" in self.scenarios:
                record = await self._step("profile", name, scenario_profile.run(backend, self.settings))
                if record:
                    self.results["profile"].append(record)
        finally:
            await backend.close()

    async def run(self) -> dict[str, Any]:
        """Run everything selected; the results with their meta data and targets."""
        started = datetime.now(timezone.utc)
        load_start = machine.load()
        began = time.perf_counter()
        servers: dict[str, str] = {}
        floors: dict[str, Any] = {}
        if "login" in self.scenarios:
            for hasher_name, make in scenario_login.HASHERS.items():
                hasher = make()
                times = await self._step(
                    "hashing", hasher_name, scenario_login.hash_times(hasher, self.settings)
                )
                if times:
                    self._hashers[hasher_name] = (hasher, times.pop("hash"))
                    self.results["login"]["hashers"][hasher_name] = times
        if "profile" in self.scenarios:
            self.results["core_alone_us"] = await scenario_profile.core_alone_us(
                self.settings.profile_calls * 4
            )
        for name in self.backends:
            try:
                await self.run_backend(name, servers, floors)
            except Exception as error:  # the server could not be reached: the others still run
                traceback.print_exc()
                self.results["errors"].append({"scenario": "connect", "backend": name, "error": repr(error)})
        for hasher, _ in self._hashers.values():
            hasher.close()
        self.results["meta"] = {
            "mode": self.settings.name,
            "command": "python -m benchmarks " + " ".join(sys.argv[1:]),
            "started": started.isoformat(timespec="seconds"),
            "seconds": time.perf_counter() - began,
            "load_start": load_start,
            "load_end": machine.load(),
            "machine": machine.describe(),
            "servers": servers,
            "settings": asdict(self.settings),
            "floors": floors,
        }
        self.results["targets"] = report.targets(self.results)
        return self.results


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick", dest="mode", action="store_const", const="quick", help="under 2 minutes (CI)"
    )
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="the committed results")
    parser.add_argument("--scenario", nargs="+", action="extend", choices=SCENARIOS, help="default: all")
    parser.add_argument("--backend", nargs="+", action="extend", choices=BACKENDS, help="default: all")
    parser.add_argument(
        "--docs",
        type=Path,
        help="also render the results as this markdown page (full mode default: docs/benchmarks.md)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for results.json and the plots (quick: build/benchmarks; full: docs/benchmarks)",
    )
    args = parser.parse_args(argv)
    args.mode = args.mode or "quick"
    args.scenario = list(dict.fromkeys(args.scenario or SCENARIOS))
    args.backend = list(dict.fromkeys(args.backend or BACKENDS))
    missing = sorted({var for name in args.backend for var in URLS[name] if not os.environ.get(var)})
    if missing:
        parser.error(
            f"{', '.join(missing)} not set: start the servers (scripts/backends.sh start) and"
            ' eval "$(bash scripts/backends.sh env)", or leave those backends out with --backend'
        )
    if args.out is None:
        args.out = Path("docs/benchmarks" if args.mode == "full" else "build/benchmarks")
        if args.mode == "full" and args.docs is None:
            args.docs = Path("docs/benchmarks.md")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run, print the tables, write ``results.json`` and the plots; 1 if a scenario failed."""
    args = parse(argv)
    run = Run(PROFILES[args.mode], args.scenario, args.backend)
    results = asyncio.run(run.run())
    report.write_json(results, args.out / "results.json")
    print(docs.render(results).replace("]({plots}/", f"]({args.out}/"))
    written = plots.plot_all(results, args.out)
    if args.docs is not None:
        docs.write(results, args.docs, args.out)
    _log(f"wrote {args.out / 'results.json'} and {len(written)} plots in {results['meta']['seconds']:.0f} s")
    return 1 if results["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
