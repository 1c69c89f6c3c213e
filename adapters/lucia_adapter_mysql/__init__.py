"""MySQL / MariaDB adapter for lucia-core (aiomysql): ``pip install "lucia-core[mysql]"``.

::

    import aiomysql
    from lucia_adapter_mysql import create_schema, mysql_adapter

    pool = await aiomysql.create_pool(host=..., user=..., password=..., db=..., charset="utf8mb4")
    await create_schema(pool)  # once; idempotent
    auth = lucia(adapter=mysql_adapter(pool))

The tables are Lucia v2's (``schemas/mysql.sql``): ``auth_user``, ``user_key`` and
``user_session`` unless renamed with ``tables={"user": ..., "key": ..., "session": ...}``.
Runs on MySQL 8 and MariaDB 10.11+. Ids are compared by the columns' collation: the shipped schema
makes them exact (case, accents, trailing spaces); on tables made from Lucia v2's own docs (the
server's default, case-insensitive collation) they match as loosely as they did under Lucia v2.
"""

from lucia_core.database import DEFAULT_TABLES

from .adapter import MySQLAdapter, is_unique_violation, mysql_adapter
from .connection import connect, connection_options
from .schema import add_attributes, apply_schema, create_schema, schema_sql

__all__ = [
    "DEFAULT_TABLES",
    "MySQLAdapter",
    "add_attributes",
    "apply_schema",
    "connect",
    "connection_options",
    "create_schema",
    "is_unique_violation",
    "mysql_adapter",
    "schema_sql",
]
