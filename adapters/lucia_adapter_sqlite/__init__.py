"""SQLite adapter for lucia-core (aiosqlite): ``pip install "lucia-core[sqlite]"``.

::

    import aiosqlite
    from lucia_adapter_sqlite import sqlite_adapter

    connection = await aiosqlite.connect("app.db")
    auth = lucia(adapter=sqlite_adapter(connection))

The tables are Lucia v2's (``schemas/sqlite.sql``): ``auth_user``, ``user_key`` and
``user_session`` unless renamed with ``tables={"user": ..., "key": ..., "session": ...}``.
"""

from .adapter import DEFAULT_TABLES, SQLiteAdapter, sqlite_adapter
from .schema import apply_schema

__all__ = [
    "DEFAULT_TABLES",
    "SQLiteAdapter",
    "apply_schema",
    "sqlite_adapter",
]
