"""Applying the schema to a database file named by URL (``lucia-core schema sqlite --apply``)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import aiosqlite

from lucia_core.cli import schema_text


async def apply_schema(url: str) -> None:
    """Open ``sqlite:///relative.db`` or ``sqlite:////absolute.db`` and create Lucia's tables if
    missing (idempotent). Raises ValueError for a URL of another shape."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or not parts.path.startswith("/") or len(parts.path) < 2:
        raise ValueError("an SQLite URL looks like sqlite:///relative.db or sqlite:////absolute/path.db")
    async with aiosqlite.connect(unquote(parts.path[1:])) as connection:
        await connection.executescript(schema_text("sqlite"))
        await connection.commit()
