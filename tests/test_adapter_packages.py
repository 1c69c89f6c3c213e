"""The shape of the adapter packages: each is the single home of its backend (nothing outside it
imports its driver), adapters are short and implement every protocol method themselves, wrong
objects and unknown options are refused at construction with a message that names the fix."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import redis
from pymongo import MongoClient

from lucia_adapter_mongodb import MongoDBAdapter, mongodb_adapter
from lucia_adapter_mysql import MySQLAdapter, mysql_adapter
from lucia_adapter_postgres import PostgresAdapter, postgres_adapter
from lucia_adapter_redis import RedisSessionAdapter, redis_session_adapter
from lucia_adapter_sqlite import SQLiteAdapter, sqlite_adapter
from lucia_core.adapter import SessionAdapter, SessionAndUserReader, TokenAdapter, UserAdapter
from lucia_core.backends import BACKENDS

ROOT = Path(__file__).resolve().parent.parent
#: Every backend's driver (its extra's requirement), and the modules those drivers bring.
DRIVERS = {
    *(re.match(r"[A-Za-z0-9_]+", backend.requirement)[0] for backend in BACKENDS.values()),  # type: ignore[index]
    *("sqlite3", "pymysql", "bson", "motor"),
}
#: Where the project uses backends without being one: none of these may import a driver.
CONSUMERS = [
    "lucia_core/cli.py",
    "lucia_core/backends.py",
    "lucia_core/sql.py",
    "lucia_core/database.py",
    "tests/security/stores.py",
    "tests/reliability/deployments.py",
    "demo/lucia_demo/storage.py",
    "hatch_build.py",
    "noxfile.py",
    "tests/conformance/fixtures.py",
    *(str(path.relative_to(ROOT)) for path in sorted((ROOT / "benchmarks").glob("backend*.py"))),
    *(str(path.relative_to(ROOT)) for path in sorted((ROOT / "tests" / "conformance").glob("*/conftest.py"))),
]
ADAPTERS = [SQLiteAdapter, PostgresAdapter, MySQLAdapter, MongoDBAdapter, RedisSessionAdapter]
#: Every listed backend's adapter classes (those its ``adapter`` module defines).
LISTED_ADAPTERS = [
    value
    for backend in BACKENDS.values()
    for value in vars(backend.module("adapter")).values()
    if isinstance(value, type)
    and value.__module__ == f"{backend.package}.adapter"
    and value.__name__.endswith("Adapter")
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", CONSUMERS)
def test_nothing_outside_the_adapter_packages_imports_a_driver(path: str) -> None:
    assert imported_modules(ROOT / path) & DRIVERS == set()


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_each_backend_is_one_package_with_adapter_schema_and_testing_modules(name: str) -> None:
    folder = ROOT / "adapters" / BACKENDS[name].package
    assert {"__init__.py", "adapter.py", "schema.py", "testing.py", "floor.py", "py.typed"} <= {
        p.name for p in folder.iterdir()
    }
    for module in folder.glob("*.py"):
        lines = len(module.read_text().splitlines())
        assert lines <= 260, f"{module.relative_to(ROOT)} has {lines} lines"


def test_the_adapters_checked_here_are_every_listed_backends() -> None:
    assert LISTED_ADAPTERS == ADAPTERS


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.__name__)
def test_each_adapter_implements_every_method_of_its_protocols_itself(adapter: type) -> None:
    # The adapters inherit the protocols' docstrings; a method left to the protocol's stub would
    # silently return None.
    protocols = (
        [SessionAdapter]
        if adapter is RedisSessionAdapter
        else [UserAdapter, SessionAdapter, SessionAndUserReader]
    )
    for protocol in protocols:
        for name, _ in inspect.getmembers(protocol, inspect.iscoroutinefunction):
            if not name.startswith("_"):
                assert name in vars(adapter), f"{adapter.__name__} does not implement {name}"
                assert inspect.iscoroutinefunction(vars(adapter)[name])


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda adapter: adapter.__name__)
def test_each_adapter_implements_every_token_method_in_its_packages_tokens_module(adapter: type) -> None:
    # Every built-in adapter stores one-time tokens, through a mixin in its package's tokens.py.
    assert issubclass(adapter, TokenAdapter)
    for name, stub in inspect.getmembers(TokenAdapter, inspect.iscoroutinefunction):
        if not name.startswith("_"):
            method = getattr(adapter, name)
            assert method is not stub, f"{adapter.__name__} leaves {name} to the protocol's stub"
            assert inspect.iscoroutinefunction(method)
            assert method.__module__ == f"{adapter.__module__.rsplit('.', 1)[0]}.tokens"


# Wrong objects: refused at construction, saying what is expected.


def test_sqlite_adapter_refuses_a_path_and_a_blocking_connection() -> None:
    with pytest.raises(
        TypeError, match=r"sqlite_adapter\(\) needs an open aiosqlite connection, not the str 'app.db'"
    ):
        sqlite_adapter("app.db")  # type: ignore[arg-type]
    with (
        sqlite3.connect(":memory:") as blocking,
        pytest.raises(TypeError, match=r"aiosqlite connection, not a sqlite3.Connection.*aiosqlite.connect"),
    ):
        sqlite_adapter(blocking)  # type: ignore[arg-type]


def test_postgres_adapter_refuses_a_url_and_a_connection() -> None:
    with pytest.raises(
        TypeError, match=r"postgres_adapter\(\) needs an asyncpg pool, not the str .*create_pool"
    ):
        postgres_adapter("postgresql://localhost/app")
    with pytest.raises(TypeError, match=r"needs an asyncpg pool, not a builtins.NoneType"):
        postgres_adapter(None)


def test_mysql_adapter_refuses_a_url() -> None:
    with pytest.raises(
        TypeError, match=r"mysql_adapter\(\) needs an aiomysql pool, not the str .*create_pool"
    ):
        mysql_adapter("mysql://app@localhost/app")


def test_mongodb_adapter_refuses_a_url_a_client_and_a_blocking_database() -> None:
    with pytest.raises(TypeError, match=r"mongodb_adapter\(\) needs a database .*, not the str"):
        mongodb_adapter("mongodb://localhost/app")  # type: ignore[arg-type]
    blocking: MongoClient[dict[str, Any]] = MongoClient("mongodb://127.0.0.1:1", connect=False)
    try:
        with pytest.raises(TypeError, match=r"needs an asynchronous database .* not the blocking pymongo"):
            mongodb_adapter(blocking["app"])
    finally:
        blocking.close()


def test_redis_session_adapter_refuses_a_url_and_a_blocking_client() -> None:
    with pytest.raises(
        TypeError, match=r"redis_session_adapter\(\) needs a redis.asyncio.Redis or RedisCluster"
    ):
        redis_session_adapter("redis://localhost")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"needs an asyncio client, not the blocking redis.client.Redis"):
        redis_session_adapter(redis.Redis())  # type: ignore[arg-type]


# Unknown options: refused, listing the valid keys.


def test_unknown_table_keys_list_the_valid_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown table keys \['users'\] in tables=: the valid keys are 'user', 'key', 'session'",
    ):
        postgres_adapter(None, tables={"users": "auth_user"})


def test_unknown_collection_and_prefix_keys_list_the_valid_ones() -> None:
    with pytest.raises(
        ValueError,
        match=r"unknown collection keys \['sessions'\] in collections=: the valid keys are 'user', 'key',",
    ):
        mongodb_adapter(None, collections={"sessions": "s"})  # type: ignore[arg-type]
    with pytest.raises(
        ValueError,
        match=r"unknown prefix keys \['userSessions'\] in prefixes=: the valid keys are 'session', 'user_",
    ):
        redis_session_adapter(None, prefixes={"userSessions": "x"})  # type: ignore[arg-type]


def test_a_tables_option_that_is_not_a_mapping_says_what_it_should_be() -> None:
    with pytest.raises(
        TypeError, match=r"tables= must be a dict with the keys 'user', 'key', 'session', 'token', not str"
    ):
        postgres_adapter(None, tables="auth_user")  # type: ignore[arg-type]


def _extras() -> dict[str, list[str]]:
    """The installed distribution's extras and their requirements (``hatch_build.py`` derives
    them from ``lucia_core.backends``): what ``pip install lucia-core[...]`` resolves."""
    extras: dict[str, list[str]] = {}
    for extra in importlib.metadata.metadata("lucia-core").get_all("Provides-Extra") or []:
        extras[extra] = []
    for line in importlib.metadata.requires("lucia-core") or []:
        requirement, _, marker = line.partition(";")
        found = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", marker)
        if found:
            extras[found[1]].append(requirement.strip())
    return extras


def test_all_installs_every_backend_every_framework_and_oauth_but_not_the_test_tools() -> None:
    # The metadata has every extra expanded: "all" lists the requirements of the extras it names.
    extras = _extras()
    every = set(extras["all"])
    for backend in BACKENDS.values():
        assert extras[backend.extra] == [backend.requirement], backend.name
        assert backend.requirement in every, backend.name
    for framework in ("starlette", "fastapi", "aiohttp", "django", "litestar"):
        assert set(extras[framework]) <= set(extras["frameworks"]), framework
    assert set(extras["frameworks"]) <= every
    assert set(extras["oauth"]) <= every
    assert not every & set(extras["conformance"]), "test tools in [all]"
