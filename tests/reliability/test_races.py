"""Races between concurrent calls on one database, on every backend.

Each race runs many calls at once through one pool (or client), as one busy application process
does; where a test says so, through two pools, as two processes would. The outcome is checked
through raw reads of the stored rows, not only through the adapter under test.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import pytest

from lucia_core import Argon2idHasher, Auth, LuciaError, Session, User, lucia
from lucia_core.utils import generate_lucia_password_hash
from tests.reliability.conftest import (
    PLAIN_HASHER,
    SESSION_BACKENDS,
    USER_BACKENDS,
    CountingAdapter,
    backend_params,
)
from tests.reliability.deployments import Deployment

HOUR_MS = 60 * 60 * 1000
#: A real Argon2id hasher (the cheapest OWASP allows): Lucia v2 scrypt hashes need upgrading to it.
RACE_HASHER = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
T = TypeVar("T")


def now_ms() -> int:
    return int(time.time() * 1000)


def to_ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def expirations(session: Session) -> tuple[int, int]:
    return to_ms(session.active_period_expires_at), to_ms(session.idle_period_expires_at)


def make_auth(adapter: Any) -> Auth:
    return lucia(adapter=adapter, password_hash=PLAIN_HASHER)


async def after_turns(turns: int, call: Awaitable[T]) -> T:
    """Await ``call`` after letting the event loop run ``turns`` times."""
    for _ in range(turns):
        await asyncio.sleep(0)
    return await call


async def idle_session(auth: Auth) -> Session:
    """A new user's session, made idle (its active period over, its idle period not) in storage."""
    user = await auth.create_user(key=None, attributes={})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    now = now_ms()
    await auth.adapter.update_session(
        session.session_id, {"active_expires": now - 60_000, "idle_expires": now + HOUR_MS}
    )
    return session


@pytest.mark.parametrize("deployment", backend_params(USER_BACKENDS), indirect=True)
async def test_concurrent_create_user_with_one_key_creates_exactly_one_user(deployment: Deployment) -> None:
    async with deployment.open_adapter() as adapter:
        counting = CountingAdapter(adapter)
        auth = make_auth(counting)
        key = {"provider_id": "username", "provider_user_id": "alice", "password": "correct horse"}
        user_ids = [f"racer{number:03}" for number in range(100)]
        results = await asyncio.gather(
            *(auth.create_user(key=key, attributes={}, user_id=user_id) for user_id in user_ids),
            return_exceptions=True,
        )
        used = await auth.use_key("username", "alice", "correct horse")

    winners = [result for result in results if isinstance(result, User)]
    duplicates = [
        result
        for result in results
        if isinstance(result, LuciaError) and result.code == "AUTH_DUPLICATE_KEY_ID"
    ]
    others = [result for result in results if result not in winners and result not in duplicates]
    assert others == []
    assert (len(winners), len(duplicates)) == (1, 99)
    assert counting.peak["set_user"] > 1, "the calls did not overlap: no race was run"
    winner = winners[0].user_id
    # Exactly the winner's rows: no user of a losing call, no user without its key.
    assert await deployment.raw.user_ids() == {winner}
    assert await deployment.raw.keys() == {"username:alice": winner}
    assert used.user_id == winner


@pytest.mark.parametrize("deployment", backend_params(SESSION_BACKENDS), indirect=True)
async def test_concurrent_validations_of_an_idle_session_renew_it_once(deployment: Deployment) -> None:
    async with deployment.open_adapter() as adapter:
        session = await idle_session(make_auth(adapter))
        counting = CountingAdapter(adapter)
        auth = make_auth(counting)
        results = await asyncio.gather(
            *(auth.validate_session(session.session_id) for _ in range(50)), return_exceptions=True
        )

    assert [result for result in results if not isinstance(result, Session)] == []
    sessions = [result for result in results if isinstance(result, Session)]
    assert counting.calls["update_session"] == 1
    stored = await deployment.raw.session(session.session_id)
    assert stored is not None
    renewed = (stored["active_expires"], stored["idle_expires"])
    assert renewed[0] > now_ms()  # active again
    # Whether a call joined the renewal (fresh) or read the renewed row (not fresh), it returns
    # what is stored.
    assert {expirations(result) for result in sessions} == {renewed}
    assert any(result.fresh for result in sessions)
    assert {result.state for result in sessions} == {"active"}


