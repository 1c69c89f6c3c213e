"""``lucia_core.backends.BACKENDS`` is the one list of backends: everything else that knows of a
backend derives from it. For every listed backend this checks what adding one means: its package
folder (adapter, schema, testing, floor), its generated schema file, its pip extra, its nox
conformance session(s), its benchmark backend, its demo URL schemes, its CLI schema command; and,
for a server backend, the two places that must name it because they start servers on this
machine (``scripts/backends.sh`` and ``tests/backends.py``), each failure naming the file to edit.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from lucia_demo import storage

from benchmarks.backend import Backend as BenchmarkBackend
from benchmarks.backend import url_variables
from lucia_core.backends import BACKENDS, backend_of, conformance_runs, url_var
from lucia_core.cli import schema_text
from tests import backends as servers

ROOT = Path(__file__).resolve().parent.parent
NAMES = sorted(BACKENDS)
#: The floor's operations, as the benchmark report names them.
OPERATIONS = {"validate", "validate_idle", "create_session", "invalidate_session", "get_all_user_sessions"}


def _noxfile() -> ModuleType:
    """The noxfile, imported as nox imports it (its sessions register in nox's registry)."""
    pytest.importorskip("nox")
    spec = importlib.util.spec_from_file_location("_lucia_noxfile", ROOT / "noxfile.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", NAMES)
def test_each_backend_is_a_package_folder_with_its_four_modules(name: str) -> None:
    folder = ROOT / "adapters" / BACKENDS[name].package
    modules = {path.name for path in folder.iterdir()}
    missing = {"__init__.py", "adapter.py", "schema.py", "testing.py", "floor.py", "py.typed"} - modules
    assert not missing, f"{folder.relative_to(ROOT)} lacks {sorted(missing)}"
    assert callable(BACKENDS[name].module("testing").throwaway_store)


@pytest.mark.parametrize("name", NAMES)
def test_each_backend_has_its_generated_schema_file_and_cli_command(name: str) -> None:
    backend = BACKENDS[name]
    path = ROOT / "schemas" / backend.schema_file
    assert path.is_file(), f"generate {path.relative_to(ROOT)} from {backend.package}/schema.py"
    assert schema_text(name) == path.read_text() == backend.module("schema").schema_text()


@pytest.mark.parametrize("name", NAMES)
def test_each_backend_has_its_extra_with_its_driver(name: str) -> None:
    import importlib.metadata

    backend = BACKENDS[name]
    assert backend.extra in (importlib.metadata.metadata("lucia-core").get_all("Provides-Extra") or [])
    requirements = importlib.metadata.requires("lucia-core") or []
    assert f"{backend.requirement}; extra == '{backend.extra}'" in requirements
    assert f"{backend.requirement}; extra == 'all'" in requirements


def test_every_backend_and_deployment_has_a_conformance_session() -> None:
    noxfile = _noxfile()
    import nox.registry

    assert conformance_runs() == noxfile.BACKENDS
    sessions = nox.registry.get()
    for run in conformance_runs():
        assert f"conformance-{run}" in sessions, run
        assert f"conformance-{run}" in noxfile.nox.options.sessions, run
        folder = ROOT / noxfile.conformance_folder(run)
        assert (folder / "conftest.py").is_file(), folder
        backend_of(run)  # the shared conftest's check of LUCIA_CONFORMANCE_BACKEND accepts it


@pytest.mark.parametrize("name", NAMES)
def test_each_backend_has_its_benchmark_server_and_floor(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    floor = BACKENDS[name].module("floor")
    assert set(floor.FLOOR) == OPERATIONS, f"{BACKENDS[name].package}/floor.py: FLOOR"
    assert isinstance(floor.Server.large_scale, bool)
    for method in ("connect", "close", "store", "version"):
        assert inspect.iscoroutinefunction(getattr(floor.Server, method)), method
    variables = url_variables(name)
    assert (BACKENDS[name].url_var in variables) == BACKENDS[name].server
    for variable in variables:  # nothing connects until connect()
        monkeypatch.setenv(variable, f"{variable.lower()}://127.0.0.1:1/lucia")
    backend = BenchmarkBackend(name)
    assert (backend.name, backend.floor, backend.large_scale) == (name, floor.FLOOR, floor.Server.large_scale)


@pytest.mark.parametrize("name", NAMES)
def test_each_backend_serves_its_demo_url_schemes(name: str) -> None:
    backend = BACKENDS[name]
    assert backend.schemes
    schemes = storage.DATABASE_SCHEMES if backend.stores_users else storage.SESSION_SCHEMES
    assert {scheme: schemes.get(scheme) for scheme in backend.schemes} == dict.fromkeys(backend.schemes, name)
    # What storage.open_storage calls of the package.
    if backend.stores_users:
        functions = ["connect", f"{name}_adapter", "create_schema", "add_attributes", "is_unique_violation"]
    else:
        functions = ["connect", f"{name}_session_adapter"]
    package = backend.module()
    for function in functions:
        assert callable(getattr(package, function, None)), f"{backend.package} exports no {function}"


def test_the_tests_find_a_server_for_every_server_backend_and_deployment() -> None:
    embedded = {name for name, backend in BACKENDS.items() if not backend.server}
    assert set(servers.ENV_VARS) == set(conformance_runs()) - embedded
    assert all(servers.ENV_VARS[run] == url_var(run) for run in servers.ENV_VARS)


@pytest.mark.parametrize("run", sorted(servers.ENV_VARS))
def test_each_server_is_started_by_the_scripts_and_found_by_the_tests(run: str) -> None:
    # How a kind of server is installed and started on a fresh machine cannot be derived: these
    # two files must name every server backend (and deployment).
    where = "tests/backends.py (SCRIPT_NAMES, PORTS, binaries_missing)"
    assert run in servers.SCRIPT_NAMES, f"{where}: add {run}"
    assert run in servers.PORTS, f"{where}: add {run}"
    script = (ROOT / "scripts" / "backends.sh").read_text()
    names = re.search(r"^ALL_NAMES=\(([^)]*)\)", script, re.MULTILINE)
    assert names is not None
    assert servers.SCRIPT_NAMES[run] in names[1].split(), f"scripts/backends.sh: start and stop {run}"
    assert f"export {url_var(run)}=" in script, f"scripts/backends.sh env: print {url_var(run)}"
