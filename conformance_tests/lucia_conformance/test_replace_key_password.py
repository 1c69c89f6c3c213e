"""The user half, continued: UserAdapter.replace_key_password, the compare-and-set the core
upgrades password hashes with (so that a sign-in never undoes a password change)."""

from __future__ import annotations

import asyncio

import pytest

from lucia_conformance.contract import contract
from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawTable
from lucia_conformance.rows import new_id, new_key, new_user, ordered
from lucia_core.adapter import UserAdapter

pytestmark = pytest.mark.asyncio

REPLACE = (
    "Set the key's hashed_password only if it still equals expected_hashed_password, atomically;"
    " return True when replaced, False when the key is missing or its hash changed."
)
REPLACE_OTHERS = "Other keys and the key's other columns are untouched."
REPLACE_CONCURRENT = "Of concurrent calls expecting one hash, at most one replaces it."


@contract(UserAdapter.replace_key_password, REPLACE)
async def test_replace_key_password_sets_the_hash_that_still_equals_the_expected_one(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    assert await user_adapter.replace_key_password(key["id"], key["hashed_password"], "s2:new:hash") is True
    assert await raw_keys.get_all() == [{**key, "hashed_password": "s2:new:hash"}]


@contract(UserAdapter.replace_key_password, REPLACE)
async def test_replace_key_password_returns_false_and_keeps_a_hash_that_changed(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    # Near misses of the stored hash (case, a trailing space, a prefix) are other hashes too.
    stored = key["hashed_password"]
    assert stored is not None
    for expected in ("s2:changed:meanwhile", stored.upper(), f"{stored} ", stored[:-1], None):
        assert await user_adapter.replace_key_password(key["id"], expected, "s2:rehashed:old") is False
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.replace_key_password, REPLACE)
async def test_replace_key_password_compares_and_sets_a_missing_hash_too(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"], hashed=None)
    await raw_users.insert(user)
    await raw_keys.insert(key)
    assert await user_adapter.replace_key_password(key["id"], "s2:some:hash", "s2:new:hash") is False
    assert await user_adapter.replace_key_password(key["id"], None, "s2:new:hash") is True
    assert await user_adapter.replace_key_password(key["id"], "s2:new:hash", None) is True
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.replace_key_password, REPLACE)
async def test_replace_key_password_for_a_missing_key_returns_false(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    assert (
        await user_adapter.replace_key_password("username:nobody", key["hashed_password"], "s2:x:y") is False
    )
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.replace_key_password, REPLACE_OTHERS)
async def test_replace_key_password_leaves_other_keys_and_columns_untouched(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key, other = new_key(user["id"]), new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    await raw_keys.insert({**other, "hashed_password": key["hashed_password"]})  # the same hash
    assert await user_adapter.replace_key_password(key["id"], key["hashed_password"], "s2:new:hash")
    assert ordered(await raw_keys.get_all()) == ordered(
        [{**key, "hashed_password": "s2:new:hash"}, {**other, "hashed_password": key["hashed_password"]}]
    )


@contract(UserAdapter.replace_key_password, REPLACE_CONCURRENT)
async def test_replace_key_password_called_concurrently_with_one_expected_hash_replaces_it_once(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable, options: ConformanceOptions
) -> None:
    if not options.atomic_updates:
        pytest.skip("ConformanceOptions.atomic_updates is False: the backend cannot promise it")
    user = new_user()
    key = new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    hashes = [f"s2:racer{number}:{new_id(20)}" for number in range(20)]
    results = await asyncio.gather(
        *(user_adapter.replace_key_password(key["id"], key["hashed_password"], new) for new in hashes)
    )
    winners = [new for new, replaced in zip(hashes, results, strict=True) if replaced]
    assert len(winners) == 1, f"{len(winners)} of 20 concurrent calls replaced the same hash"
    assert await raw_keys.get_all() == [{**key, "hashed_password": winners[0]}]
