"""Run the lucia_conformance suite against the built-in backend (or deployment: redis-cluster)
named by ``LUCIA_CONFORMANCE_BACKEND`` (``nox -s conformance-<name>`` sets it; a name in
``lucia_core.backends.BACKENDS`` or one of their ``deployments``), on a real server. From this
folder::

    LUCIA_CONFORMANCE_BACKEND=postgres pytest --pyargs lucia_conformance --rootdir=.

The server comes from ``tests.backends`` (``LUCIA_<NAME>_URL``, e.g. ``scripts/backends.sh start
postgres`` then ``eval "$(scripts/backends.sh env)"``); without one the suite is skipped (a failure
under ``LUCIA_REQUIRE_BACKENDS``). Each test gets a store of its own from the adapter package's
``testing.throwaway_store`` (a schema, a database or key prefixes, with the columns the suite
expects), removed at the end; see :mod:`tests.conformance.fixtures`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lucia_core.backends import conformance_runs
from tests.conformance.fixtures import fixtures

_NAME = os.environ.get("LUCIA_CONFORMANCE_BACKEND", "")
_CHOICES = f"set LUCIA_CONFORMANCE_BACKEND to one of {', '.join(conformance_runs())}"
if _NAME and _NAME not in conformance_runs():
    raise pytest.UsageError(f"{_CHOICES} (got {_NAME!r})")
for _folder in {_NAME, _NAME.replace("-", "_")} if _NAME else ():
    if (Path(__file__).parent.parent / _folder / "conftest.py").is_file():
        raise pytest.UsageError(
            f"{_NAME} has a conftest of its own: run the suite from tests/conformance/{_folder}"
        )

if _NAME:
    _FIXTURES = fixtures(_NAME)
    store = _FIXTURES.store
    lucia_adapter = _FIXTURES.lucia_adapter
    lucia_database = _FIXTURES.lucia_database
    lucia_conformance_options = _FIXTURES.lucia_conformance_options
else:  # collected without a backend (``pytest`` from the repository root): say what is missing

    @pytest.fixture(name="lucia_adapter")
    def no_adapter() -> None:
        pytest.fail(_CHOICES, pytrace=False)

    @pytest.fixture(name="lucia_database")
    def no_database() -> None:
        pytest.fail(_CHOICES, pytrace=False)
