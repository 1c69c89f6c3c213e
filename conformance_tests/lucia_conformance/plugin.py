"""The pytest plugin (auto-loaded through the ``pytest11`` entry point): fixtures only.

It collects nothing and changes no test of an unrelated run; it only provides the default
``lucia_conformance_options`` and stand-ins for ``lucia_adapter`` and ``lucia_database`` that fail
with directions when your ``conftest.py`` does not define them (or is not visible to the suite).
"""

from __future__ import annotations

import pytest

from lucia_conformance.options import ConformanceOptions

_DIRECTIONS = (
    "define the {name!r} fixture in a conftest.py and run the suite from that conftest's folder:"
    " pytest --pyargs lucia_conformance --rootdir=. (without --rootdir=. a pytest configuration"
    " in a parent folder hides that conftest's fixtures from the suite)"
)


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
