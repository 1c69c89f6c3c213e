"""How long and how often each scenario measures: the quick (CI) and full (committed) profiles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """The parameters of one benchmark run.

    A *round* is one timed stretch of one variant (the library, or the floor); a comparison runs
    ``reps`` rounds of each variant, alternating them, after one warm-up round each.
    """

    name: str
    #: Rounds per variant in every comparison (the spread is taken over these).
    reps: int
    #: Length of a round of the active-path scenario (seconds).
    round_seconds: float
    #: Length of a warm-up round (seconds); warm-up rounds are not reported.
    warmup_seconds: float
    #: Concurrency levels of the active-path scenario.
    concurrencies: tuple[int, ...]
    #: Length of a round of the operations scenario (seconds; a round also ends when its
    #: pre-made rows run out).
    operation_seconds: float
    #: Pre-made rows (idle sessions, sessions to invalidate) per round of the operations scenario.
    supply_per_round: int
    #: Session counts per user for get_all_user_sessions.
    sessions_per_user: tuple[int, ...]
    #: Stored-session counts of the scale scenario, for SQLite and PostgreSQL.
    scale_sizes_large: tuple[int, ...]
    #: Stored-session counts of the scale scenario, for the other backends.
    scale_sizes_small: tuple[int, ...]
    #: Length of a round of the scale scenario (seconds).
    scale_seconds: float
    #: Length of each phase (with and without logins) of the login-load scenario (seconds).
    login_phase_seconds: float
    #: Concurrent ``use_key`` calls during the login phase.
    logins: int
    #: Run the login scenario on every backend (else only on PostgreSQL, or the first selected):
    #: it measures the event loop, which hardly depends on the backend.
    login_on_every_backend: bool
    #: Passwords hashed to time the default hasher.
    hash_samples: int
    #: Length of a round of the peers scenario (seconds).
    peer_seconds: float
    #: Sessions (tokens) each implementation validates in the peers scenario.
    peer_sessions: int
    #: Calls per side and pass in the profile scenario (a quarter of them for
    #: get_all_user_sessions), capped at what the backend does in ``profile_seconds``.
    profile_calls: int
    profile_seconds: float


QUICK = Settings(
    name="quick",
    reps=3,
    round_seconds=0.15,
    warmup_seconds=0.1,
    concurrencies=(1, 16, 64),
    operation_seconds=0.1,
    supply_per_round=600,
    sessions_per_user=(1, 10, 100),
    scale_sizes_large=(1_000, 10_000),
    scale_sizes_small=(1_000, 10_000),
    scale_seconds=0.15,
    login_phase_seconds=0.3,
    logins=8,
    login_on_every_backend=False,
    hash_samples=2,
    peer_seconds=0.5,
    peer_sessions=200,
    profile_calls=1_600,
    profile_seconds=0.5,
)

FULL = Settings(
    name="full",
    reps=7,
    round_seconds=1.0,
    warmup_seconds=0.5,
    concurrencies=(1, 16, 64),
    operation_seconds=0.5,
    supply_per_round=4_000,
    sessions_per_user=(1, 10, 100),
    scale_sizes_large=(1_000, 10_000, 100_000, 1_000_000),
    scale_sizes_small=(1_000, 10_000, 100_000),
    scale_seconds=1.0,
    login_phase_seconds=2.0,
    logins=8,
    login_on_every_backend=True,
    hash_samples=10,
    peer_seconds=2.0,
    peer_sessions=1_000,
    profile_calls=8_000,
    profile_seconds=2.0,
)

PROFILES = {"quick": QUICK, "full": FULL}
