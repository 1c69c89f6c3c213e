"""SQLite adapter for lucia-core (aiosqlite): ``pip install "lucia-core[sqlite]"``.

::

    import aiosqlite
    from lucia_adapter_sqlite import create_schema, sqlite_adapter

    connection = await aiosqlite.connect("app.db")
    await create_schema(connection)  # idempotent; schema_sql() is the DDL it runs
    auth = lucia(adapter=sqlite_adapter(connection))

The tables are Lucia v2's (``schemas/sqlite.sql``): ``auth_user``, ``user_key`` and
``user_session`` unless renamed with ``tables={"user": ..., "key": ..., "session": ...}``.
"""

from lucia_core.database import DEFAULT_TABLES

from .adapter import SQLiteAdapter, is_unique_violation, sqlite_adapter
from .connection import connect
from .schema import add_attributes, apply_schema, create_schema, schema_sql, sqlite_path

__all__ = [
    "DEFAULT_TABLES",
    "SQLiteAdapter",
    "add_attributes",
    "apply_schema",
    "connect",
    "create_schema",
    "is_unique_violation",
    "schema_sql",
    "sqlite_adapter",
    "sqlite_path",
]
