"""Applying the schema to a database named by URL (used by ``lucia-core schema mysql --apply``)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import aiomysql

from .adapter import create_schema


async def apply_schema(url: str) -> None:
    """Connect to ``mysql://user:password@host:port/database`` and create Lucia's tables if missing.

    Idempotent. Raises ValueError for a URL of another shape.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb") or not parts.path.strip("/"):
        raise ValueError("a MySQL URL looks like mysql://user:password@host:3306/database")
    pool = await aiomysql.create_pool(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        db=unquote(parts.path.strip("/")),
        charset="utf8mb4",
        minsize=1,
        maxsize=1,
    )
    try:
        await create_schema(pool)
    finally:
        pool.close()
        await pool.wait_closed()
