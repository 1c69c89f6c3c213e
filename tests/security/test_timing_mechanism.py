"""User enumeration through timing: the mechanism, shown by counting hashing work, not by timing.

``use_key`` with an unknown key must do the same hashing work as with a wrong password: one
validation, by the configured hasher, of the password given, against a hash made by that same
hasher with its current parameters. The measured distributions are in
``benchmarks/timing_enumeration.py`` (a benchmark, not a test: timing assertions flake).
"""

from __future__ import annotations

import asyncio
import re

import pytest

from lucia_core import Argon2idHasher, Auth, LuciaError, lucia
from lucia_core.password import normalize_password

from .conftest import CountingHasher

ARGON2_PARAMETERS = re.compile(r"^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$")


@pytest.fixture
def counted_auth(auth: Auth, counting_hasher: CountingHasher) -> Auth:
    """The test database's Auth with the counting hasher."""
    return lucia(adapter=auth.adapter, password_hash=counting_hasher)


async def failed_attempt(auth: Auth, provider_user_id: str, password: str | None) -> str:
    """use_key for a username key; the LuciaError code it raises (it must raise)."""
    with pytest.raises(LuciaError) as info:
        await auth.use_key("username", provider_user_id, password)
    return info.value.code


def parameters(hash: str) -> str:
    match = ARGON2_PARAMETERS.match(hash)
    assert match, hash
    return match.group(0)


async def test_unknown_key_costs_exactly_one_validation_like_a_wrong_password(
    counted_auth: Auth, counting_hasher: CountingHasher
) -> None:
    """Unknown key and wrong password: each exactly one validate call and no generate call (after
    the dummy hash, made once), of the password the client sent, normalized, against an Argon2id
    hash with the same parameters as the stored one."""
    await counted_auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"}, attributes={}
    )
    row = await counted_auth.adapter.get_key("username:ada")
    assert row is not None
    stored = row["hashed_password"]
    assert stored is not None
    await failed_attempt(counted_auth, "nobody", "warm up")  # makes the dummy hash, once
    assert len(counting_hasher.generated) == 2

    for provider_user_id, code in (("nobody", "AUTH_INVALID_KEY_ID"), ("ada", "AUTH_INVALID_PASSWORD")):
        counting_hasher.reset()
        assert await failed_attempt(counted_auth, provider_user_id, "ﬁsh guess") == code
        assert counting_hasher.generated == []
        assert len(counting_hasher.validated) == 1
        password, hash = counting_hasher.validated[0]
        assert password == normalize_password("ﬁsh guess") == "fish guess"
        assert parameters(hash) == parameters(stored)


async def test_the_dummy_hash_is_made_once_per_auth(
    counted_auth: Auth, counting_hasher: CountingHasher
) -> None:
    """Many unknown-key attempts: one generate in all (not one per attempt, which would make an
    unknown key slower than a wrong password), one validate each."""
    for attempt in range(5):
        assert await failed_attempt(counted_auth, f"nobody-{attempt}", "guess") == "AUTH_INVALID_KEY_ID"
    assert len(counting_hasher.generated) == 1
    assert len(counting_hasher.validated) == 5


@pytest.mark.parametrize(
    "scenario",
    ["unknown key", "wrong password", "key without a password"],
)
async def test_every_failed_sign_in_with_a_password_costs_one_validation(
    counted_auth: Auth, counting_hasher: CountingHasher, scenario: str
) -> None:
    """Whatever makes a sign-in with a password fail (no such key, a wrong password, a key that has
    no password), the hasher validates exactly once, so the three take the same time and the
    response time does not tell which keys exist."""
    await counted_auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"}, attributes={}
    )
    await counted_auth.create_user(
        key={"provider_id": "username", "provider_user_id": "oauth-only", "password": None}, attributes={}
    )
    await failed_attempt(counted_auth, "nobody", "warm up")
    counting_hasher.reset()
    provider_user_id = {
        "unknown key": "nobody",
        "wrong password": "ada",
        "key without a password": "oauth-only",
    }
    await failed_attempt(counted_auth, provider_user_id[scenario], "guess")
    assert len(counting_hasher.validated) == 1, scenario


