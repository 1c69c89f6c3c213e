"""A database server stops and starts again under a stream of requests (``nox -s faults``).

For PostgreSQL, MariaDB, Redis and FerretDB (MongoDB), each on a private server of the test's own:
one :class:`~lucia_core.Auth` over one pool (or client) serves validations (``validate_session``,
and ``AuthRequest.validate`` through the default middleware with a session cookie) and writes
(``create_user`` with a key; for Redis, which holds sessions only, ``create_session``) from a few
concurrent workers, all the time. Meanwhile the server is stopped with ``scripts/backends.sh stop``,
left down for :data:`OUTAGE_SECONDS`, and started again, :data:`CYCLES` times. Then:

- while the server is down every validation fails closed: it raises the driver's exception, never
  returns a session, and ``AuthRequest.validate`` neither returns None nor clears the cookie;
- once it is back, the same Auth object (same pool) serves requests again, within
  :data:`RECOVERY_SECONDS`, without being rebuilt;
- no write is half-applied: a ``create_user`` that raised left nothing, one that returned left
  the user and its key (raw reads); likewise for Redis sessions.

Redis keeps no data across a restart: afterwards the old session is cleanly invalid
(AUTH_INVALID_SESSION_ID, the cookie cleared), and a new one works.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lucia_core import Auth, Cookie, LuciaError, Session, User, lucia
from tests.reliability.conftest import PLAIN_HASHER
from tests.reliability.deployments import Deployment, open_deployment
from tests.reliability.faults.servers import PrivateServer, private_server

pytestmark = pytest.mark.faults

#: Stop/start cycles per backend.
CYCLES = 2
#: Seconds the server stays down while requests keep coming.
OUTAGE_SECONDS = 2.0
#: Bound on the wait, after a restart, until every kind of request succeeds again.
RECOVERY_SECONDS = 30.0
#: Bound on any one request (a request that hangs is a finding too).
REQUEST_SECONDS = 20.0
#: Pause of each worker between its requests, so that fast failures do not spin the CPU.
PAUSE_SECONDS = 0.02
#: Workers per kind of request.
WORKERS = 2

VALIDATIONS = ("validate_session", "request")
KINDS = (*VALIDATIONS, "write")


@dataclass
class Outcome:
    """One request: what it did, when, and what came of it."""

    kind: str
    subject: str  # the session id validated, or the user (session) id written
    started: float
    ended: float
    result: object  # a Session, None, a User, or the exception raised
    cookies: list[Cookie] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return isinstance(self.result, BaseException)

    @property
    def succeeded(self) -> bool:
        return isinstance(self.result, (Session, User))


@dataclass
class Cycle:
    """The times of one stop/start cycle (``time.monotonic``)."""

    stopping: float
    down: float
    starting: float
    up: float
    recovered: dict[str, float] = field(default_factory=dict)

    def during_outage(self, outcome: Outcome) -> bool:
        """Sent after the server was down and answered before it was started again."""
        return outcome.started >= self.down and outcome.ended <= self.starting


class Load:
    """Requests from a few workers per kind, without end, each one's :class:`Outcome` recorded."""

    def __init__(self, auth: Auth, session_id: str, write: Callable[[str], Awaitable[object]]) -> None:
        self.auth = auth
        self.session_id = session_id
        self.user_id = ""
        self.write = write
        self.outcomes: list[Outcome] = []
        self._writes = 0
        self._stopping = False

    async def _validate_session(self) -> Outcome:
        session_id = self.session_id
        started = time.monotonic()
        try:
            result: object = await asyncio.wait_for(self.auth.validate_session(session_id), REQUEST_SECONDS)
        except Exception as error:
            result = error
        return Outcome("validate_session", session_id, started, time.monotonic(), result)

    async def _request(self) -> Outcome:
        session_id = self.session_id
        cookies: list[Cookie] = []
        request = self.auth.handle_request(
            {
                "method": "GET",
                "url": "http://localhost/",
                "headers": {"cookie": f"auth_session={session_id}"},
                "set_cookie": cookies.append,
            }
        )
        started = time.monotonic()
        try:
            result: object = await asyncio.wait_for(request.validate(), REQUEST_SECONDS)
        except Exception as error:
            result = error
        return Outcome("request", session_id, started, time.monotonic(), result, cookies)

    async def _write(self) -> Outcome:
        self._writes += 1
        subject = f"w{self._writes:05d}"
        started = time.monotonic()
        try:
            result = await asyncio.wait_for(self.write(subject), REQUEST_SECONDS)
        except Exception as error:
            result = error
        return Outcome("write", subject, started, time.monotonic(), result)

    async def _worker(self, request: Callable[[], Awaitable[Outcome]]) -> None:
        while not self._stopping:
            self.outcomes.append(await request())
            await asyncio.sleep(PAUSE_SECONDS)

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        """Run the workers until the block ends; each finishes the request it is making."""
        requests = {
            "validate_session": self._validate_session,
            "request": self._request,
            "write": self._write,
        }
        tasks = [
            asyncio.ensure_future(self._worker(requests[kind])) for kind in KINDS for _ in range(WORKERS)
        ]
        try:
            yield self
        finally:
            self._stopping = True
            await asyncio.gather(*tasks)

    def of(self, kind: str) -> Iterator[Outcome]:
        return (outcome for outcome in self.outcomes if outcome.kind == kind)

    async def until_each_kind_succeeds(self, since: float, timeout: float) -> dict[str, float]:
        """Wait until a request of every kind sent after ``since`` succeeded; when each first did."""
        deadline = time.monotonic() + timeout
        while True:
            first = {}
            for kind in KINDS:
                ends = [o.ended for o in self.of(kind) if o.started >= since and self._good(o)]
                if ends:
                    first[kind] = min(ends)
            if len(first) == len(KINDS):
                return first
            if time.monotonic() > deadline:
                recent = Counter(_describe(o.result) for o in self.outcomes if o.started >= since)
                raise AssertionError(f"not recovered {timeout}s after the restart: {dict(recent)}")
            await asyncio.sleep(0.05)

    def _good(self, outcome: Outcome) -> bool:
        """Succeeded, and (a validation) for the session the load is using now."""
        return outcome.succeeded and (outcome.kind == "write" or outcome.subject == self.session_id)


