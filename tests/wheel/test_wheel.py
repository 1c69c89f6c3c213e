"""The built wheel, as a new user gets it: every import package typed, and every README example
(the quickstart, the backends example, the conformance conftest) run from it in an empty folder
outside the repository, in a fresh virtual environment (``nox -s wheel``)."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from lucia_core.backends import BACKENDS
from tests.backends import backend_url

ROOT = Path(__file__).resolve().parents[2]
URLS = {
    "LUCIA_POSTGRES_URL": "postgres",
    "LUCIA_MYSQL_URL": "mysql",
    "LUCIA_MONGODB_URL": "mongodb",
    "LUCIA_REDIS_URL": "redis",
}


def run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built from this checkout."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", out, ROOT, cwd=out)
    (built,) = out.glob("lucia_core-*.whl")
    return built


@pytest.fixture(scope="module")
def environment(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its extras installed (not the checkout)."""
    folder = tmp_path_factory.mktemp("venv")
    venv.create(folder, with_pip=True)
    python = folder / "bin" / "python"
    run(python, "-m", "pip", "install", "--quiet", f"{wheel}[all,conformance]", cwd=folder)
    return python


@pytest.fixture
def empty_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder outside the repository."""
    folder = tmp_path_factory.mktemp("user")
    assert not any(folder.iterdir())
    assert ROOT not in folder.parents
    return folder


def user_env(folder: Path) -> dict[str, str]:
    """The environment of a user's shell: no path into the checkout."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["HOME"] = str(folder)
    return env


def test_every_import_package_of_the_wheel_has_py_typed(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    packages = {
        name.split("/", 1)[0] for name in names if name.endswith("/__init__.py") and name.count("/") == 1
    }
    assert {"lucia_core", "lucia_conformance", "lucia_adapter_sqlite", "lucia_adapter_redis"} <= packages
    assert {backend.package for backend in BACKENDS.values()} <= packages
    assert sorted(package for package in packages if f"{package}/py.typed" not in names) == []


def test_the_wheel_ships_each_schema_file(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    for name in ("sqlite.sql", "postgres.sql", "mysql.sql", "mongodb.json", "redis.md"):
        assert f"lucia_core/schemas/{name}" in names
    for backend in BACKENDS.values():
        assert f"lucia_core/schemas/{backend.schema_file}" in names


def test_the_quickstart_runs_from_the_wheel_in_an_empty_folder(environment: Path, empty_folder: Path) -> None:
    script = empty_folder / "quickstart.py"
    script.write_text((ROOT / "examples" / "quickstart.py").read_text())
    output = run(environment, script, cwd=empty_folder, env=user_env(empty_folder))
    assert "signed in as" in output
    assert "signed in as None" not in output
    run(environment, script, cwd=empty_folder, env=user_env(empty_folder))  # a second run: idempotent


def test_the_backends_example_runs_from_the_wheel_in_an_empty_folder(
    environment: Path, empty_folder: Path
) -> None:
    env = user_env(empty_folder) | {name: backend_url(backend) for name, backend in URLS.items()}
    script = empty_folder / "backends.py"
    script.write_text((ROOT / "examples" / "backends.py").read_text())
    output = run(environment, script, cwd=empty_folder, env=env)
    assert output.count("signed in as") == 4, output


def test_the_readme_conformance_conftest_runs_from_the_wheel_in_an_empty_folder(
    environment: Path, empty_folder: Path
) -> None:
    (empty_folder / "conftest.py").write_text(
        (ROOT / "tests" / "conformance" / "sqlite" / "conftest.py").read_text()
    )
    output = run(
        environment, "-m", "pytest", "--pyargs", "lucia_conformance", "--rootdir=.", "-p", "no:cacheprovider",
        cwd=empty_folder, env=user_env(empty_folder),
    )  # fmt: skip
    assert " passed" in output
    assert "failed" not in output
    assert "skipped" not in output
    assert "warning" not in output.lower(), output
