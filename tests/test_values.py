"""The value objects the core builds on every validation: ``User`` and ``Session`` behave as the
frozen dataclasses they replaced (immutable, equal by value, picklable), however they were made."""

from __future__ import annotations

import copy
import pickle
from dataclasses import FrozenInstanceError
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from lucia_core import Auth, Session, User


async def _stored(auth: Auth) -> tuple[User, Session]:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    made = await auth.create_session(user_id=user.user_id, attributes={})
    return await auth.get_user(user.user_id), await auth.validate_session(made.session_id)


async def test_values_the_core_built_refuse_every_assignment(auth: Auth) -> None:
    user, session = await _stored(auth)
    for value, name in ((user, "user_id"), (user, "attributes"), (session, "state"), (session, "_active")):
        with pytest.raises(FrozenInstanceError):
            setattr(value, name, None)
        with pytest.raises(FrozenInstanceError):
            delattr(value, name)
    for value in (user, session):
        with pytest.raises(FrozenInstanceError):
            value.__class__ = object  # type: ignore[assignment]
        with pytest.raises(FrozenInstanceError):
            value.brand_new = 1
    assert type(user) is User
    assert type(session) is Session


async def test_expirations_are_utc_datetimes_of_the_stored_milliseconds(auth: Auth) -> None:
    _, session = await _stored(auth)
    row = await auth.adapter.get_session(session.session_id)
    assert row is not None
    for moment, stored in (
        (session.active_period_expires_at, row["active_expires"]),
        (session.idle_period_expires_at, row["idle_expires"]),
    ):
        assert moment.tzinfo is not None
        assert moment.utcoffset() == timedelta(0)
        assert moment == datetime.fromtimestamp(stored / 1000, tz=timezone.utc)
    assert session.active_period_expires_at is session.active_period_expires_at  # made once


async def test_equality_hashing_and_copies_are_by_value(auth: Auth) -> None:
    user, session = await _stored(auth)
    by_hand = Session(
        session_id=session.session_id,
        user=User(user_id=user.user_id, attributes=dict(user.attributes)),
        active_period_expires_at=session.active_period_expires_at,
        idle_period_expires_at=session.idle_period_expires_at,
        state=session.state,
        fresh=session.fresh,
        attributes=dict(session.attributes),
    )
    assert by_hand == session
    assert hash(by_hand) == hash(session)
    assert by_hand != Session(**{**_fields(session), "fresh": not session.fresh})
    assert User(user_id="u", attributes={"a": 1}) == User("u", {"a": 1}) != User("u", {"a": 2})
    assert len({session, by_hand}) == 1
    for value in (user, session):
        assert pickle.loads(pickle.dumps(value)) == value
        assert copy.deepcopy(value) == value
        assert copy.copy(value) == value


def test_a_user_keeps_a_copy_of_the_attributes_it_was_given() -> None:
    attributes: dict[str, Any] = {"username": "ada"}
    user = User(user_id="u", attributes=attributes)
    attributes["username"] = "mallory"
    assert user.username == "ada"
    assert user.attributes == {"username": "ada"}
    with pytest.raises(TypeError):
        user.attributes["username"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError, match="missing"):
        _ = user.missing


def _fields(session: Session) -> dict[str, Any]:
    return {
        "session_id": session.session_id,
        "user": session.user,
        "active_period_expires_at": session.active_period_expires_at,
        "idle_period_expires_at": session.idle_period_expires_at,
        "state": session.state,
        "fresh": session.fresh,
        "attributes": session.attributes,
    }
