"""The session half: SessionAdapter, one test per sentence of its docstrings."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from lucia_conformance.contract import contract
from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawTable
from lucia_conformance.rows import BIG_EXPIRES, NEAR_MISSES, ODD_IDS, new_session, ordered
from lucia_core.adapter import SessionAdapter
from lucia_core.database import SessionRow
from lucia_core.errors import LuciaError

if TYPE_CHECKING:
    from lucia_conformance.conftest import AddUser

pytestmark = pytest.mark.asyncio

GET_SESSION = "Return the session row with this id, with every attribute column, or None if there is none."
GET_SESSION_EXPIRES = (
    "active_expires and idle_expires come back as int milliseconds, exactly as stored (64-bit)."
)
GET_SESSIONS = "Return every stored session of the user, in any order; an empty list if there are none."
SET_SESSION = "Store the session."
SET_SESSION_MISSING_USER = (
    'If the user does not exist, an adapter whose backend can tell raises LuciaError("AUTH_INVALID_USER_ID").'
)
UPDATE_SESSION = "Set only the named columns of the session; other sessions are untouched."
UPDATE_SESSION_MISSING = "If no such session exists this is a no-op."
DELETE_SESSION = "Delete the session. Other sessions are untouched."
DELETE_SESSION_MISSING = "If no such session exists this is a no-op."
DELETE_SESSIONS = "Delete every session of the user; other users' sessions are untouched."
DELETE_SESSIONS_NONE = "None is a no-op."

odd_ids = pytest.mark.parametrize("odd_id", ODD_IDS.values(), ids=ODD_IDS.keys())
near_misses = pytest.mark.parametrize(("stored_id", "other_id"), NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
big_expires = pytest.mark.parametrize("expires", BIG_EXPIRES.values(), ids=BIG_EXPIRES.keys())


def assert_int_expirations(session: SessionRow | None) -> None:
    """Both expirations are ints (not floats, strings, bools or decimals)."""
    assert session is not None
    for column in ("active_expires", "idle_expires"):
        value = session[column]
        assert type(value) is int, f"{column} is {type(value).__name__}: {value!r}"


# get_session


@contract(SessionAdapter.get_session, GET_SESSION)
async def test_get_session_returns_the_session_row_with_every_attribute_column(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    session, other = new_session(user["id"]), new_session(user["id"], country="JP")
    await raw_sessions.insert(session)
    await raw_sessions.insert(other)
    assert await session_adapter.get_session(session["id"]) == session


@contract(SessionAdapter.get_session, GET_SESSION)
async def test_get_session_returns_none_if_there_is_none(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    await raw_sessions.insert(new_session(user["id"]))
    assert await session_adapter.get_session("no-such-session") is None


@contract(SessionAdapter.get_session, GET_SESSION)
@odd_ids
async def test_get_session_finds_unusual_ids(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser, odd_id: str
) -> None:
    user = await add_user(odd_id)
    session = new_session(user["id"], odd_id, country=odd_id)
    await raw_sessions.insert(session)
    assert await session_adapter.get_session(odd_id) == session


@contract(SessionAdapter.get_session, GET_SESSION)
@near_misses
async def test_get_session_matches_the_id_exactly(
    session_adapter: SessionAdapter,
    raw_sessions: RawTable,
    add_user: AddUser,
    stored_id: str,
    other_id: str,
) -> None:
    user = await add_user()
    session = new_session(user["id"], stored_id)
    await raw_sessions.insert(session)
    assert await session_adapter.get_session(other_id) is None, f"looked up {other_id!r}"
    assert await session_adapter.get_session(stored_id) == session


@contract(SessionAdapter.get_session, GET_SESSION_EXPIRES)
@big_expires
async def test_get_session_returns_64_bit_expirations_exactly(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser, expires: int
) -> None:
    user = await add_user()
    session = new_session(user["id"], active_expires=expires - 1, idle_expires=expires)
    await raw_sessions.insert(session)
    found = await session_adapter.get_session(session["id"])
    assert found == session
    assert_int_expirations(found)


# get_sessions_by_user_id


@contract(SessionAdapter.get_sessions_by_user_id, GET_SESSIONS)
async def test_get_sessions_by_user_id_returns_every_stored_session_of_the_user(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user, other = await add_user(), await add_user()
    sessions = [new_session(user["id"]), new_session(user["id"], country=None)]
    for session in [*sessions, new_session(other["id"])]:
        await raw_sessions.insert(session)
    found = await session_adapter.get_sessions_by_user_id(user["id"])
    assert isinstance(found, list)
    assert ordered(found) == ordered(sessions)


@contract(SessionAdapter.get_sessions_by_user_id, GET_SESSIONS)
async def test_get_sessions_by_user_id_returns_an_empty_list_if_there_are_none(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    sessionless, other = await add_user(), await add_user()
    await raw_sessions.insert(new_session(other["id"]))
    assert await session_adapter.get_sessions_by_user_id(sessionless["id"]) == []
    assert await session_adapter.get_sessions_by_user_id("no-such-user") == []


# set_session


@contract(SessionAdapter.set_session, SET_SESSION)
async def test_set_session_stores_the_session(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    session, other = new_session(user["id"]), new_session(user["id"], country=None)
    await session_adapter.set_session(session)
    await session_adapter.set_session(other)
    assert ordered(await raw_sessions.get_all()) == ordered([session, other])


@contract(SessionAdapter.set_session, SET_SESSION)
@big_expires
async def test_set_session_stores_64_bit_expirations_exactly(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser, expires: int
) -> None:
    user = await add_user()
    session = new_session(user["id"], active_expires=expires - 1, idle_expires=expires)
    await session_adapter.set_session(session)
    stored = await raw_sessions.get_all()
    assert stored == [session]
    assert_int_expirations(stored[0])


@contract(SessionAdapter.set_session, SET_SESSION)
@odd_ids
async def test_set_session_stores_unusual_ids_verbatim(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser, odd_id: str
) -> None:
    user = await add_user(odd_id)
    session = new_session(user["id"], odd_id, country=odd_id)
    await session_adapter.set_session(session)
    assert await raw_sessions.get_all() == [session]


@contract(SessionAdapter.set_session, SET_SESSION_MISSING_USER)
async def test_set_session_for_a_missing_user_raises_invalid_user_id(
    session_adapter: SessionAdapter,
    raw_sessions: RawTable,
    add_user: AddUser,
    options: ConformanceOptions,
) -> None:
    if not options.foreign_keys:
        pytest.skip("ConformanceOptions.foreign_keys is False: the backend cannot tell")
    await add_user()
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_USER_ID"):
        await session_adapter.set_session(new_session("no-such-user"))
    assert await raw_sessions.get_all() == []


# update_session


@contract(SessionAdapter.update_session, UPDATE_SESSION)
async def test_update_session_sets_only_the_named_columns_of_the_session(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    session, other = new_session(user["id"]), new_session(user["id"])
    await raw_sessions.insert(session)
    await raw_sessions.insert(other)
    await session_adapter.update_session(session["id"], {"country": "JP"})
    assert ordered(await raw_sessions.get_all()) == ordered([{**session, "country": "JP"}, other])


@contract(SessionAdapter.update_session, UPDATE_SESSION)
async def test_update_session_renews_64_bit_expirations_and_leaves_attributes_alone(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    session, other = new_session(user["id"]), new_session(user["id"])
    await raw_sessions.insert(session)
    await raw_sessions.insert(other)
    renewed = {"active_expires": 2**53 + 1, "idle_expires": 2**63 - 1}
    await session_adapter.update_session(session["id"], renewed)
    stored = ordered(await raw_sessions.get_all())
    assert stored == ordered([{**session, **renewed}, other])
    assert_int_expirations(stored[0])
    assert_int_expirations(stored[1])


@contract(SessionAdapter.update_session, UPDATE_SESSION_MISSING)
async def test_update_session_for_a_missing_session_is_a_no_op(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    session = new_session(user["id"])
    await raw_sessions.insert(session)
    await session_adapter.update_session("no-such-session", {"country": "JP"})
    assert await raw_sessions.get_all() == [session]


# delete_session


@contract(SessionAdapter.delete_session, DELETE_SESSION)
async def test_delete_session_deletes_only_that_session(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    session, other = new_session(user["id"]), new_session(user["id"])
    await raw_sessions.insert(session)
    await raw_sessions.insert(other)
    await session_adapter.delete_session(session["id"])
    assert await raw_sessions.get_all() == [other]


@contract(SessionAdapter.delete_session, DELETE_SESSION_MISSING)
async def test_delete_session_for_a_missing_session_is_a_no_op(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user = await add_user()
    session = new_session(user["id"])
    await raw_sessions.insert(session)
    await session_adapter.delete_session("no-such-session")
    assert await raw_sessions.get_all() == [session]


# delete_sessions_by_user_id


@contract(SessionAdapter.delete_sessions_by_user_id, DELETE_SESSIONS)
async def test_delete_sessions_by_user_id_deletes_only_that_users_sessions(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    user, other = await add_user(), await add_user()
    others_session = new_session(other["id"])
    for session in [new_session(user["id"]), new_session(user["id"]), others_session]:
        await raw_sessions.insert(session)
    await session_adapter.delete_sessions_by_user_id(user["id"])
    assert await raw_sessions.get_all() == [others_session]


@contract(SessionAdapter.delete_sessions_by_user_id, DELETE_SESSIONS_NONE)
async def test_delete_sessions_by_user_id_without_sessions_is_a_no_op(
    session_adapter: SessionAdapter, raw_sessions: RawTable, add_user: AddUser
) -> None:
    sessionless, other = await add_user(), await add_user()
    others_session = new_session(other["id"])
    await raw_sessions.insert(others_session)
    await session_adapter.delete_sessions_by_user_id(sessionless["id"])
    assert await raw_sessions.get_all() == [others_session]
