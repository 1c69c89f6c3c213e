"""The suite's own fixtures, built on the ``lucia_adapter`` and ``lucia_database`` you provide."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

import pytest
import pytest_asyncio

from lucia_conformance.options import ConformanceOptions
from lucia_conformance.raw import RawDatabase, RawTable
from lucia_conformance.rows import new_user
from lucia_core.adapter import (
    SessionAdapter,
    SessionAndUserReader,
    TokenAdapter,
    UserAdapter,
    UserAndSessionsReader,
    has_tokens,
)
from lucia_core.database import UserRow

#: Stores a user through the raw handle (when the backend has a user table) and returns it.
AddUser = Callable[..., Awaitable[UserRow]]


@pytest_asyncio.fixture
async def raw(lucia_database: RawDatabase) -> RawDatabase:
    """Your raw handle, with tokens, sessions, keys and users cleared (in that order) before the test."""
    if not isinstance(lucia_database, RawDatabase):
        pytest.fail(
            "the lucia_database fixture must return a lucia_conformance.RawDatabase, "
            f"not {type(lucia_database).__name__}"
        )
    tables = (lucia_database.token, lucia_database.session, lucia_database.key, lucia_database.user)
    for table in tables:
        if table is not None:
            await table.clear()
    return lucia_database


@pytest.fixture
def options(lucia_conformance_options: ConformanceOptions) -> ConformanceOptions:
    """Your options, or the defaults."""
    return lucia_conformance_options


@pytest.fixture
def user_adapter(lucia_adapter: object) -> UserAdapter:
    """The adapter under test as a user adapter; the user half is skipped if it has no users."""
    if not callable(getattr(lucia_adapter, "get_user", None)):
        pytest.skip("user half skipped: the adapter under test has no get_user (a session-only adapter)")
    return cast(UserAdapter, lucia_adapter)


@pytest.fixture
def session_adapter(lucia_adapter: object) -> SessionAdapter:
    """The adapter under test as a session adapter; the session half is skipped if it has none."""
    if not callable(getattr(lucia_adapter, "get_session", None)):
        pytest.skip("session half skipped: the adapter under test has no get_session (a user-only adapter)")
    return cast(SessionAdapter, lucia_adapter)


@pytest.fixture
def token_adapter(lucia_adapter: object) -> TokenAdapter:
    """The adapter under test as a token adapter; the token half is skipped if it stores none."""
    if not has_tokens(lucia_adapter):
        pytest.skip("token half skipped: the adapter under test does not implement TokenAdapter")
    return cast(TokenAdapter, lucia_adapter)


@pytest.fixture
def reader(lucia_adapter: object) -> SessionAndUserReader:
    """The adapter's optional get_session_and_user; those tests are skipped if it has none."""
    if not callable(getattr(lucia_adapter, "get_session_and_user", None)):
        pytest.skip("the adapter under test does not implement the optional get_session_and_user")
    return cast(SessionAndUserReader, lucia_adapter)


@pytest.fixture
def user_and_sessions_reader(lucia_adapter: object) -> UserAndSessionsReader:
    """The adapter's optional get_user_and_sessions; those tests are skipped if it has none."""
    if not callable(getattr(lucia_adapter, "get_user_and_sessions", None)):
        pytest.skip("the adapter under test does not implement the optional get_user_and_sessions")
    return cast(UserAndSessionsReader, lucia_adapter)


def _table(raw: RawDatabase, name: str) -> RawTable:
    table = cast("RawTable | None", getattr(raw, name))
    if table is None:
        pytest.fail(f"lucia_database.{name} is None, but the adapter under test uses that table")
    return table


@pytest.fixture
def raw_users(raw: RawDatabase) -> RawTable:
    """The raw user table (required by the user half and by get_session_and_user)."""
    return _table(raw, "user")


@pytest.fixture
def raw_keys(raw: RawDatabase) -> RawTable:
    """The raw key table (required by the user half)."""
    return _table(raw, "key")


@pytest.fixture
def raw_sessions(raw: RawDatabase) -> RawTable:
    """The raw session table (required by the session half)."""
    return _table(raw, "session")


@pytest.fixture
def raw_tokens(raw: RawDatabase) -> RawTable:
    """The raw token table (required by the token half)."""
    return _table(raw, "token")


@pytest.fixture
def add_user(raw: RawDatabase) -> AddUser:
    """``await add_user(user_id=None, **attributes)``: a user row, stored raw if users exist.

    Session and token tests use it for the users their rows reference; a session-only backend without
    a user table just gets the row back.
    """

    async def add(user_id: str | None = None, **attributes: Any) -> UserRow:
        user = new_user(user_id, **attributes)
        if raw.user is not None:
            await raw.user.insert(user)
        return user

    return add
