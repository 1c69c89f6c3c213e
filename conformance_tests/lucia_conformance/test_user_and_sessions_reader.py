"""The optional one-round-trip read behind get_all_user_sessions:
UserAndSessionsReader.get_user_and_sessions, one test per sentence."""

from __future__ import annotations

from typing import Any, cast

import pytest

from lucia_conformance.contract import contract
from lucia_conformance.raw import RawTable
from lucia_conformance.rows import ODD_IDS, new_session, new_user
from lucia_core.adapter import Adapter, UserAndSessionsReader

pytestmark = pytest.mark.asyncio

RETURNS = (
    "Return the user row with this id, or None if there is none, and every stored session of that"
    " user, in any order (an empty list if there are none)."
)
SAME_ROWS = "Rows are the same as get_user and get_sessions_by_user_id return."

odd_ids = pytest.mark.parametrize("odd_id", ODD_IDS.values(), ids=ODD_IDS.keys())


def by_id(rows: list[Any]) -> list[Any]:
    return sorted(rows, key=lambda row: row["id"])


@contract(UserAndSessionsReader.get_user_and_sessions, RETURNS)
async def test_get_user_and_sessions_returns_the_user_row_and_every_session_of_that_user(
    user_and_sessions_reader: UserAndSessionsReader, raw_users: RawTable, raw_sessions: RawTable
) -> None:
    user, other = new_user(), new_user()
    sessions = [new_session(user["id"]), new_session(user["id"], country=None), new_session(user["id"])]
    await raw_users.insert(user)
    await raw_users.insert(other)
    for session in sessions:
        await raw_sessions.insert(session)
    await raw_sessions.insert(new_session(other["id"], country="JP"))
    found_user, found_sessions = await user_and_sessions_reader.get_user_and_sessions(user["id"])
    assert found_user == user
    assert isinstance(found_sessions, list)
    assert by_id(found_sessions) == by_id(sessions)


@contract(UserAndSessionsReader.get_user_and_sessions, RETURNS)
async def test_get_user_and_sessions_gives_an_empty_list_for_a_user_without_sessions(
    user_and_sessions_reader: UserAndSessionsReader, raw_users: RawTable, raw_sessions: RawTable
) -> None:
    user, other = new_user(), new_user()
    await raw_users.insert(user)
    await raw_users.insert(other)
    await raw_sessions.insert(new_session(other["id"]))
    assert await user_and_sessions_reader.get_user_and_sessions(user["id"]) == (user, [])


@contract(UserAndSessionsReader.get_user_and_sessions, RETURNS)
async def test_get_user_and_sessions_returns_none_and_no_sessions_if_the_user_does_not_exist(
    user_and_sessions_reader: UserAndSessionsReader, raw_users: RawTable, raw_sessions: RawTable
) -> None:
    user = new_user()
    await raw_users.insert(user)
    await raw_sessions.insert(new_session(user["id"]))
    result = await user_and_sessions_reader.get_user_and_sessions("no-such-user")
    assert isinstance(result, tuple)
    assert result == (None, [])


@contract(UserAndSessionsReader.get_user_and_sessions, RETURNS)
@odd_ids
async def test_get_user_and_sessions_finds_unusual_ids(
    user_and_sessions_reader: UserAndSessionsReader, raw_users: RawTable, raw_sessions: RawTable, odd_id: str
) -> None:
    user = new_user(odd_id, username=odd_id)
    session = new_session(odd_id, odd_id, country=odd_id)
    await raw_users.insert(user)
    await raw_sessions.insert(session)
    assert await user_and_sessions_reader.get_user_and_sessions(odd_id) == (user, [session])


@contract(UserAndSessionsReader.get_user_and_sessions, SAME_ROWS)
async def test_get_user_and_sessions_rows_are_the_same_as_get_user_and_get_sessions_by_user_id(
    user_and_sessions_reader: UserAndSessionsReader, raw_users: RawTable, raw_sessions: RawTable
) -> None:
    adapter = cast(Adapter, user_and_sessions_reader)
    user = new_user()
    await raw_users.insert(user)
    await raw_sessions.insert(new_session(user["id"], active_expires=2**53 + 1, idle_expires=2**63 - 1))
    await raw_sessions.insert(new_session(user["id"], country=None))
    expected = (await adapter.get_user(user["id"]), by_id(await adapter.get_sessions_by_user_id(user["id"])))
    found_user, found_sessions = await user_and_sessions_reader.get_user_and_sessions(user["id"])
    assert (found_user, by_id(found_sessions)) == expected
    expirations = [
        type(session[column]) for session in found_sessions for column in ("active_expires", "idle_expires")
    ]
    assert expirations == [int] * 4