class LateSecondRead:
    """Passes calls to a real adapter, but answers the second session read only once the first
    renewal is written: the read itself runs at once, so its row is the idle one."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.reads = 0
        self.updates = 0
        self.renewed = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name in ("get_session", "get_session_and_user"):

            async def read(*args: Any) -> Any:
                self.reads += 1
                number = self.reads
                result = await target(*args)
                if number == 2:
                    await self.renewed.wait()
                return result

            return read
        if name == "update_session":

            async def update(*args: Any) -> Any:
                self.updates += 1
                await target(*args)
                self.renewed.set()

            return update
        return target


@pytest.mark.parametrize("deployment", backend_params(["sqlite"]), indirect=True)
async def test_a_validation_whose_read_is_answered_after_the_renewal_does_not_renew_again(
    deployment: Deployment,
) -> None:
    """The race behind the renewal tests above, made certain: two validations read the idle row;
    the first renews it; the second's answer arrives after that write. One write in all."""
    async with deployment.open_adapter() as adapter:
        session = await idle_session(make_auth(adapter))
        late = LateSecondRead(adapter)
        auth = make_auth(late)
        first, second = await asyncio.gather(
            auth.validate_session(session.session_id), auth.validate_session(session.session_id)
        )
    assert late.reads == 2
    assert late.updates == 1
    stored = await deployment.raw.session(session.session_id)
    assert stored is not None
    assert expirations(first) == expirations(second) == (stored["active_expires"], stored["idle_expires"])


@pytest.mark.parametrize("deployment", backend_params(SESSION_BACKENDS), indirect=True)
async def test_the_first_calls_of_a_new_process_may_come_all_at_once(deployment: Deployment) -> None:
    """A process that starts under load: its very first adapter calls are concurrent (five new
    processes, each starting with 25 validations at once)."""
    async with deployment.open_adapter() as adapter:
        auth = make_auth(adapter)
        user = await auth.create_user(key=None, attributes={})
        session = await auth.create_session(user_id=user.user_id, attributes={})
    for _ in range(5):
        async with deployment.open_adapter() as adapter:
            auth = make_auth(adapter)
            results = await asyncio.gather(
                *(auth.validate_session(session.session_id) for _ in range(25)), return_exceptions=True
            )
        assert [result for result in results if not isinstance(result, Session)] == []


@pytest.mark.parametrize("deployment", backend_params(SESSION_BACKENDS), indirect=True)
async def test_concurrent_validations_in_two_processes_each_renew_at_most_once(
    deployment: Deployment,
) -> None:
    """Two Auth objects over two pools (two processes): renewals are coalesced per process only,
    so both may write; every validation succeeds and what is stored is one process's renewal."""
    async with deployment.open_adapter() as first, deployment.open_adapter() as second:
        session = await idle_session(make_auth(first))
        counting = [CountingAdapter(first), CountingAdapter(second)]
        auths = [make_auth(adapter) for adapter in counting]
        results = await asyncio.gather(
            *(auths[number % 2].validate_session(session.session_id) for number in range(50)),
            return_exceptions=True,
        )

    assert [result for result in results if not isinstance(result, Session)] == []
    sessions = [result for result in results if isinstance(result, Session)]
    writes = [adapter.calls["update_session"] for adapter in counting]
    assert max(writes) == 1  # each process wrote its renewal at most once; one at least did
    stored = await deployment.raw.session(session.session_id)
    assert stored is not None
    renewed = (stored["active_expires"], stored["idle_expires"])
    assert renewed[0] > now_ms()
    returned = {expirations(result) for result in sessions}
    assert renewed in returned
    assert len(returned) <= 2
    print(f"\n{deployment.name}: renewals written per process {writes}, {len(returned)} distinct expirations")


async def accepted_ids(auth: Auth, session_ids: set[str]) -> set[str]:
    """The ids validate_session accepts; any other outcome than AUTH_INVALID_SESSION_ID raises."""
    accepted = set()
    for session_id in session_ids:
        try:
            await auth.validate_session(session_id)
        except LuciaError as error:
            if error.code != "AUTH_INVALID_SESSION_ID":
                raise
        else:
            accepted.add(session_id)
    return accepted


@pytest.mark.parametrize("deployment", backend_params(SESSION_BACKENDS), indirect=True)
async def test_invalidate_all_racing_create_session_leaves_no_hidden_live_session(
    deployment: Deployment,
) -> None:
    """For every session created, validate_session accepts it exactly when get_all_user_sessions
    lists it, however creations, listings and invalidate_all_user_sessions interleave: checked
    after each of 50 rounds (five creations, one invalidation, one listing at once) and at the end."""
    created: set[str] = set()
    survivors: Counter[int] = Counter()  # rounds by how many of their five sessions survived
    async with deployment.open_adapter() as adapter:
        counting = CountingAdapter(adapter)
        auth = make_auth(counting)
        user = await auth.create_user(key=None, attributes={})
        for round_number in range(50):
            # The calls start a few event-loop turns apart, differently each round, so that the
            # invalidation and the listing meet the creations at every stage.
            results = await asyncio.gather(
                *(
                    after_turns(
                        number * (round_number % 4), auth.create_session(user_id=user.user_id, attributes={})
                    )
                    for number in range(5)
                ),
                after_turns(round_number % 10, auth.invalidate_all_user_sessions(user.user_id)),
                after_turns(round_number * 3 % 10, auth.get_all_user_sessions(user.user_id)),
                return_exceptions=True,
            )
            assert [result for result in results if isinstance(result, BaseException)] == []
            this_round = {result.session_id for result in results if isinstance(result, Session)}
            created |= this_round
            listed = {session.session_id for session in await auth.get_all_user_sessions(user.user_id)}
            assert listed <= created
            accepted = await accepted_ids(auth, this_round)
            assert accepted == listed & this_round
            survivors[len(accepted)] += 1
        listed = {session.session_id for session in await auth.get_all_user_sessions(user.user_id)}
        accepted = await accepted_ids(auth, created)

    assert len(created) == 250
    assert counting.peak["set_session"] > 1
    assert accepted == listed
    stored = await deployment.raw.sessions(created - accepted)
    assert stored == dict.fromkeys(created - accepted)  # gone from storage too, not only hidden
    print(f"\n{deployment.name}: rounds by sessions of theirs surviving {dict(sorted(survivors.items()))}")


