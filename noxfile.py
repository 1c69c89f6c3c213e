"""Development sessions: ``nox -s lint types tests conformance-sqlite`` and friends.

``./dev test`` runs the whole suite (the sessions in ``nox.options.sessions``); CI runs exactly that.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

TEST_DEPS = ["pytest>=8", "pytest-asyncio>=0.24", "hypothesis>=6.100", "motor>=3.3", "httpx>=0.27"]
BENCH_DEPS = [
    "matplotlib>=3.8",
    "fastapi-users>=13",
    "fastapi-users-db-sqlalchemy>=6",
    "sqlalchemy[asyncio]>=2",
    "django>=5.1",
    "psycopg[binary]>=3.1",
]
ROOT = Path(__file__).resolve().parent


def _load_backends() -> ModuleType:
    """``lucia_core/backends.py``, the one list of backends, imported by path: nox runs before
    anything is installed (the module needs only the standard library)."""
    spec = importlib.util.spec_from_file_location("_lucia_backends", ROOT / "lucia_core" / "backends.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


_BACKENDS = _load_backends()
#: Every conformance run: each backend, then its deployments (pgbouncer: PostgreSQL behind
#: PgBouncer's transaction pooling; redis-cluster; redis-sentinel: a Sentinel-managed client of a
#: primary with a replica).
BACKENDS: list[str] = _BACKENDS.conformance_runs()


def conformance_folder(run: str) -> str:
    """``tests/conformance/<run>`` (or ``<run_with_underscores>``) where a run has a conftest of its
    own (SQLite's, the README's example; PgBouncer's and Sentinel's, with tests of their own), else
    the one for every backend, ``tests/conformance/backend`` (which reads LUCIA_CONFORMANCE_BACKEND)."""
    for folder in (run, run.replace("-", "_")):
        if (ROOT / "tests" / "conformance" / folder / "conftest.py").is_file():
            return f"tests/conformance/{folder}"
    return "tests/conformance/backend"


nox.options.sessions = [
    "lint",
    "types",
    "tests",
    *(f"conformance-{name}" for name in BACKENDS),
    "quickstart",
    "wheel",
    "e2e",
    "faults",
    "oauth",
]


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint rules and formatting."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def types(session: nox.Session) -> None:
    """mypy --strict over the library, adapters, conformance suite, demo, tests and benchmarks."""
    deps = ["mypy>=1.10", "nox", "hatchling>=1.24", *TEST_DEPS, *BENCH_DEPS]  # hatchling: hatch_build.py
    session.install("-e", ".[all,frameworks]", "-e", "./demo[e2e]", *deps)
    session.run("mypy")


@nox.session
def tests(session: nox.Session) -> None:
    """Unit tests of the core (on a real SQLite database), adapters on real servers, middleware."""
    # conformance: testcontainers, for the harness's container tests (tests/test_backends_harness.py)
    # nox: tests/test_backend_list.py reads this file's sessions
    session.install("-e", ".[all,frameworks,conformance]", "-e", "./demo", *TEST_DEPS, "nox")
    session.run(
        "pytest",
        "tests",
        "--ignore=tests/conformance",
        "--ignore=tests/e2e",
        "--ignore=tests/reliability/faults",
        "--ignore=tests/containers",  # conformance-containers: needs a Docker engine
        "--ignore=tests/wheel",
        "--ignore=tests/oauth",
        *session.posargs,
    )


def _conformance_session(backend: str) -> None:
    @nox.session(name=f"conformance-{backend}")
    def conformance(session: nox.Session) -> None:
        """The shared adapter conformance suite against one backend, run as a user would run it
        (plus the adapter's own tests kept in the same folder)."""
        session.install("-e", ".[all,frameworks]", *TEST_DEPS)
        session.chdir(f"{ROOT}/{conformance_folder(backend)}")
        env = {"LUCIA_CONFORMANCE_BACKEND": backend}
        session.run("pytest", "--pyargs", "lucia_conformance", "--rootdir=.", ".", *session.posargs, env=env)


for _backend in BACKENDS:
    _conformance_session(_backend)


@nox.session(name="conformance-containers")
def conformance_containers(session: nox.Session) -> None:
    """The conformance suite for every server backend, each server a container that testcontainers
    starts from LUCIA_*_IMAGE (default: the official images), and the container helper's own tests.
    Servers only from containers: no URL from the environment, no server binaries. Needs a Docker
    engine: ``scripts/containers.sh run ./dev -s conformance-containers`` brings a private one with
    images built here."""
    session.install("-e", ".[all,frameworks,conformance]", *TEST_DEPS)
    # The runs with a container (scripts/containers.sh builds their images): every server backend
    # and the Redis cluster.
    listed = session.run(
        "python", "-c", "from lucia_conformance.servers import CONTAINERS; print(*CONTAINERS)", silent=True
    )
    runs = str(listed).split()
    env = {_BACKENDS.url_var(run): "" for run in runs}
    env.update(LUCIA_BACKENDS_FROM="docker", LUCIA_REQUIRE_BACKENDS="all")
    session.run("pytest", "tests/containers", *session.posargs, env=env)
    for backend in runs:
        session.chdir(f"{ROOT}/{conformance_folder(backend)}")
        run_env = {**env, "LUCIA_CONFORMANCE_BACKEND": backend}
        session.run(
            "pytest", "--pyargs", "lucia_conformance", "--rootdir=.", ".", *session.posargs, env=run_env
        )


@nox.session
def quickstart(session: nox.Session) -> None:
    """The README's quickstart, on an SQLite file in a temporary folder."""
    session.install("-e", ".[sqlite]")
    tmp = session.create_tmp()
    script = str(session.invoked_from) + "/examples/quickstart.py"
    session.chdir(tmp)
    session.run("python", script)


@nox.session
def wheel(session: nox.Session) -> None:
    """The built wheel in a fresh virtual environment: py.typed in every import package, and the
    README's examples (quickstart, backends, the conformance conftest) run in an empty folder
    outside the repository (the backends example against the test servers)."""
    session.install("-e", ".[sqlite]", "pytest>=8", "pytest-asyncio>=0.24", "pip")
    session.run("pytest", "tests/wheel", "-p", "no:cacheprovider", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The demo web app (demo/lucia_demo) on http://127.0.0.1:8000 over ./lucia-demo.sqlite3, or
    LUCIA_DEMO_DATABASE_URL / LUCIA_DEMO_SESSION_URL; arguments go to it: ./dev demo --port 9000."""
    backends = ",".join(_BACKENDS.BACKENDS)
    session.install("-e", f".[{backends}]", "-e", "./demo")
    session.run("python", "-m", "lucia_demo", *session.posargs)


@nox.session
def e2e(session: nox.Session) -> None:
    """The demo in headless Chromium (Debian's /usr/bin/chromium, or LUCIA_CHROMIUM) through
    Playwright; screenshots in test-artifacts/screenshots (LUCIA_SCREENSHOTS_DIR)."""
    session.install("-e", ".[sqlite]", "-e", "./demo[e2e]", *TEST_DEPS)
    session.run("pytest", "tests/e2e", *session.posargs)


@nox.session
def faults(session: nox.Session) -> None:
    """Database servers stopped and started again under load: private servers started by
    scripts/backends.sh from installed binaries on free ports (the shared ones are untouched)."""
    session.install("-e", ".[all,frameworks]", *TEST_DEPS)
    session.run("pytest", "tests/reliability/faults", *session.posargs)


@nox.session
def oauth(session: nox.Session) -> None:
    """lucia_core.oauth against real authorization servers on 127.0.0.1: npm oidc-provider (Node)
    and Keycloak (Java 17, started once per run), installed by scripts/oauth-servers.sh into
    .oauth-servers/ (npm and Maven from the machine's own configuration), plus every provider
    against its documented request and response shapes."""
    session.install("-e", ".[all,frameworks]", "-e", "./demo", *TEST_DEPS)  # test_demo_oidc
    session.run("bash", "scripts/oauth-servers.sh", "install", external=True)
    session.run("pytest", "tests/oauth", *session.posargs)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (benchmarks/, results in docs/benchmarks.md) on the servers of .ci/run: quick by
    default (CI, under two minutes); ./dev -s bench -- --full writes the committed results."""
    session.install("-e", ".[all]", *BENCH_DEPS)
    session.run("python", "-m", "benchmarks", *(session.posargs or ["--quick"]))
