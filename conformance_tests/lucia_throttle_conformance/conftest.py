"""The suite's fixture: the ``lucia_throttle_store`` you provide, checked to be a store."""

from __future__ import annotations

import pytest

from lucia_core.throttling import ThrottleStore


@pytest.fixture
def store(lucia_throttle_store: object) -> ThrottleStore:
    """Your store, once it is known to have every method of the protocol."""
    if not isinstance(lucia_throttle_store, ThrottleStore):
        pytest.fail(
            "the lucia_throttle_store fixture must return a lucia_core.throttling.ThrottleStore"
            " (claim, fail, reset, release, add_device, use_device),"
            f" not {type(lucia_throttle_store).__name__}"
        )
    return lucia_throttle_store