def _describe(result: object) -> str:
    if isinstance(result, LuciaError):
        return f"LuciaError({result.code})"
    if isinstance(result, BaseException):
        return f"{type(result).__module__}.{type(result).__qualname__}"
    return type(result).__name__


@asynccontextmanager
async def deployment_on(backend: str, url: str, tmp_path: Path) -> AsyncIterator[Deployment]:
    """The backend's deployment on the private server at ``url`` (Redis: users in SQLite)."""
    async with AsyncExitStack() as stack:
        if backend == "mongodb":
            # pymongo waits up to serverSelectionTimeoutMS (default 30 s) for a server to come
            # back before it fails a call: an application that wants to fail fast lowers it.
            yield await stack.enter_async_context(open_deployment(backend, url, serverSelectionTimeoutMS=500))
        elif backend == "redis":
            users = await stack.enter_async_context(open_deployment("sqlite", tmp_path))
            yield await stack.enter_async_context(open_deployment(backend, url, users=users))
        else:
            yield await stack.enter_async_context(open_deployment(backend, url))


@pytest.fixture(params=["postgres", "mysql", "redis", "mongodb"])
def server(request: pytest.FixtureRequest) -> Iterator[PrivateServer]:
    """A private server for the backend, stopped and removed afterwards."""
    started = private_server(str(request.param))
    try:
        yield started
    finally:
        started.close()


async def test_validations_fail_closed_while_the_server_is_down_and_recover_after(
    server: PrivateServer, tmp_path: Path
) -> None:
    backend = server.name
    sessions_only = backend == "redis"
    cycles: list[Cycle] = []
    async with deployment_on(backend, server.url, tmp_path) as deployment:
        async with deployment.open_adapter() as adapter:
            auth = lucia(adapter=adapter, password_hash=PLAIN_HASHER)
            user = await auth.create_user(key=None, attributes={})
            session = await auth.create_session(user_id=user.user_id, attributes={})

            async def write(subject: str) -> object:
                if sessions_only:
                    return await auth.create_session(user_id=user.user_id, attributes={}, session_id=subject)
                key = {"provider_id": "email", "provider_user_id": f"{subject}@example.com", "password": "pw"}
                return await auth.create_user(key=key, attributes={}, user_id=subject)

            load = Load(auth, session.session_id, write)
            async with load.running():
                await load.until_each_kind_succeeds(time.monotonic(), RECOVERY_SECONDS)
                for _ in range(CYCLES):
                    stopping = time.monotonic()
                    await asyncio.to_thread(server.stop)
                    down = time.monotonic()
                    await asyncio.sleep(OUTAGE_SECONDS)
                    starting = time.monotonic()
                    await asyncio.to_thread(server.start)
                    cycle = Cycle(stopping, down, starting, time.monotonic())
                    if sessions_only:  # Redis came back empty: the load moves to a new session
                        load.session_id = await _new_session(auth, user.user_id, cycle.up)
                    cycle.recovered = await load.until_each_kind_succeeds(cycle.up, RECOVERY_SECONDS)
                    cycles.append(cycle)

        report = _report(backend, load, cycles)
        print(report)
        _check_outages(load, cycles, report)
        _check_cookies(load, cycles, sessions_only=sessions_only)
        if sessions_only:
            await _check_session_writes(deployment, load, cycles)
        elif backend != "mongodb":
            # MongoDB without transactions (FerretDB here) cannot keep set_user atomic when the
            # server is lost between its two inserts: a documented limitation, shown by
            # test_interrupted_writes.py::test_mongodb_create_user_cut_before_its_key_leaves_nothing.
            await _check_user_writes(deployment, load, user.user_id)


