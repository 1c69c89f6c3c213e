"""The built-in backends: the one list of them. Each is an adapter package under ``adapters/``
with ``adapter.py``, ``schema.py`` (its schema, and ``schemas/<schema_file>`` generated from it)
and ``testing.py`` (a throwaway store from a URL); the CLI, the tests, the benchmarks and the
demo find a backend's package here. Importing this module imports no driver."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Backend:
    """One built-in backend.

    ``name`` is its name on the command line and in the tests; ``label`` its name in prose;
    ``extra`` the pip extra that
    installs its driver; ``schema_file`` its file in ``schemas/``; ``stores_users`` False for a
    session-only backend; ``server`` False for an embedded one (SQLite: a file, not a URL).
    """

    name: str
    label: str
    extra: str
    schema_file: str
    stores_users: bool = True
    server: bool = True

    @property
    def package(self) -> str:
        """The import package: ``lucia_adapter_<name>``."""
        return f"lucia_adapter_{self.name}"

    def module(self, name: str = "") -> ModuleType:
        """The package (or one of its modules, ``"schema"``, ``"testing"``), imported now; an
        ImportError naming the extra to install when its driver is missing."""
        return importlib.import_module(f"{self.package}.{name}" if name else self.package)


BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("sqlite", "SQLite", "sqlite", "sqlite.sql", server=False),
        Backend("postgres", "PostgreSQL", "postgres", "postgres.sql"),
        Backend("mysql", "MySQL", "mysql", "mysql.sql"),
        Backend("mongodb", "MongoDB", "mongodb", "mongodb.json"),
        Backend("redis", "Redis", "redis", "redis.md", stores_users=False),
    )
}
