"""The pytest plugin (auto-loaded through the ``pytest11`` entry point): fixtures, and two
collection-time services for runs of the suite itself.

It collects nothing and changes no test of an unrelated run. It provides the default
``lucia_conformance_options`` and stand-ins for ``lucia_adapter`` and ``lucia_database`` that fail
with directions when your ``conftest.py`` does not define them (or is not visible to the suite).
In a run that collects the suite, it deselects the half your options say the adapter does not
have, and gives pytest-asyncio's fixture loop scope its default ("function") when your
configuration leaves it unset, so that the run prints no deprecation warning.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from lucia_conformance.options import HALVES, ConformanceOptions

_DIRECTIONS = (
    "define the {name!r} fixture in a conftest.py and run the suite from that conftest's folder:"
    " pytest --pyargs lucia_conformance --rootdir=. (without --rootdir=. a pytest configuration"
    " in a parent folder hides that conftest's fixtures from the suite)"
)
_SUITE = "lucia_conformance"
_LOOP_SCOPE = "asyncio_default_fixture_loop_scope"
#: The suite's modules by the half they test; the readers need both.
_MODULES = {
    "test_user_adapter.py": {"user"},
    "test_replace_key_password.py": {"user"},
    "test_session_adapter.py": {"session"},
    "test_session_and_user_reader.py": {"user", "session"},
    "test_token_adapter.py": {"token"},
    "test_user_and_sessions_reader.py": {"user", "session"},
}


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if any(_SUITE in str(argument) for argument in config.invocation_params.args):
        try:
            unset = not config.getini(_LOOP_SCOPE)
        except ValueError:  # pytest-asyncio is not installed
            return
        if unset:  # read by pytest-asyncio's own pytest_configure, which runs after this one
            config._inicache[_LOOP_SCOPE] = "function"


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[Any]) -> None:
    suite = [item for item in items if _module_halves(item) is not None]
    if not suite:
        return
    options = _declared_options(session, suite[0])
    if options is None or options.halves == HALVES:
        return
    kept: list[Any] = []
    deselected: list[Any] = []
    for item in items:
        needs = _module_halves(item)
        (deselected if needs is not None and not needs <= options.halves else kept).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _module_halves(item: Any) -> set[str] | None:
    path = getattr(item, "path", None)
    if path is None or path.parent.name != _SUITE:
        return None
    return _MODULES.get(path.name)


def _declared_options(session: pytest.Session, item: Any) -> ConformanceOptions | None:
    """The options your ``lucia_conformance_options`` fixture returns, when it can be called at
    collection time (a plain function without arguments)."""
    try:
        definitions = session._fixturemanager.getfixturedefs("lucia_conformance_options", item)
        function = definitions[-1].func if definitions else None
        if (
            function is None
            or inspect.iscoroutinefunction(function)
            or inspect.signature(function).parameters
        ):
            return None
        options = getattr(function, "__wrapped__", function)()
    except Exception:  # any surprise: the other half is skipped at run time instead
        return None
    return options if isinstance(options, ConformanceOptions) else None


@pytest.fixture
def lucia_conformance_options() -> ConformanceOptions:
    """The default options; override this fixture in your conftest.py to change them."""
    return ConformanceOptions()


@pytest.fixture
def lucia_adapter() -> object:
    """Stand-in: override it with the adapter under test, on empty tables."""
    pytest.fail("lucia_conformance: " + _DIRECTIONS.format(name="lucia_adapter"), pytrace=False)


@pytest.fixture
def lucia_database() -> object:
    """Stand-in: override it with a lucia_conformance.RawDatabase over the adapter's tables."""
    pytest.fail("lucia_conformance: " + _DIRECTIONS.format(name="lucia_database"), pytrace=False)


@pytest.fixture
def lucia_throttle_store() -> object:
    """Stand-in: override it with the throttle store under test (``lucia_throttle_conformance``)."""
    pytest.fail(
        "lucia_throttle_conformance: "
        + _DIRECTIONS.format(name="lucia_throttle_store").replace(
            "--pyargs lucia_conformance", "--pyargs lucia_throttle_conformance"
        ),
        pytrace=False,
    )