@pytest.mark.parametrize("provider_user_id", ["nobody", "ada"], ids=["unknown key", "known key"])
async def test_a_sign_in_without_a_password_costs_no_hashing_either_way(
    counted_auth: Auth, counting_hasher: CountingHasher, provider_user_id: str
) -> None:
    """No password given: no hashing at all, whether the key exists or not (equal work)."""
    await counted_auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"}, attributes={}
    )
    counting_hasher.reset()
    await failed_attempt(counted_auth, provider_user_id, None)
    assert (counting_hasher.generated, counting_hasher.validated) == ([], [])


async def test_the_dummy_validation_runs_the_configured_hasher(auth: Auth) -> None:
    """A custom hasher (a dict of sync functions) is the one that spends the validation."""
    calls: list[str] = []

    def generate(password: str) -> str:
        calls.append("generate")
        return f"custom:{password}"

    def validate(password: str, hash: str) -> bool:
        calls.append("validate")
        return hash == f"custom:{password}"

    custom = lucia(adapter=auth.adapter, password_hash={"generate": generate, "validate": validate})
    assert await failed_attempt(custom, "nobody", "guess") == "AUTH_INVALID_KEY_ID"
    assert calls == ["generate", "validate"]


async def test_concurrent_unknown_keys_on_a_fresh_auth_share_one_dummy_hash(
    counted_auth: Auth, counting_hasher: CountingHasher
) -> None:
    """Just after start, many sign-ins with unknown keys at once: the dummy hash is generated once
    for all of them (not once per caller, which would make an unknown key cost a hash more than a
    wrong password), and each does exactly one validation against that same hash."""
    callers = 8
    codes = await asyncio.gather(
        *(failed_attempt(counted_auth, f"nobody-{number}", "guess") for number in range(callers))
    )
    assert codes == ["AUTH_INVALID_KEY_ID"] * callers
    assert len(counting_hasher.generated) == 1
    assert len(counting_hasher.validated) == callers
    assert len({hash for _, hash in counting_hasher.validated}) == 1


class GenerateCountingArgon2id(Argon2idHasher):
    """The real default hasher (fast OWASP-minimum parameters), counting the hashes it makes."""

    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=19456, parallelism=1)
        self.generated = 0
        self.validated = 0

    def generate_sync(self, password: str) -> str:
        self.generated += 1
        return super().generate_sync(password)

    def validate_sync(self, password: str, hash: str) -> bool:
        self.validated += 1
        return super().validate_sync(password, hash)


async def test_the_default_hasher_needs_no_hash_for_its_dummy(auth: Auth) -> None:
    """With Argon2id, even the first unknown-key sign-ins cost exactly one validation each and no
    hashing at all: the dummy hash is made from the parameters and random bytes, and no password
    matches it."""
    hasher = GenerateCountingArgon2id()
    counted = lucia(adapter=auth.adapter, password_hash=hasher)
    codes = await asyncio.gather(*(failed_attempt(counted, f"nobody-{n}", "guess") for n in range(4)))
    assert codes == ["AUTH_INVALID_KEY_ID"] * 4
    assert (hasher.generated, hasher.validated) == (0, 4)
    dummy = hasher.dummy_hash()
    assert parameters(dummy) == parameters(hasher.generate_sync("x"))
    assert not hasher.validate_sync("", dummy)
    hasher.close()


async def test_a_failed_dummy_generation_is_retried(auth: Auth) -> None:
    """A dummy hash whose generation failed is not remembered: the next unknown key tries again."""
    attempts: list[str] = []

    async def generate(password: str) -> str:
        attempts.append(password)
        if len(attempts) == 1:
            raise OSError("hasher unavailable")
        return f"custom:{password}"

    async def validate(password: str, hash: str) -> bool:
        return hash == f"custom:{password}"

    custom = lucia(adapter=auth.adapter, password_hash={"generate": generate, "validate": validate})
    with pytest.raises(OSError, match="hasher unavailable"):
        await custom.use_key("username", "nobody", "guess")
    assert await failed_attempt(custom, "nobody", "guess") == "AUTH_INVALID_KEY_ID"
    assert await failed_attempt(custom, "nobody", "guess") == "AUTH_INVALID_KEY_ID"
    assert len(attempts) == 2
