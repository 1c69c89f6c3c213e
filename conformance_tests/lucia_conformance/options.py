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

    ``atomic_updates``: whether a filtered update matches and sets in one step on the backend.
    When False (FerretDB v1, which reads and then writes by id), the test that races concurrent
    ``replace_key_password`` calls is skipped: the backend cannot promise it, and a password change
    racing a sign-in's rehash is then protected only against the interleavings the server orders.

    ``halves``: what the adapter stores, ``{"user", "session", "token"}`` by default. A
    session-only adapter gives ``frozenset({"session"})`` (a user-only one ``{"user"}``; add
    ``"token"`` when it stores tokens) and the other halves, with the ``get_session_and_user``
    tests when users or sessions are missing, are deselected at collection. That needs the fixture
    to be a plain function without arguments; otherwise the other half is skipped at run time.
    """

    foreign_keys: bool = True
    atomic_updates: bool = True
    halves: frozenset[str] = field(default=HALVES)

    def __post_init__(self) -> None:
        if not self.halves or not set(self.halves) <= HALVES:
            raise ValueError(f"halves must be a non-empty subset of {sorted(HALVES)}, not {self.halves!r}")
