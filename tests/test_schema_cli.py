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

from lucia_core.backends import BACKENDS
from lucia_core.cli import main, schema_text

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
    assert printed == (ROOT / "schemas" / BACKENDS[backend].schema_file).read_text() == schema_text(backend)
    assert "user_id" in printed


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_each_schema_file_is_generated_from_its_adapter_packages_schema_module(backend: str) -> None:
    path = ROOT / "schemas" / BACKENDS[backend].schema_file
    assert path.read_text() == BACKENDS[backend].module("schema").schema_text(), (
        f"{path} differs from lucia_adapter_{backend}/schema.py; regenerate it: python -c 'from"
        f' lucia_core.backends import BACKENDS; print(BACKENDS["{backend}"].module("schema")'
        f'.schema_text(), end="")\' > {path}'
    )


def test_schema_py_renames_tables_in_the_ddl_it_applies() -> None:
    tables = {"user": "app_user", "key": "app_key", "session": "app_session"}
    for backend in ("sqlite", "postgres", "mysql"):
        ddl = BACKENDS[backend].module("schema").schema_sql(tables=tables)
        statements = "\n".join(line for line in ddl.splitlines() if not line.startswith("--"))
        assert "auth_user" not in statements
        assert "user_key" not in statements
        assert all(name in statements for name in tables.values())


# A server that is not there: a port nothing listens on (bound, then closed, on loopback).
def _dead_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("backend", "url"),
    [
        ("postgres", "postgresql://lucia:secret@127.0.0.1:{port}/lucia"),
        ("mysql", "mysql://lucia:secret@127.0.0.1:{port}/lucia"),
        ("mongodb", "mongodb://127.0.0.1:{port}/lucia?serverSelectionTimeoutMS=300"),
    ],
)
def test_apply_to_a_dead_url_prints_one_paragraph_and_exits_non_zero(backend: str, url: str) -> None:
    result = run("schema", backend, "--apply", url.format(port=_dead_port()))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"lucia-core schema {backend}: could not apply the schema to")
    assert "secret" not in result.stderr  # the password is masked
    assert "running and reachable" in lines[0]


def test_a_missing_driver_is_named_once_with_its_extra() -> None:
    code = (
        "import sys; sys.modules['asyncpg'] = None\n"
        "from lucia_core.cli import main\n"
        "raise SystemExit(main(['schema', 'postgres', '--apply', 'postgresql://x/y']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count('pip install "lucia-core[postgres]"') == 1, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr


def test_importing_an_adapter_without_its_driver_shows_the_hint_once() -> None:
    code = "import sys; sys.modules['aiomysql'] = None\nimport lucia_adapter_mysql\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.count("lucia-core[mysql]") == 1, result.stderr
    assert "During handling of the above exception" not in result.stderr
    assert "The above exception was the direct cause" not in result.stderr


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
