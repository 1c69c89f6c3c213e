"""User enumeration through timing: the mechanism, shown by counting hashing work, not by timing.

``use_key`` with an unknown key must do the same hashing work as with a wrong password: one
validation, by the configured hasher, of the password given, against a hash made by that same
hasher with its current parameters. The measured distributions are in
``benchmarks/timing_enumeration.py`` (a benchmark, not a test: timing assertions flake).
"""

from __future__ import annotations

import re

import pytest

from lucia_core import Auth, LuciaError, lucia
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