class ChangeDuringSignIn:
    """Passes calls to a real adapter; the first ``get_key`` returns its row only after
    ``change`` has run to the end, so the sign-in goes on with the hash it read before the change."""

    def __init__(self, inner: Any, change: Callable[[], Awaitable[object]]) -> None:
        self.inner = inner
        self.change: Callable[[], Awaitable[object]] | None = change

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def get_key(self, key_id: str) -> Any:
        row = await self.inner.get_key(key_id)
        change, self.change = self.change, None
        if change is not None:
            await change()
        return row


@pytest.mark.parametrize("deployment", backend_params(USER_BACKENDS), indirect=True)
async def test_a_password_change_during_a_sign_in_that_upgrades_the_old_hash_stands(
    deployment: Deployment,
) -> None:
    # A Lucia v2 scrypt hash of OLD: a successful use_key upgrades it to the current default.
    old_hash = await generate_lucia_password_hash("OLD")
    async with deployment.open_adapter() as adapter:
        auth = lucia(adapter=adapter, password_hash=RACE_HASHER)
        user = await auth.create_user(key=None, attributes={})
        await adapter.set_key({"id": "username:ada", "user_id": user.user_id, "hashed_password": old_hash})

        async def change_password() -> None:
            await auth.update_key_password("username", "ada", "NEW")

        signing_in = lucia(adapter=ChangeDuringSignIn(adapter, change_password), password_hash=RACE_HASHER)
        key = await signing_in.use_key("username", "ada", "OLD")  # it read the old hash: it succeeds
        assert key.user_id == user.user_id

        stored = (await deployment.raw.key_passwords())["username:ada"]
        assert stored is not None
        assert stored != old_hash
        assert await RACE_HASHER.validate("NEW", stored), "the upgrade overwrote the changed password"
        assert (await auth.use_key("username", "ada", "NEW")).user_id == user.user_id
        with pytest.raises(LuciaError, match=r"^AUTH_INVALID_PASSWORD"):
            await auth.use_key("username", "ada", "OLD")


@pytest.mark.parametrize("deployment", backend_params(USER_BACKENDS), indirect=True)
async def test_concurrent_password_changes_and_sign_ins_never_bring_the_old_password_back(
    deployment: Deployment,
) -> None:
    async with deployment.open_adapter() as adapter:
        auth = lucia(adapter=adapter, password_hash=RACE_HASHER)
        user = await auth.create_user(key=None, attributes={})
        racers = range(4)
        for number in racers:
            old_hash = await generate_lucia_password_hash("OLD")
            key_id = f"username:racer{number}"
            await adapter.set_key({"id": key_id, "user_id": user.user_id, "hashed_password": old_hash})
        await asyncio.gather(
            *(auth.update_key_password("username", f"racer{number}", "NEW") for number in racers),
            *(after_turns(number, auth.use_key("username", f"racer{number}", "OLD")) for number in racers),
            return_exceptions=True,
        )
        stored = await deployment.raw.key_passwords()
        for number in racers:
            hashed = stored[f"username:racer{number}"]
            assert hashed is not None
            assert await RACE_HASHER.validate("NEW", hashed), f"racer{number}: NEW was undone"
            assert not await RACE_HASHER.validate("OLD", hashed), f"racer{number}: OLD came back"


class WithoutReplace:
    """An adapter written before ``replace_key_password`` existed: every other method passes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "replace_key_password":
            raise AttributeError(name)
        return getattr(self.inner, name)


@pytest.mark.parametrize("deployment", backend_params(["sqlite"]), indirect=True)
async def test_an_adapter_without_compare_and_set_keeps_the_old_hash_instead_of_risking_the_race(
    deployment: Deployment,
) -> None:
    old_hash = await generate_lucia_password_hash("OLD")
    async with deployment.open_adapter() as adapter:
        auth = lucia(adapter=WithoutReplace(adapter), password_hash=RACE_HASHER)
        user = await auth.create_user(key=None, attributes={})
        await adapter.set_key({"id": "username:ada", "user_id": user.user_id, "hashed_password": old_hash})
        assert (await auth.use_key("username", "ada", "OLD")).user_id == user.user_id
    assert (await deployment.raw.key_passwords())["username:ada"] == old_hash
