"""The MySQL / MariaDB schema: the one source of ``schemas/mysql.sql``, and applying it."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import aiomysql

from lucia_core.database import DEFAULT_TABLES, Attribute, resolve_names
from lucia_core.sql import Dialect

from .connection import connection_options, execute, fetch, pooled

#: How MySQL spells names (backticks; no ``schema.table``) and parameters.
MYSQL = Dialect("MySQL", "`", "format")

HEADER = """\
-- Lucia v2's tables for MySQL 8 and MariaDB 10.11+, with the default names used by
-- lucia_adapter_mysql (whose create_schema() runs these same statements, with your table names).
-- Generated from lucia_adapter_mysql/schema.py (lucia-core schema mysql).
-- Idempotent: safe to run on every start. Add user and session attribute columns as you need.
--
-- Differences from Lucia v2's documented MySQL schema, all compatible with its data:
--
-- * Ids are VARCHAR(255), not VARCHAR(15) / VARCHAR(127): custom user ids may be longer than
--   Lucia's generated 15 characters, and key ids are "provider:provider user id".
--
-- * Ids are utf8mb4 (any Unicode text, emoji included) and compared exactly: case, accents,
--   Unicode normalization and trailing spaces all count, so "Ada" and "ada", "e" and "é", "id"
--   and "id " are different users, keys and sessions. That takes a binary NO PAD collation.
--   MySQL's default collations are case- and accent-insensitive, and utf8mb4_bin is PAD SPACE
--   (it ignores trailing spaces) on both servers. The NO PAD binary collation is named
--   differently on each: utf8mb4_nopad_bin on MariaDB (10.2.2+), utf8mb4_0900_bin on MySQL
--   (8.0.17+). Each server runs only its own version comment below: MariaDB runs /*M!...*/ and
--   ignores MySQL 5.7+ version comments (/*!50700 to /*!99999), MySQL treats /*M!...*/ as a plain
--   comment. A server with neither collation rejects the statement rather than fall back to a
--   case-insensitive one.
--
-- * user_id columns are indexed (get_keys_by_user_id, get_sessions_by_user_id).
--
-- * user_token holds one-time tokens and codes (lucia-core's create_token / create_code): id is
--   the SHA-256 hex of the secret, never the secret; expires is unix epoch milliseconds.
--
-- Expirations are BIGINT UNSIGNED (unix epoch milliseconds), as in Lucia v2.
-- The adapter adds STRICT_ALL_TABLES to its connections' sql_mode, so a too-long id is an error,
-- never silently truncated. Foreign keys have no ON DELETE action: Lucia deletes a user's
-- sessions and keys before the user.

"""

# Ids compare exactly (case, accents, trailing spaces, normalization): see the header.
_ID = (
    "VARCHAR(255) CHARACTER SET utf8mb4"
    " COLLATE /*M!100202 utf8mb4_nopad_bin */ /*!80017 utf8mb4_0900_bin */ NOT NULL"
)

TABLES = (
    "CREATE TABLE IF NOT EXISTS {user} (\n  `id` {id},\n  PRIMARY KEY (`id`)\n)"
    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS {key} (\n  `id` {id},\n  `user_id` {id},\n"
    "  `hashed_password` VARCHAR(255) NULL,\n  PRIMARY KEY (`id`),\n  KEY `user_id` (`user_id`),\n"
    "  FOREIGN KEY (`user_id`) REFERENCES {user} (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS {session} (\n  `id` {id},\n  `user_id` {id},\n"
    "  `active_expires` BIGINT UNSIGNED NOT NULL,\n  `idle_expires` BIGINT UNSIGNED NOT NULL,\n"
    "  PRIMARY KEY (`id`),\n  KEY `user_id` (`user_id`),\n"
    "  FOREIGN KEY (`user_id`) REFERENCES {user} (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE IF NOT EXISTS {token} (\n  `id` {id},\n  `user_id` {id},\n  `purpose` {id},\n"
    "  `expires` BIGINT UNSIGNED NOT NULL,\n  PRIMARY KEY (`id`),\n  KEY `user_id` (`user_id`),\n"
    "  FOREIGN KEY (`user_id`) REFERENCES {user} (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
)

_TYPES = {"text": "VARCHAR(255)", "long_text": "MEDIUMTEXT", "integer": "BIGINT"}


def statements(*, tables: Mapping[str, str] | None = None) -> list[str]:
    """The CREATE TABLE statements, with ``tables`` renaming tables as in ``mysql_adapter``."""
    names = resolve_names("tables", tables, DEFAULT_TABLES, kind="table")
    quoted = {role: MYSQL.quote_table(name) for role, name in names.items()}
    return [statement.format(**quoted, id=_ID) for statement in TABLES]


def schema_sql(*, tables: Mapping[str, str] | None = None) -> str:
    """The idempotent DDL of Lucia v2's three tables; with the defaults ``schemas/mysql.sql``."""
    return HEADER + "\n".join(f"{statement};\n" for statement in statements(tables=tables))


async def create_schema(pool: aiomysql.Pool, *, tables: Mapping[str, str] | None = None) -> None:
    """Create Lucia's three tables if they do not exist; idempotent (existing tables are left as
    they are). ``tables`` renames them as in ``mysql_adapter``."""
    async with pooled(pool) as connection:
        with warnings.catch_warnings():
            # The server's note for an existing table, which aiomysql turns into a Python warning.
            warnings.filterwarnings("ignore", r"Table '\w+' already exists", aiomysql.Warning)
            for statement in statements(tables=tables):
                await execute(connection, statement)


async def add_attributes(
    pool: aiomysql.Pool, attributes: Iterable[Attribute], *, tables: Mapping[str, str] | None = None
) -> None:
    """Add the attribute columns (and unique indexes) that are missing; idempotent."""
    names = resolve_names("tables", tables, DEFAULT_TABLES, kind="table")
    async with pooled(pool) as connection:
        for attribute in attributes:
            table, name = names[attribute.table], attribute.name
            quoted = MYSQL.quote_table(table)
            if not await _exists(connection, "columns", "column_name", table, name):
                await execute(
                    connection,
                    f"ALTER TABLE {quoted} ADD COLUMN {MYSQL.quote(name)} {_TYPES[attribute.type]} NULL",
                )
            index = attribute.index_name
            if attribute.unique and not await _exists(connection, "statistics", "index_name", table, index):
                await execute(
                    connection, f"CREATE UNIQUE INDEX {MYSQL.quote(index)} ON {quoted} ({MYSQL.quote(name)})"
                )


async def _exists(connection: Any, catalog: str, column: str, table: str, name: str) -> bool:
    sql = (
        f"SELECT 1 FROM information_schema.{catalog}"  # noqa: S608 - fixed catalog names
        f" WHERE table_schema = DATABASE() AND table_name = %s AND {column} = %s"
    )
    return bool((await fetch(connection, sql, (table, name)))[1])


async def apply_schema(url: str) -> None:
    """Connect to ``mysql://user:password@host:port/database`` and create Lucia's tables if
    missing (idempotent). Raises ValueError for a URL of another shape."""
    options = connection_options(url)
    if "db" not in options:
        raise ValueError("a MySQL URL looks like mysql://user:password@host:3306/database")
    pool = await aiomysql.create_pool(**options, minsize=1, maxsize=1)
    try:
        await create_schema(pool)
    finally:
        pool.close()
        await pool.wait_closed()


#: What ``schemas/`` holds for this backend (the defaults).
schema_text = schema_sql
