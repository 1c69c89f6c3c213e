"""The built-in backends: the one list of them. Each is an adapter package under ``adapters/``
with ``adapter.py``, ``schema.py`` (its schema, and ``schemas/<schema_file>`` generated from it),
``testing.py`` (a throwaway store from a URL, and what the conformance runs need to know) and
``floor.py`` (the benchmark's server and raw-driver floor). The CLI, the tests, the benchmarks
and the demo find a backend's package here; the build (its extras: ``hatch_build.py``) and
``noxfile.py`` (its conformance sessions) read this file by path. So adding a backend is its
package folder and one line in :data:`BACKENDS`. Importing this module imports no driver, nor
anything outside the standard library.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class Backend:
    """One built-in backend.

    ``name`` is its name on the command line, in the tests and its pip extra; ``label`` its name
    in prose; ``requirement`` the driver the extra installs; ``schemes`` the URL schemes it serves
    (the demo's database or session URL); ``schema_file`` its file in ``schemas/``;
    ``stores_users`` False for a session-only backend; ``server`` False for an embedded one
    (SQLite: a file, not a URL); ``deployments`` further test servers of the same adapter, each
    with a conformance run of its own (and a URL in ``LUCIA_<DEPLOYMENT>_URL``, see :func:`url_var`).
    """

    name: str
    label: str
    requirement: str
    schemes: tuple[str, ...]
    schema_file: str
    stores_users: bool = True
    server: bool = True
    deployments: tuple[str, ...] = ()

    @property
    def extra(self) -> str:
        """The pip extra that installs its driver: ``lucia-core[<name>]``."""
        return self.name

    @property
    def url_var(self) -> str:
        """The environment variable holding its test server's URL: ``LUCIA_<NAME>_URL``."""
        return url_var(self.name)

    @property
    def package(self) -> str:
        """The import package: ``lucia_adapter_<name>``."""
        return f"lucia_adapter_{self.name}"

    def module(self, name: str = "") -> ModuleType:
        """The package (or one of its modules: ``"schema"``, ``"testing"``, ``"floor"``), imported now; an
        ImportError naming the extra to install when its driver is missing."""
        return importlib.import_module(f"{self.package}.{name}" if name else self.package)


def url_var(name: str) -> str:
    """The environment variable of a backend's or a deployment's test server URL."""
    return f"LUCIA_{name.upper().replace('-', '_')}_URL"


# fmt: off
BACKENDS: dict[str, Backend] = {
    backend.name: backend
    for backend in (
        Backend("sqlite", "SQLite", "aiosqlite>=0.20", ("sqlite",), "sqlite.sql", server=False),
        Backend("postgres", "PostgreSQL", "asyncpg>=0.29", ("postgresql", "postgres"), "postgres.sql",
                deployments=("pgbouncer",)),
        Backend("mysql", "MySQL", "aiomysql>=0.2", ("mysql", "mariadb"), "mysql.sql"),
        Backend("mongodb", "MongoDB", "pymongo>=4.13", ("mongodb", "mongodb+srv"), "mongodb.json"),
        Backend("redis", "Redis", "redis>=5", ("redis", "rediss", "unix", "redis-cluster"), "redis.md",
                stores_users=False, deployments=("redis-cluster", "redis-sentinel")),
    )
}
# fmt: on


def conformance_runs() -> list[str]:
    """Every conformance run: each backend, then its deployments."""
    return [run for backend in BACKENDS.values() for run in (backend.name, *backend.deployments)]


def backend_of(run: str) -> Backend:
    """The backend of a backend's or a deployment's name (``pgbouncer``: postgres)."""
    for backend in BACKENDS.values():
        if run == backend.name or run in backend.deployments:
            return backend
    raise ValueError(f"unknown backend {run!r}: use one of {', '.join(conformance_runs())}")
