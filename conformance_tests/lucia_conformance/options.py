"""What the backend under test can and cannot do, as the suite needs to know it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConformanceOptions:
    """Options for a conformance run; return one from a ``lucia_conformance_options`` fixture.

    ``foreign_keys``: whether the backend can tell that a key's or a session's user does not
    exist. When True (the default) ``set_key`` and ``set_session`` with a missing user must raise
    LuciaError("AUTH_INVALID_USER_ID") and store nothing; when False those tests are skipped.
    """

    foreign_keys: bool = True
