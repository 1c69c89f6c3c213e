"""The ``lucia-core`` command: print a backend's schema, or apply it to a database by URL.

    lucia-core schema postgres                      # print schemas/postgres.sql
    lucia-core schema postgres --apply postgresql://user:pass@host/db   # create if missing

Backends: those of :mod:`lucia_core.backends`: sqlite (``sqlite:///relative.db``,
``sqlite:////absolute.db``), postgres, mysql, mongodb (the URL names the database), redis
(nothing to apply: prints the key layout). The printed schema is the file shipped in the wheel,
generated from the adapter package's ``schema.py``; applying is idempotent and done by the adapter
package (``apply_schema(url)``), imported only then: the core itself imports no database driver.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from .backends import BACKENDS


def schema_text(backend: str) -> str:
    """The schema file of ``backend`` (shipped in the wheel as ``lucia_core/schemas``; in a
    checkout, the repository's ``schemas/`` folder)."""
    filename = BACKENDS[backend].schema_file
    here = Path(__file__).resolve().parent
    for folder in (here / "schemas", here.parent / "schemas"):
        if (folder / filename).is_file():
            return (folder / filename).read_text(encoding="utf-8")
    raise FileNotFoundError(f"schema file {filename} not found next to lucia_core")


def _masked(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def _apply(backend: str, url: str, parser: argparse.ArgumentParser) -> int:
    try:
        schema = BACKENDS[backend].module("schema")
    except ImportError as error:  # its message names the extra to install
        print(f"lucia-core schema {backend}: {error}", file=sys.stderr)
        return 1
    try:
        asyncio.run(schema.apply_schema(url))
    except ValueError as error:
        parser.error(str(error))
    except Exception as error:  # the driver's own: a server that is down, refused credentials
        print(
            f"lucia-core schema {backend}: could not apply the schema to {_masked(url)}:"
            f" {type(error).__name__}: {error}. Check that the server is running and reachable at"
            " that address, and that the URL's user and database exist and may create tables;"
            " nothing was changed.",
            file=sys.stderr,
        )
        return 1
    print(f"{backend}: schema applied (existing tables and indexes left as they were)")
    return 0


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
    if not BACKENDS[args.backend].stores_users:
        print(
            f"{args.backend} needs no schema: keys appear as sessions are stored (`lucia-core schema redis`)."
        )
        return 0
    return _apply(args.backend, args.apply, parser)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
