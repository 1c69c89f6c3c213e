"""The throttle-store conformance suite (``lucia_throttle_conformance``), run here on the memory
store and on the Redis store, standalone and cluster, as a user runs it on their own store."""

from __future__ import annotations

from lucia_throttle_conformance.conftest import store
from lucia_throttle_conformance.test_throttle_store import *  # noqa: F403  (the suite's tests)

__all__ = ["store"]
