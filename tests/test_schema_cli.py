"""``lucia-core schema``: prints each backend's schema and applies it, idempotently, on real servers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from contextlib import closing
from pathlib import Path

import asyncpg
import pytest

from lucia_core.cli import BACKENDS, main, schema_text

from .backends import backend_url

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lucia_core", *args], capture_output=True, text=True, check=False, timeout=60
    )


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_schema_prints_the_schema_file(backend: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", backend]) == 0
    printed = capsys.readouterr().out
    assert printed == (ROOT / "schemas" / BACKENDS[backend][0]).read_text() == schema_text(backend)
    assert "user_id" in printed


def test_schema_command_line_entry_point() -> None:
    result = run("schema", "postgres")
    assert result.returncode == 0
    assert "CREATE TABLE IF NOT EXISTS" in result.stdout
    assert run("schema", "oracle").returncode == 2


def test_apply_sqlite_twice(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    for _ in range(2):
        result = run("schema", "sqlite", "--apply", f"sqlite:///{path}")
        assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(path)) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert tables == {"auth_user", "user_key", "user_session", "user_token"}
    assert {"user_key_user_id", "user_session_user_id", "user_token_user_id"} <= indexes


def test_apply_rejects_a_bad_url() -> None:
    result = run("schema", "sqlite", "--apply", "postgresql://x/y")
    assert result.returncode == 2
    assert "sqlite:///" in result.stderr


async def test_apply_postgres_twice_in_a_fresh_database() -> None:
    url = backend_url("postgres")
    name = f"lucia_cli_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        target = url.rsplit("/", 1)[0] + f"/{name}"
        for _ in range(2):
            result = run("schema", "postgres", "--apply", target)
            assert result.returncode == 0, result.stderr
        conn = await asyncpg.connect(target)
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
        indexes = {
            r["indexname"]
            for r in await conn.fetch("SELECT indexname FROM pg_indexes WHERE schemaname='public'")
        }
        await conn.close()
        assert tables == {"auth_user", "user_key", "user_session", "user_token"}
        assert {"user_key_user_id_idx", "user_session_user_id_idx", "user_token_user_id_idx"} <= indexes
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def test_apply_mysql_twice() -> None:
    url = backend_url("mysql")
    for _ in range(2):
        result = run("schema", "mysql", "--apply", url)
        assert result.returncode == 0, result.stderr


def test_apply_mongodb_twice() -> None:
    url = backend_url("mongodb")
    for _ in range(2):
        result = run("schema", "mongodb", "--apply", url)
        assert result.returncode == 0, result.stderr
