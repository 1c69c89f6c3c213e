"""The user half: UserAdapter, one test per sentence of its docstrings (users and keys)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import pytest

from lucia_conformance.contract import contract
from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawTable
from lucia_conformance.rows import NEAR_MISSES, ODD_IDS, new_key, new_user, ordered
from lucia_core.adapter import UserAdapter
from lucia_core.errors import LuciaError

pytestmark = pytest.mark.asyncio

GET_USER = "Return the user row with this id, with every attribute column, or None if there is none."
SET_USER = "Store the user and, when given, its key, atomically."
SET_USER_DUPLICATE_KEY = (
    'If the key id already exists this raises LuciaError("AUTH_DUPLICATE_KEY_ID") and no user is left behind.'
)
SET_USER_OTHER_ERROR = (
    "Any other database error (a unique user attribute, a lost connection) propagates as the"
    " driver's exception, and nothing is left behind."
)
UPDATE_USER = "Set only the named columns of the user; other columns and other users are untouched."
UPDATE_USER_MISSING = "If no such user exists this is a no-op."
DELETE_USER = "Delete the user. Other users are untouched."
DELETE_USER_MISSING = "If no such user exists this is a no-op."
GET_KEY = "Return the key row with this id, or None if there is none."
GET_KEYS = "Return every key of the user, in any order; an empty list if there are none."
SET_KEY = "Store the key."
SET_KEY_DUPLICATE = (
    'If the key id already exists this raises LuciaError("AUTH_DUPLICATE_KEY_ID") and the stored'
    " key is unchanged;"
)
SET_KEY_CONCURRENT = "of concurrent calls with one id exactly one succeeds."
SET_KEY_MISSING_USER = (
    'If the user does not exist, an adapter whose backend can tell raises LuciaError("AUTH_INVALID_USER_ID").'
)
UPDATE_KEY = "Set only the named columns of the key; other keys are untouched."
UPDATE_KEY_MISSING = "If no such key exists this is a no-op."
DELETE_KEY = "Delete the key. Other keys are untouched."
DELETE_KEY_MISSING = "If no such key exists this is a no-op."
DELETE_KEYS = "Delete every key of the user; other users' keys are untouched."
DELETE_KEYS_NONE = "No keys is a no-op."

CONCURRENT_CALLS = 20

odd_ids = pytest.mark.parametrize("odd_id", ODD_IDS.values(), ids=ODD_IDS.keys())
near_misses = pytest.mark.parametrize(("stored_id", "other_id"), NEAR_MISSES.values(), ids=NEAR_MISSES.keys())


async def exception_from(call: Awaitable[object]) -> Exception | None:
    """The exception the awaited call raised, or None."""
    try:
        await call
    except Exception as error:
        return error
    return None


# get_user


@contract(UserAdapter.get_user, GET_USER)
async def test_get_user_returns_the_user_row_with_every_attribute_column(
    user_adapter: UserAdapter, raw_users: RawTable
) -> None:
    user, other = new_user(), new_user()
    await raw_users.insert(user)
    await raw_users.insert(other)
    assert await user_adapter.get_user(user["id"]) == user


@contract(UserAdapter.get_user, GET_USER)
async def test_get_user_returns_none_if_there_is_none(user_adapter: UserAdapter, raw_users: RawTable) -> None:
    await raw_users.insert(new_user())
    assert await user_adapter.get_user("no-such-user") is None


@contract(UserAdapter.get_user, GET_USER)
@odd_ids
async def test_get_user_finds_unusual_ids(
    user_adapter: UserAdapter, raw_users: RawTable, odd_id: str
) -> None:
    user = new_user(odd_id, username=odd_id)
    await raw_users.insert(user)
    assert await user_adapter.get_user(odd_id) == user


@contract(UserAdapter.get_user, GET_USER)
@near_misses
async def test_get_user_matches_the_id_exactly(
    user_adapter: UserAdapter, raw_users: RawTable, stored_id: str, other_id: str
) -> None:
    user = new_user(stored_id)
    await raw_users.insert(user)
    assert await user_adapter.get_user(other_id) is None, f"looked up {other_id!r}"
    assert await user_adapter.get_user(stored_id) == user


# set_user


@contract(UserAdapter.set_user, SET_USER)
async def test_set_user_stores_the_user_and_its_key(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"])
    await user_adapter.set_user(user, key)
    assert await raw_users.get_all() == [user]
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.set_user, SET_USER)
async def test_set_user_stores_a_key_without_a_password(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"], hashed=None)
    await user_adapter.set_user(user, key)
    assert await raw_users.get_all() == [user]
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.set_user, SET_USER)
async def test_set_user_without_a_key_stores_only_the_user(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    await user_adapter.set_user(user, None)
    assert await raw_users.get_all() == [user]
    assert await raw_keys.get_all() == []


@contract(UserAdapter.set_user, SET_USER)
@odd_ids
async def test_set_user_stores_unusual_ids_verbatim(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable, odd_id: str
) -> None:
    user = new_user(odd_id, username=odd_id)
    key = new_key(odd_id, f"{odd_id}:{odd_id}")
    await user_adapter.set_user(user, key)
    assert await raw_users.get_all() == [user]
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.set_user, SET_USER_DUPLICATE_KEY)
async def test_set_user_with_an_existing_key_id_raises_duplicate_key_id_and_leaves_no_user(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    owner = new_user()
    key = new_key(owner["id"])
    await raw_users.insert(owner)
    await raw_keys.insert(key)
    newcomer = new_user()
    with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
        await user_adapter.set_user(newcomer, new_key(newcomer["id"], key["id"]))
    assert await raw_users.get_all() == [owner]
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.set_user, SET_USER_DUPLICATE_KEY)
async def test_set_user_called_concurrently_with_one_key_id_leaves_exactly_one_user(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    users = [new_user() for _ in range(CONCURRENT_CALLS)]
    keys = [new_key(user["id"], "username:contested") for user in users]
    results = await asyncio.gather(
        *(user_adapter.set_user(user, key) for user, key in zip(users, keys, strict=True)),
        return_exceptions=True,
    )
    winners = [index for index, result in enumerate(results) if result is None]
    assert len(winners) == 1, f"{len(winners)} of {len(users)} calls succeeded: {results}"
    losers = [result for result in results if result is not None]
    assert all(isinstance(error, LuciaError) and error.code == "AUTH_DUPLICATE_KEY_ID" for error in losers), (
        losers
    )
    assert await raw_users.get_all() == [users[winners[0]]]
    assert await raw_keys.get_all() == [keys[winners[0]]]


@contract(UserAdapter.set_user, SET_USER_OTHER_ERROR)
async def test_set_user_with_a_taken_username_propagates_the_driver_error_and_leaves_nothing(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    owner = new_user(username="taken-name")
    await raw_users.insert(owner)
    newcomer = new_user(username="taken-name")
    error = await exception_from(user_adapter.set_user(newcomer, new_key(newcomer["id"])))
    assert error is not None, "storing a second user with a unique username raised nothing"
    assert not isinstance(error, LuciaError), f"expected the driver's own exception: {error!r}"
    assert await raw_users.get_all() == [owner]
    assert await raw_keys.get_all() == []


# update_user


@contract(UserAdapter.update_user, UPDATE_USER)
async def test_update_user_sets_only_the_named_columns_of_the_user(
    user_adapter: UserAdapter, raw_users: RawTable
) -> None:
    user, other = new_user(), new_user()
    await raw_users.insert(user)
    await raw_users.insert(other)
    await user_adapter.update_user(user["id"], {"username": "renamed"})
    assert ordered(await raw_users.get_all()) == ordered([{**user, "username": "renamed"}, other])


@contract(UserAdapter.update_user, UPDATE_USER_MISSING)
async def test_update_user_for_a_missing_user_is_a_no_op(
    user_adapter: UserAdapter, raw_users: RawTable
) -> None:
    user = new_user()
    await raw_users.insert(user)
    await user_adapter.update_user("no-such-user", {"username": "renamed"})
    assert await raw_users.get_all() == [user]


# delete_user


@contract(UserAdapter.delete_user, DELETE_USER)
async def test_delete_user_deletes_only_that_user(user_adapter: UserAdapter, raw_users: RawTable) -> None:
    user, other = new_user(), new_user()
    await raw_users.insert(user)
    await raw_users.insert(other)
    await user_adapter.delete_user(user["id"])
    assert await raw_users.get_all() == [other]


@contract(UserAdapter.delete_user, DELETE_USER_MISSING)
async def test_delete_user_for_a_missing_user_is_a_no_op(
    user_adapter: UserAdapter, raw_users: RawTable
) -> None:
    user = new_user()
    await raw_users.insert(user)
    await user_adapter.delete_user("no-such-user")
    assert await raw_users.get_all() == [user]


# get_key


@contract(UserAdapter.get_key, GET_KEY)
async def test_get_key_returns_the_key_row_with_this_id(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key, passwordless = new_key(user["id"]), new_key(user["id"], hashed=None)
    await raw_users.insert(user)
    await raw_keys.insert(key)
    await raw_keys.insert(passwordless)
    assert await user_adapter.get_key(key["id"]) == key
    assert await user_adapter.get_key(passwordless["id"]) == passwordless


@contract(UserAdapter.get_key, GET_KEY)
async def test_get_key_returns_none_if_there_is_none(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    await raw_users.insert(user)
    await raw_keys.insert(new_key(user["id"]))
    assert await user_adapter.get_key("username:nobody") is None


@contract(UserAdapter.get_key, GET_KEY)
@odd_ids
async def test_get_key_finds_unusual_ids(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable, odd_id: str
) -> None:
    user = new_user()
    key = new_key(user["id"], f"{odd_id}:{odd_id}")
    await raw_users.insert(user)
    await raw_keys.insert(key)
    assert await user_adapter.get_key(key["id"]) == key


@contract(UserAdapter.get_key, GET_KEY)
@near_misses
async def test_get_key_matches_the_id_exactly(
    user_adapter: UserAdapter,
    raw_users: RawTable,
    raw_keys: RawTable,
    stored_id: str,
    other_id: str,
) -> None:
    user = new_user()
    key = new_key(user["id"], f"username:{stored_id}")
    await raw_users.insert(user)
    await raw_keys.insert(key)
    assert await user_adapter.get_key(f"username:{other_id}") is None, f"looked up {other_id!r}"
    assert await user_adapter.get_key(key["id"]) == key


# get_keys_by_user_id


@contract(UserAdapter.get_keys_by_user_id, GET_KEYS)
async def test_get_keys_by_user_id_returns_every_key_of_the_user(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user, other = new_user(), new_user()
    keys = [new_key(user["id"]), new_key(user["id"], hashed=None)]
    await raw_users.insert(user)
    await raw_users.insert(other)
    for key in [*keys, new_key(other["id"])]:
        await raw_keys.insert(key)
    found = await user_adapter.get_keys_by_user_id(user["id"])
    assert isinstance(found, list)
    assert ordered(found) == ordered(keys)


@contract(UserAdapter.get_keys_by_user_id, GET_KEYS)
async def test_get_keys_by_user_id_returns_an_empty_list_if_there_are_none(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    keyless, other = new_user(), new_user()
    await raw_users.insert(keyless)
    await raw_users.insert(other)
    await raw_keys.insert(new_key(other["id"]))
    assert await user_adapter.get_keys_by_user_id(keyless["id"]) == []
    assert await user_adapter.get_keys_by_user_id("no-such-user") == []


@contract(UserAdapter.get_keys_by_user_id, GET_KEYS)
@odd_ids
async def test_get_keys_by_user_id_finds_unusual_ids(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable, odd_id: str
) -> None:
    user = new_user(odd_id)
    key = new_key(odd_id)
    await raw_users.insert(user)
    await raw_keys.insert(key)
    assert await user_adapter.get_keys_by_user_id(odd_id) == [key]


# set_key


@contract(UserAdapter.set_key, SET_KEY)
async def test_set_key_stores_the_key(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key, passwordless = new_key(user["id"]), new_key(user["id"], hashed=None)
    await raw_users.insert(user)
    await user_adapter.set_key(key)
    await user_adapter.set_key(passwordless)
    assert ordered(await raw_keys.get_all()) == ordered([key, passwordless])


@contract(UserAdapter.set_key, SET_KEY)
@near_misses
async def test_set_key_treats_ids_that_differ_in_any_way_as_different_keys(
    user_adapter: UserAdapter,
    raw_users: RawTable,
    raw_keys: RawTable,
    stored_id: str,
    other_id: str,
) -> None:
    user = new_user()
    stored = new_key(user["id"], f"username:{stored_id}")
    other = new_key(user["id"], f"username:{other_id}")
    await raw_users.insert(user)
    await raw_keys.insert(stored)
    await user_adapter.set_key(other)
    assert ordered(await raw_keys.get_all()) == ordered([stored, other])


@contract(UserAdapter.set_key, SET_KEY_DUPLICATE)
async def test_set_key_with_an_existing_id_raises_duplicate_key_id_and_keeps_the_stored_key(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user, other = new_user(), new_user()
    key = new_key(user["id"])
    await raw_users.insert(user)
    await raw_users.insert(other)
    await raw_keys.insert(key)
    with pytest.raises(LuciaError, match=r"^AUTH_DUPLICATE_KEY_ID"):
        await user_adapter.set_key(new_key(other["id"], key["id"], hashed="another"))
    assert await raw_keys.get_all() == [key]


@contract(UserAdapter.set_key, SET_KEY_CONCURRENT)
async def test_set_key_called_concurrently_with_one_id_succeeds_exactly_once(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    await raw_users.insert(user)
    keys = [new_key(user["id"], "username:contested") for _ in range(CONCURRENT_CALLS)]
    results = await asyncio.gather(*(user_adapter.set_key(key) for key in keys), return_exceptions=True)
    winners = [index for index, result in enumerate(results) if result is None]
    assert len(winners) == 1, f"{len(winners)} of {len(keys)} calls succeeded: {results}"
    losers = [result for result in results if result is not None]
    assert all(isinstance(error, LuciaError) and error.code == "AUTH_DUPLICATE_KEY_ID" for error in losers), (
        losers
    )
    assert await raw_keys.get_all() == [keys[winners[0]]]


@contract(UserAdapter.set_key, SET_KEY_MISSING_USER)
async def test_set_key_for_a_missing_user_raises_invalid_user_id(
    user_adapter: UserAdapter,
    raw_users: RawTable,
    raw_keys: RawTable,
    options: ConformanceOptions,
) -> None:
    if not options.foreign_keys:
        pytest.skip("ConformanceOptions.foreign_keys is False: the backend cannot tell")
    await raw_users.insert(new_user())
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
        await user_adapter.set_key(new_key("no-such-user"))
    assert await raw_keys.get_all() == []


# update_key


@contract(UserAdapter.update_key, UPDATE_KEY)
@pytest.mark.parametrize("password", ["s2:new:hash", None], ids=["hash", "none"])
async def test_update_key_sets_only_the_named_columns_of_the_key(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable, password: str | None
) -> None:
    user = new_user()
    key, other = new_key(user["id"]), new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    await raw_keys.insert(other)
    await user_adapter.update_key(key["id"], {"hashed_password": password})
    assert ordered(await raw_keys.get_all()) == ordered([{**key, "hashed_password": password}, other])


@contract(UserAdapter.update_key, UPDATE_KEY_MISSING)
async def test_update_key_for_a_missing_key_is_a_no_op(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    await user_adapter.update_key("username:nobody", {"hashed_password": None})
    assert await raw_keys.get_all() == [key]


# delete_key


@contract(UserAdapter.delete_key, DELETE_KEY)
async def test_delete_key_deletes_only_that_key(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key, other = new_key(user["id"]), new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    await raw_keys.insert(other)
    await user_adapter.delete_key(key["id"])
    assert await raw_keys.get_all() == [other]


@contract(UserAdapter.delete_key, DELETE_KEY_MISSING)
async def test_delete_key_for_a_missing_key_is_a_no_op(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user = new_user()
    key = new_key(user["id"])
    await raw_users.insert(user)
    await raw_keys.insert(key)
    await user_adapter.delete_key("username:nobody")
    assert await raw_keys.get_all() == [key]


# delete_keys_by_user_id


@contract(UserAdapter.delete_keys_by_user_id, DELETE_KEYS)
async def test_delete_keys_by_user_id_deletes_only_that_users_keys(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    user, other = new_user(), new_user()
    others_key = new_key(other["id"])
    await raw_users.insert(user)
    await raw_users.insert(other)
    for key in [new_key(user["id"]), new_key(user["id"]), others_key]:
        await raw_keys.insert(key)
    await user_adapter.delete_keys_by_user_id(user["id"])
    assert await raw_keys.get_all() == [others_key]


@contract(UserAdapter.delete_keys_by_user_id, DELETE_KEYS_NONE)
async def test_delete_keys_by_user_id_without_keys_is_a_no_op(
    user_adapter: UserAdapter, raw_users: RawTable, raw_keys: RawTable
) -> None:
    keyless, other = new_user(), new_user()
    others_key = new_key(other["id"])
    await raw_users.insert(keyless)
    await raw_users.insert(other)
    await raw_keys.insert(others_key)
    await user_adapter.delete_keys_by_user_id(keyless["id"])
    assert await raw_keys.get_all() == [others_key]
