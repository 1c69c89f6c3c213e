"""The ``lucia-core`` command: print a backend's schema, or apply it to a database by URL.

    lucia-core schema postgres                      # print schemas/postgres.sql
    lucia-core schema postgres --apply postgresql://user:pass@host/db   # create if missing

Backends: sqlite (``sqlite:///relative.db``, ``sqlite:////absolute.db``), postgres, mysql, mongodb
(the URL names the database), redis (nothing to apply: prints the key layout). Applying is
idempotent, done by the backend's adapter package (``apply_schema(url)``), which is imported only
when the command runs: the core itself imports no database driver.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

#: Backend -> (schema file name, extra to install).
BACKENDS = {
    "sqlite": ("sqlite.sql", "sqlite"),
    "postgres": ("postgres.sql", "postgres"),
    "mysql": ("mysql.sql", "mysql"),
    "mongodb": ("mongodb.json", "mongodb"),
    "redis": ("redis.md", "redis"),
}


def schema_text(backend: str) -> str:
    """The schema file of ``backend`` (shipped in the wheel as ``lucia_core/schemas``; in a
    checkout, the repository's ``schemas/`` folder)."""
    filename = BACKENDS[backend][0]
    here = Path(__file__).resolve().parent
    for folder in (here / "schemas", here.parent / "schemas"):
        if (folder / filename).is_file():
            return (folder / filename).read_text(encoding="utf-8")
    raise FileNotFoundError(f"schema file {filename} not found next to lucia_core")


def _adapter_module(backend: str) -> ModuleType:
    try:
        return importlib.import_module(f"lucia_adapter_{backend}")
    except ImportError as error:
        extra = BACKENDS[backend][1]
        raise SystemExit(f'{error}\n(install it with: pip install "lucia-core[{extra}]")') from None


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``lucia-core`` / ``python -m lucia_core``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="lucia-core", description="lucia-core tools")
    commands = parser.add_subparsers(dest="command", required=True)
    schema = commands.add_parser("schema", help="print a backend's schema, or apply it to a database")
    schema.add_argument("backend", choices=sorted(BACKENDS))
    schema.add_argument("--apply", metavar="URL", help="create the tables / indexes if missing (idempotent)")
    args = parser.parse_args(argv)
    if args.apply is None:
        sys.stdout.write(schema_text(args.backend))
        return 0
    if args.backend == "redis":
        print("Redis needs no schema: keys appear as sessions are stored (`lucia-core schema redis`).")
        return 0
    module = _adapter_module(args.backend)
    try:
        asyncio.run(module.apply_schema(args.apply))
    except ValueError as error:
        parser.error(str(error))
    print(f"{args.backend}: schema applied (existing tables and indexes left as they were)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