async def _new_session(auth: Auth, user_id: str, since: float) -> str:
    """Create a session as soon as the server takes writes again (bounded wait)."""
    while True:
        try:
            return (await auth.create_session(user_id=user_id, attributes={})).session_id
        except Exception:
            if time.monotonic() - since > RECOVERY_SECONDS:
                raise
            await asyncio.sleep(0.05)


def _report(backend: str, load: Load, cycles: list[Cycle]) -> str:
    lines = [f"\n{backend}: {len(cycles)} outages, {len(load.outcomes)} requests"]
    for number, cycle in enumerate(cycles, 1):
        during = [o for o in load.outcomes if cycle.during_outage(o)]
        kinds = Counter(o.kind for o in during)
        results = Counter(f"{o.kind}: {_describe(o.result)}" for o in during)
        recovery = {kind: round(at - cycle.up, 3) for kind, at in cycle.recovered.items()}
        lines.append(
            f"  outage {number}: down {cycle.starting - cycle.down:.2f}s, {len(during)} requests"
            f" {dict(kinds)}; results {dict(results)}; first success after restart (s) {recovery};"
            f" restart took {cycle.up - cycle.starting:.2f}s"
        )
    return "\n".join(lines)


def _check_outages(load: Load, cycles: list[Cycle], report: str) -> None:
    for cycle in cycles:
        during = [o for o in load.outcomes if cycle.during_outage(o)]
        assert {o.kind for o in during} == set(KINDS), f"some kind of request never ran in an outage{report}"
        # Fail closed: the driver's exception, never a session, never "no such session".
        wrong = [o for o in during if not o.failed or isinstance(o.result, LuciaError)]
        assert wrong == [], report
        assert [o for o in during if o.cookies] == [], report


def _check_cookies(load: Load, cycles: list[Cycle], *, sessions_only: bool) -> None:
    """A session cookie is cleared only once the server lost the session (Redis, after a restart)."""
    restarts = [cycle.starting for cycle in cycles]
    for outcome in load.of("request"):
        blank = [cookie for cookie in outcome.cookies if cookie.value == ""]
        if not blank:
            continue
        assert sessions_only, f"cookie cleared: {outcome}"
        assert any(outcome.started >= restart for restart in restarts), f"cookie cleared: {outcome}"
        assert outcome.result is None


async def _check_user_writes(deployment: Deployment, load: Load, first_user: str) -> None:
    """A user and its key were both stored by each create_user that returned, neither by one
    that raised."""
    users, keys = await deployment.raw.user_ids(), await deployment.raw.keys()
    writes = {o.subject: o for o in load.of("write")}
    assert any(o.failed for o in writes.values()), "no write failed: the outage was never seen"
    wrong = []
    for subject, outcome in writes.items():
        stored = (subject in users, keys.get(f"email:{subject}@example.com") == subject)
        if stored != ((True, True) if outcome.succeeded else (False, False)):
            wrong.append(
                f"{subject}: {_describe(outcome.result)} -> user stored {stored[0]}, key stored {stored[1]}"
            )
    assert wrong == []
    assert users <= {first_user, *writes}
    assert set(keys.values()) <= users


async def _check_session_writes(deployment: Deployment, load: Load, cycles: list[Cycle]) -> None:
    last_start = cycles[-1].starting
    writes = [o for o in load.of("write") if o.started >= cycles[0].down]
    stored = await deployment.raw.sessions(o.subject for o in writes)
    failed = [o.subject for o in writes if o.failed]
    assert failed, "no write failed: the outage was never seen"
    assert [subject for subject in failed if stored[subject] is not None] == []
    kept = [o.subject for o in writes if o.succeeded and o.started >= last_start]
    assert kept
    assert [subject for subject in kept if stored[subject] is None] == []
