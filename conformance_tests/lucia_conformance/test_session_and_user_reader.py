"""The optional hot path: SessionAndUserReader.get_session_and_user, one test per sentence."""

from __future__ import annotations

from typing import cast

import pytest

from lucia_conformance.contract import contract
from lucia_conformance.raw import RawTable
from lucia_conformance.rows import ODD_IDS, new_session, new_user
from lucia_core.adapter import Adapter, SessionAndUserReader

pytestmark = pytest.mark.asyncio

RETURNS = "Return the session row and its user row, or (None, None) if the session does not exist."
SAME_ROWS = "Rows are the same as get_session and get_user return."

odd_ids = pytest.mark.parametrize("odd_id", ODD_IDS.values(), ids=ODD_IDS.keys())


@contract(SessionAndUserReader.get_session_and_user, RETURNS)
async def test_get_session_and_user_returns_the_session_row_and_its_user_row(
    reader: SessionAndUserReader, raw_users: RawTable, raw_sessions: RawTable
) -> None:
    user, other = new_user(), new_user()
    session = new_session(user["id"])
    await raw_users.insert(user)
    await raw_users.insert(other)
    await raw_sessions.insert(session)
    await raw_sessions.insert(new_session(other["id"], country="JP"))
    result = await reader.get_session_and_user(session["id"])
    assert isinstance(result, tuple)
    assert result == (session, user)


@contract(SessionAndUserReader.get_session_and_user, RETURNS)
async def test_get_session_and_user_returns_none_none_if_the_session_does_not_exist(
    reader: SessionAndUserReader, raw_users: RawTable, raw_sessions: RawTable
) -> None:
    user = new_user()
    await raw_users.insert(user)
    await raw_sessions.insert(new_session(user["id"]))
    result = await reader.get_session_and_user("no-such-session")
    assert isinstance(result, tuple)
    assert result == (None, None)


@contract(SessionAndUserReader.get_session_and_user, RETURNS)
@odd_ids
async def test_get_session_and_user_finds_unusual_ids(
    reader: SessionAndUserReader, raw_users: RawTable, raw_sessions: RawTable, odd_id: str
) -> None:
    user = new_user(odd_id, username=odd_id)
    session = new_session(odd_id, odd_id, country=odd_id)
    await raw_users.insert(user)
    await raw_sessions.insert(session)
    assert await reader.get_session_and_user(odd_id) == (session, user)


@contract(SessionAndUserReader.get_session_and_user, SAME_ROWS)
async def test_get_session_and_user_rows_are_the_same_as_get_session_and_get_user(
    reader: SessionAndUserReader, raw_users: RawTable, raw_sessions: RawTable
) -> None:
    adapter = cast(Adapter, reader)
    user = new_user()
    session = new_session(user["id"], active_expires=2**53 + 1, idle_expires=2**63 - 1)
    await raw_users.insert(user)
    await raw_sessions.insert(session)
    expected = (await adapter.get_session(session["id"]), await adapter.get_user(user["id"]))
    found = await reader.get_session_and_user(session["id"])
    assert found == expected
    assert found[0] is not None
    assert [type(found[0][column]) for column in ("active_expires", "idle_expires")] == [int, int]
