"""The token half: TokenAdapter, one test per sentence of its docstrings (one-time tokens)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from lucia_conformance.contract import contract
from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawTable
from lucia_conformance.rows import BIG_EXPIRES, NEAR_MISSES, ODD_IDS, new_token, ordered
from lucia_core.adapter import TokenAdapter
from lucia_core.database import TokenRow
from lucia_core.errors import LuciaError

if TYPE_CHECKING:
    from lucia_conformance.conftest import AddUser

pytestmark = pytest.mark.asyncio

GET_TOKEN = "Return the token row with this id, with every attribute column, or None if there is none."
GET_TOKEN_EXPIRES = "expires comes back as an int of milliseconds, exactly as stored (64-bit)."
GET_TOKENS = "Return every stored token of the user, in any order; an empty list if there are none."
SET_TOKEN = "Store the token."
SET_TOKEN_MISSING_USER = (
    'If the user does not exist, an adapter whose backend can tell raises LuciaError("AUTH_INVALID_USER_ID")'
    " and stores nothing."
)
CONSUME = "Read and delete the token with this id at once: return its row, or None if there is none."
CONSUME_CONCURRENT = "Of concurrent calls with one id exactly one gets the row; the others get None."
CONSUME_OTHERS = "Other tokens are untouched."
DELETE_TOKENS = "Delete every token of the user, or with a purpose only the user's tokens of that purpose."
DELETE_TOKENS_OTHERS = (
    "Other users' tokens, and with a purpose the user's tokens of other purposes, are untouched."
)
DELETE_TOKENS_NONE = "No tokens is a no-op."

#: Concurrent consume_token calls per token, and how many tokens are raced that way.
CONCURRENT_CALLS = 25
RACED_TOKENS = 4

odd_ids = pytest.mark.parametrize("odd_id", ODD_IDS.values(), ids=ODD_IDS.keys())
near_misses = pytest.mark.parametrize(("stored_id", "other_id"), NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
big_expires = pytest.mark.parametrize("expires", BIG_EXPIRES.values(), ids=BIG_EXPIRES.keys())


def assert_int_expires(token: TokenRow | None) -> None:
    """``expires`` is an int (not a float, string, bool or decimal)."""
    assert token is not None
    assert type(token["expires"]) is int, (
        f"expires is {type(token['expires']).__name__}: {token['expires']!r}"
    )


# get_token


@contract(TokenAdapter.get_token, GET_TOKEN)
async def test_get_token_returns_the_token_row_with_every_attribute_column(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    token, other = new_token(user["id"]), new_token(user["id"], email=None, purpose="password-reset")
    await raw_tokens.insert(token)
    await raw_tokens.insert(other)
    assert await token_adapter.get_token(token["id"]) == token
    assert await token_adapter.get_token(other["id"]) == other


@contract(TokenAdapter.get_token, GET_TOKEN)
async def test_get_token_returns_none_if_there_is_none(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    await raw_tokens.insert(new_token(user["id"]))
    assert await token_adapter.get_token("no-such-token") is None


@contract(TokenAdapter.get_token, GET_TOKEN)
@odd_ids
async def test_get_token_finds_unusual_ids(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, odd_id: str
) -> None:
    user = await add_user(odd_id)
    token = new_token(user["id"], odd_id, purpose=odd_id, email=odd_id)
    await raw_tokens.insert(token)
    assert await token_adapter.get_token(odd_id) == token


@contract(TokenAdapter.get_token, GET_TOKEN)
@near_misses
async def test_get_token_matches_the_id_exactly(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, stored_id: str, other_id: str
) -> None:
    user = await add_user()
    token = new_token(user["id"], stored_id)
    await raw_tokens.insert(token)
    assert await token_adapter.get_token(other_id) is None, f"looked up {other_id!r}"
    assert await token_adapter.get_token(stored_id) == token


@contract(TokenAdapter.get_token, GET_TOKEN_EXPIRES)
@big_expires
async def test_get_token_returns_64_bit_expirations_exactly(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, expires: int
) -> None:
    user = await add_user()
    token = new_token(user["id"], expires=expires)
    await raw_tokens.insert(token)
    found = await token_adapter.get_token(token["id"])
    assert found == token
    assert_int_expires(found)


# get_tokens_by_user_id


@contract(TokenAdapter.get_tokens_by_user_id, GET_TOKENS)
async def test_get_tokens_by_user_id_returns_every_stored_token_of_the_user(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user, other = await add_user(), await add_user()
    tokens = [new_token(user["id"]), new_token(user["id"], purpose="password-reset", email=None)]
    for token in [*tokens, new_token(other["id"])]:
        await raw_tokens.insert(token)
    found = await token_adapter.get_tokens_by_user_id(user["id"])
    assert isinstance(found, list)
    assert ordered(found) == ordered(tokens)


@contract(TokenAdapter.get_tokens_by_user_id, GET_TOKENS)
async def test_get_tokens_by_user_id_returns_an_empty_list_if_there_are_none(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    tokenless, other = await add_user(), await add_user()
    await raw_tokens.insert(new_token(other["id"]))
    assert await token_adapter.get_tokens_by_user_id(tokenless["id"]) == []
    assert await token_adapter.get_tokens_by_user_id("no-such-user") == []


@contract(TokenAdapter.get_tokens_by_user_id, GET_TOKENS)
@odd_ids
async def test_get_tokens_by_user_id_finds_unusual_user_ids(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, odd_id: str
) -> None:
    user = await add_user(odd_id)
    token = new_token(user["id"], purpose=odd_id)
    await raw_tokens.insert(token)
    assert await token_adapter.get_tokens_by_user_id(odd_id) == [token]


@contract(TokenAdapter.get_tokens_by_user_id, GET_TOKENS)
@near_misses
async def test_get_tokens_by_user_id_matches_the_user_id_exactly(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, stored_id: str, other_id: str
) -> None:
    user = await add_user(stored_id)
    token = new_token(user["id"])
    await raw_tokens.insert(token)
    assert await token_adapter.get_tokens_by_user_id(other_id) == [], f"looked up {other_id!r}"
    assert await token_adapter.get_tokens_by_user_id(stored_id) == [token]


# set_token


@contract(TokenAdapter.set_token, SET_TOKEN)
async def test_set_token_stores_the_token(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    token, other = new_token(user["id"]), new_token(user["id"], purpose="password-reset", email=None)
    await token_adapter.set_token(token)
    await token_adapter.set_token(other)
    assert ordered(await raw_tokens.get_all()) == ordered([token, other])


@contract(TokenAdapter.set_token, SET_TOKEN)
@big_expires
async def test_set_token_stores_64_bit_expirations_exactly(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, expires: int
) -> None:
    user = await add_user()
    token = new_token(user["id"], expires=expires)
    await token_adapter.set_token(token)
    stored = await raw_tokens.get_all()
    assert stored == [token]
    assert_int_expires(stored[0])


@contract(TokenAdapter.set_token, SET_TOKEN)
@odd_ids
async def test_set_token_stores_unusual_ids_verbatim(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, odd_id: str
) -> None:
    user = await add_user(odd_id)
    token = new_token(user["id"], odd_id, purpose=odd_id, email=odd_id)
    await token_adapter.set_token(token)
    assert await raw_tokens.get_all() == [token]


@contract(TokenAdapter.set_token, SET_TOKEN_MISSING_USER)
async def test_set_token_for_a_missing_user_raises_invalid_user_id(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, options: ConformanceOptions
) -> None:
    if not options.foreign_keys:
        pytest.skip("ConformanceOptions.foreign_keys is False: the backend cannot tell")
    await add_user()
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
        await token_adapter.set_token(new_token("no-such-user"))
    assert await raw_tokens.get_all() == []


# consume_token


@contract(TokenAdapter.consume_token, CONSUME)
async def test_consume_token_returns_the_row_and_deletes_it(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    token = new_token(user["id"])
    await raw_tokens.insert(token)
    assert await token_adapter.consume_token(token["id"]) == token
    assert await raw_tokens.get_all() == []
    assert await token_adapter.consume_token(token["id"]) is None


@contract(TokenAdapter.consume_token, CONSUME)
async def test_consume_token_returns_none_if_there_is_none(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    token = new_token(user["id"])
    await raw_tokens.insert(token)
    assert await token_adapter.consume_token("no-such-token") is None
    assert await raw_tokens.get_all() == [token]


@contract(TokenAdapter.consume_token, CONSUME)
@odd_ids
async def test_consume_token_finds_unusual_ids(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, odd_id: str
) -> None:
    user = await add_user(odd_id)
    token = new_token(user["id"], odd_id, purpose=odd_id, email=odd_id)
    await raw_tokens.insert(token)
    assert await token_adapter.consume_token(odd_id) == token
    assert await raw_tokens.get_all() == []


@contract(TokenAdapter.consume_token, CONSUME)
@near_misses
async def test_consume_token_matches_the_id_exactly(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, stored_id: str, other_id: str
) -> None:
    user = await add_user()
    token = new_token(user["id"], stored_id)
    await raw_tokens.insert(token)
    assert await token_adapter.consume_token(other_id) is None, f"consumed {other_id!r}"
    assert await raw_tokens.get_all() == [token]
    assert await token_adapter.consume_token(stored_id) == token


@contract(TokenAdapter.consume_token, CONSUME)
@big_expires
async def test_consume_token_returns_64_bit_expirations_exactly(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, expires: int
) -> None:
    user = await add_user()
    token = new_token(user["id"], expires=expires)
    await raw_tokens.insert(token)
    consumed = await token_adapter.consume_token(token["id"])
    assert consumed == token
    assert_int_expires(consumed)


@contract(TokenAdapter.consume_token, CONSUME_CONCURRENT)
async def test_consume_token_called_concurrently_gives_the_row_to_exactly_one_caller(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    tokens = [new_token(user["id"]) for _ in range(RACED_TOKENS)]
    for token in tokens:
        await raw_tokens.insert(token)
    calls = [token_adapter.consume_token(token["id"]) for token in tokens for _ in range(CONCURRENT_CALLS)]
    results = await asyncio.gather(*calls)
    for number, token in enumerate(tokens):
        mine = results[number * CONCURRENT_CALLS : (number + 1) * CONCURRENT_CALLS]
        winners = [result for result in mine if result is not None]
        assert len(winners) == 1, f"{len(winners)} of {CONCURRENT_CALLS} concurrent calls got token {number}"
        assert winners[0] == token
    assert await raw_tokens.get_all() == []


@contract(TokenAdapter.consume_token, CONSUME_OTHERS)
async def test_consume_token_leaves_other_tokens_untouched(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user, other = await add_user(), await add_user()
    token = new_token(user["id"])
    untouched = [
        new_token(user["id"]),
        new_token(user["id"], purpose="password-reset"),
        new_token(other["id"]),
    ]
    for row in [token, *untouched]:
        await raw_tokens.insert(row)
    await token_adapter.consume_token(token["id"])
    assert ordered(await raw_tokens.get_all()) == ordered(untouched)


# delete_tokens_by_user_id


@contract(TokenAdapter.delete_tokens_by_user_id, DELETE_TOKENS)
async def test_delete_tokens_by_user_id_deletes_every_token_of_the_user(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    for token in [new_token(user["id"]), new_token(user["id"], purpose="password-reset")]:
        await raw_tokens.insert(token)
    await token_adapter.delete_tokens_by_user_id(user["id"])
    assert await raw_tokens.get_all() == []


@contract(TokenAdapter.delete_tokens_by_user_id, DELETE_TOKENS)
async def test_delete_tokens_by_user_id_with_a_purpose_deletes_only_that_purpose(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    kept = new_token(user["id"], purpose="password-reset")
    for token in [new_token(user["id"]), new_token(user["id"]), kept]:
        await raw_tokens.insert(token)
    await token_adapter.delete_tokens_by_user_id(user["id"], "email-verification")
    assert await raw_tokens.get_all() == [kept]


@contract(TokenAdapter.delete_tokens_by_user_id, DELETE_TOKENS)
@odd_ids
async def test_delete_tokens_by_user_id_treats_ids_and_purposes_verbatim(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, odd_id: str
) -> None:
    user = await add_user(odd_id)
    kept = new_token(user["id"], purpose=f"{odd_id}!")
    for token in [new_token(user["id"], purpose=odd_id), kept]:
        await raw_tokens.insert(token)
    await token_adapter.delete_tokens_by_user_id(odd_id, odd_id)
    assert await raw_tokens.get_all() == [kept]
    await token_adapter.delete_tokens_by_user_id(odd_id)
    assert await raw_tokens.get_all() == []


@contract(TokenAdapter.delete_tokens_by_user_id, DELETE_TOKENS_OTHERS)
@near_misses
async def test_delete_tokens_by_user_id_leaves_near_miss_users_and_purposes_untouched(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, stored_id: str, other_id: str
) -> None:
    user, near = await add_user(stored_id), await add_user(other_id)
    mine = new_token(user["id"], purpose=stored_id)
    other_purpose = new_token(user["id"], purpose=other_id)
    near_users = new_token(near["id"], purpose=stored_id)
    for token in [mine, other_purpose, near_users]:
        await raw_tokens.insert(token)
    await token_adapter.delete_tokens_by_user_id(stored_id, stored_id)
    assert ordered(await raw_tokens.get_all()) == ordered([other_purpose, near_users])
    await token_adapter.delete_tokens_by_user_id(stored_id)
    assert await raw_tokens.get_all() == [near_users]


@contract(TokenAdapter.delete_tokens_by_user_id, DELETE_TOKENS_NONE)
@pytest.mark.parametrize("purpose", [None, "password-reset"], ids=["all", "purpose"])
async def test_delete_tokens_by_user_id_without_tokens_is_a_no_op(
    token_adapter: TokenAdapter, raw_tokens: RawTable, add_user: AddUser, purpose: str | None
) -> None:
    tokenless, other = await add_user(), await add_user()
    others = new_token(other["id"], purpose="password-reset")
    mine = new_token(tokenless["id"])
    await raw_tokens.insert(others)
    await raw_tokens.insert(mine)
    await token_adapter.delete_tokens_by_user_id(tokenless["id"], "password-reset")
    await token_adapter.delete_tokens_by_user_id("no-such-user", purpose)
    assert ordered(await raw_tokens.get_all()) == ordered([others, mine])
