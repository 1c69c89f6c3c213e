"""What the backend under test can and cannot do, as the suite needs to know it."""

from __future__ import annotations

from dataclasses import dataclass, field

#: The halves of the suite: users and keys, sessions, and one-time tokens.
HALVES = frozenset({"user", "session", "token"})


@dataclass(frozen=True)
class ConformanceOptions:
    """Options for a conformance run; return one from a ``lucia_conformance_options`` fixture.

    ``foreign_keys``: whether the backend can tell that a key's or a session's user does not
    exist. When True (the default) ``set_key`` and ``set_session`` with a missing user must raise
    LuciaError("AUTH_INVALID_USER_ID") and store nothing; when False those tests are skipped.

    ``halves``: what the adapter stores, ``{"user", "session", "token"}`` by default. A
    session-only adapter gives ``frozenset({"session"})`` (a user-only one ``{"user"}``; add
    ``"token"`` when it stores tokens) and the other halves, with the ``get_session_and_user``
    tests when users or sessions are missing, are deselected at collection. That needs the fixture
    to be a plain function without arguments; otherwise the other half is skipped at run time.
    """

    foreign_keys: bool = True
    halves: frozenset[str] = field(default=HALVES)

    def __post_init__(self) -> None:
        if not self.halves or not set(self.halves) <= HALVES:
            raise ValueError(f"halves must be a non-empty subset of {sorted(HALVES)}, not {self.halves!r}")
