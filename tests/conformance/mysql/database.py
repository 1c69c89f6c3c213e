"""Throwaway MySQL / MariaDB databases for the tests, and raw access to their tables.

Each database is named ``lucia_test_<random>`` (the test user may create ``lucia_%`` databases),
holds ``schemas/mysql.sql`` plus the test application's columns, and is dropped by its creator,
so runs on a shared server do not see each other.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import aiomysql

SCHEMA = (Path(__file__).resolve().parents[3] / "schemas" / "mysql.sql").read_text()

#: The test application's attribute columns: a unique username on users, a country on sessions.
TEST_COLUMNS = (
    "ALTER TABLE `auth_user` ADD COLUMN `username` VARCHAR(255) NULL, ADD UNIQUE KEY `username` (`username`)",
    "ALTER TABLE `user_session` ADD COLUMN `country` VARCHAR(255) NULL",
    "ALTER TABLE `user_token` ADD COLUMN `email` VARCHAR(255) NULL",
)


def connection_options(url: str) -> dict[str, Any]:
    """``aiomysql.connect`` keyword arguments for a ``mysql://user:password@host:port/db`` URL."""
    parts = urlsplit(url)
    return {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "charset": "utf8mb4",
    }


def sql_statements(script: str) -> list[str]:
    """The statements of an SQL script whose comments are whole ``--`` lines."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [statement.strip() for statement in "\n".join(lines).split(";") if statement.strip()]


async def execute(connection: Any, statements: Sequence[str]) -> None:
    """Run each statement (no parameters) on an autocommit connection."""
    async with connection.cursor(aiomysql.Cursor) as cursor:
        for statement in statements:
            await cursor.execute(statement)


async def create_database(
    options: Mapping[str, Any], statements: Sequence[str] = (*sql_statements(SCHEMA), *TEST_COLUMNS)
) -> str:
    """Create ``lucia_test_<random>`` with the given statements run in it; return its name."""
    name = f"lucia_test_{secrets.token_hex(6)}"
    connection = await aiomysql.connect(**options, autocommit=True)
    try:
        await execute(connection, [f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4", f"USE `{name}`"])
        await execute(connection, statements)
    finally:
        connection.close()
    return name


async def drop_database(options: Mapping[str, Any], name: str) -> None:
    """Drop a database made by :func:`create_database`."""
    connection = await aiomysql.connect(**options, autocommit=True)
    try:
        await execute(connection, [f"DROP DATABASE IF EXISTS `{name}`"])
    finally:
        connection.close()


class MySQLTable:
    """Raw access to one table (a ``lucia_conformance.RawTable``), bypassing the adapter."""

    def __init__(self, connection: Any, name: str) -> None:
        self.connection = connection
        self.name = name

    async def insert(self, row: Mapping[str, Any]) -> None:
        columns = ", ".join(f"`{column}`" for column in row)
        placeholders = ", ".join("%s" for _ in row)
        async with self.connection.cursor(aiomysql.Cursor) as cursor:
            await cursor.execute(
                f"INSERT INTO `{self.name}` ({columns}) VALUES ({placeholders})", list(row.values())
            )

    async def get_all(self) -> list[dict[str, Any]]:
        async with self.connection.cursor(aiomysql.Cursor) as cursor:
            await cursor.execute(f"SELECT * FROM `{self.name}`")
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]

    async def clear(self) -> None:
        async with self.connection.cursor(aiomysql.Cursor) as cursor:
            await cursor.execute(f"DELETE FROM `{self.name}`")
