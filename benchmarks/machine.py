"""The machine a run measured: CPU, memory, load, and the versions of everything involved."""

from __future__ import annotations

import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

#: Distributions whose versions the report records.
PACKAGES = (
    "lucia-core",
    "asyncpg",
    "aiosqlite",
    "aiomysql",
    "PyMySQL",
    "pymongo",
    "redis",
    "argon2-cffi",
    "fastapi-users",
    "fastapi-users-db-sqlalchemy",
    "SQLAlchemy",
    "Django",
    "psycopg",
    "matplotlib",
)


def load() -> dict[str, Any]:
    """The 1, 5 and 15 minute load averages and the ``uptime`` line (other work on the machine)."""
    one, five, fifteen = os.getloadavg()
    try:
        line = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S607
    except OSError:
        line = ""
    return {"load_1m": one, "load_5m": five, "load_15m": fifteen, "uptime": line}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _package(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def describe() -> dict[str, Any]:
    """CPU model and count, memory, OS, Python and the installed driver versions."""
    return {
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: _package(name) for name in PACKAGES},
    }
