"""``python -m lucia_demo [--port N] [--host ADDRESS] [--database-url URL] [--session-url URL]``.

Options default to the ``LUCIA_DEMO_*`` environment variables (see :mod:`lucia_demo.settings`),
then to an SQLite file ``lucia-demo.sqlite3`` in the current folder, served on 127.0.0.1:8000.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import sys
from collections.abc import Sequence

from . import oauth
from .server import serve
from .settings import Settings
from .storage import describe_url


def parse_arguments(argv: Sequence[str] | None = None) -> Settings:
    """The settings from the command line over those of the environment."""
    defaults = Settings.from_environment()
    parser = argparse.ArgumentParser(prog="python -m lucia_demo", description="Run the lucia-core demo.")
    parser.add_argument("--host", default=defaults.host, help="address to listen on (default %(default)s)")
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="port; 0 for any free one (default %(default)s)"
    )
    parser.add_argument(
        "--database-url",
        default=defaults.database_url,
        help="sqlite:///file.db, postgresql://..., mysql://..., mongodb://host/db (default %(default)s)",
    )
    parser.add_argument(
        "--session-url",
        default=defaults.session_url,
        help="keep sessions in Redis: redis://host:6379/0 or redis-cluster://host:7000",
    )
    arguments = parser.parse_args(argv)
    if not 0 <= arguments.port <= 65535:
        parser.error("--port must be from 0 to 65535")
    return dataclasses.replace(
        defaults,
        host=arguments.host,
        port=arguments.port,
        database_url=arguments.database_url,
        session_url=arguments.session_url or None,
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Start the demo and serve until interrupted."""
    try:
        settings = parse_arguments(oauth.take_arguments(argv))
    except ValueError as error:
        sys.exit(f"lucia demo: {error}")
    print(f"lucia demo: opening {describe_url(settings.database_url)}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C: uvicorn has already shut down cleanly
        asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
