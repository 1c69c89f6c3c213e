"""PostgreSQL adapter for lucia-core (asyncpg): ``pip install "lucia-core[postgres]"``.

::

    import asyncpg
    from lucia_adapter_postgres import create_schema, postgres_adapter

    pool = await asyncpg.create_pool("postgresql://user:password@localhost/app")
    await create_schema(pool)  # idempotent; or run schemas/postgres.sql yourself
    auth = lucia(adapter=postgres_adapter(pool))

The tables are Lucia v2's (``schemas/postgres.sql``): ``auth_user``, ``user_key`` and
``user_session`` unless renamed with ``tables={"user": ..., "key": ..., "session": ...}``;
names may be schema-qualified (``"auth.user_session"``).
"""

from lucia_core.database import DEFAULT_TABLES

from .adapter import PostgresAdapter, is_unique_violation, postgres_adapter
from .connection import connect
from .schema import add_attributes, apply_schema, create_schema, schema_sql

__all__ = [
    "DEFAULT_TABLES",
    "PostgresAdapter",
    "add_attributes",
    "apply_schema",
    "connect",
    "create_schema",
    "is_unique_violation",
    "postgres_adapter",
    "schema_sql",
]
