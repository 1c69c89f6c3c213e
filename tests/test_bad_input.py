"""Bad input: hostile ids give the documented LuciaError, wrong types a clear TypeError/ValueError."""

from __future__ import annotations

import logging
import pickle
from datetime import timedelta
from typing import Any

import pytest

from lucia_core import Auth, LuciaError, RequestContext, lucia
from lucia_core.errors import ERROR_CODES

from .conftest import RecordingAdapter

HOSTILE_IDS = [
    "",
    "x" * 10_000,
    "abc\x00def",
    "\x00",
    "'; DROP TABLE user_session; --",
    '" OR "1"="1',
    "' OR '1'='1",
    "ユーザー🔑",
    "\ud800",
    "a\r\nSet-Cookie: x=1",
    "%00",
    "../../etc/passwd",
    '{"$ne": null}',
]


@pytest.mark.parametrize("session_id", HOSTILE_IDS, ids=lambda v: repr(v)[:24])
async def test_hostile_session_ids_are_invalid_session_id(auth: Auth, session_id: str) -> None:
    for method in (auth.validate_session, auth.get_session):
        with pytest.raises(LuciaError) as info:
            await method(session_id)
        assert info.value.code == "AUTH_INVALID_SESSION_ID"


@pytest.mark.parametrize("user_id", HOSTILE_IDS, ids=lambda v: repr(v)[:24])
async def test_hostile_user_ids(auth: Auth, user_id: str) -> None:
    with pytest.raises(LuciaError) as info:
        await auth.get_user(user_id)
    assert info.value.code == "AUTH_INVALID_USER_ID"
    await auth.delete_user(user_id)
    await auth.invalidate_all_user_sessions(user_id)


@pytest.mark.parametrize("provider_user_id", HOSTILE_IDS, ids=lambda v: repr(v)[:24])
async def test_hostile_key_ids(auth: Auth, provider_user_id: str) -> None:
    with pytest.raises(LuciaError) as info:
        await auth.use_key("username", provider_user_id, None)
    assert info.value.code == "AUTH_INVALID_KEY_ID"


async def test_hostile_cookie_values_never_reach_a_session(auth: Auth) -> None:
    for value in HOSTILE_IDS:
        cookie = f"auth_session={value}" if ";" not in value else "auth_session=a;b"
        context = RequestContext(method="GET", headers={"Cookie": cookie})
        assert await auth.handle_request(context).validate() is None


@pytest.mark.parametrize("value", [None, 1, b"abc", ["a"], object()])
async def test_wrong_types_are_type_errors(auth: Auth, value: Any) -> None:
    for call in (
        lambda: auth.validate_session(value),
        lambda: auth.get_user(value),
        lambda: auth.create_session(user_id=value, attributes={}),
        lambda: auth.invalidate_session(value),
    ):
        with pytest.raises(TypeError):
            await call()


async def test_wrong_attribute_shapes(auth: Auth) -> None:
    with pytest.raises(TypeError):
        await auth.create_user(key=None, attributes=["username"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="id"):
        await auth.create_user(key=None, attributes={"id": "forced"})
    with pytest.raises(ValueError, match="key must be"):
        await auth.create_user(key={"provider_id": "username"}, attributes={})
    with pytest.raises(ValueError, match="session_id"):
        await auth.create_session(user_id="u", attributes={}, session_id="")


def test_configuration_errors(adapter: RecordingAdapter) -> None:
    bad_options: list[tuple[dict[str, Any], type[Exception]]] = [
        ({"env": "prod"}, ValueError),
        ({"session_expires_in": {"active_period": 60}}, TypeError),
        ({"session_expires_in": {"active_period": timedelta(0)}}, ValueError),
        ({"session_expires_in": {"activePeriod": timedelta(1)}}, ValueError),
        ({"session_cookie": {"name": ""}}, TypeError),
        ({"session_cookie": {"attributes": {"httpOnly": False}}}, ValueError),
        ({"csrf_protection": {"allowed_sub_domains": "www"}}, TypeError),
        ({"csrf_protection": {"hosts": "x"}}, ValueError),
        ({"experimental": {"debugMode": True}}, ValueError),
        ({"password_hash": {"generate": "x"}}, TypeError),
        ({"get_user_attributes": "username"}, TypeError),
        ({"middleware": 42}, TypeError),
    ]
    for options, error in bad_options:
        with pytest.raises(error):
            lucia(adapter=adapter, **options)
    with pytest.raises(ValueError, match="user"):
        lucia(adapter={"users": adapter, "session": adapter})
    with pytest.raises(TypeError, match="lacks"):
        lucia(adapter=object())  # type: ignore[arg-type]


def test_lucia_error_codes() -> None:
    assert {
        "AUTH_INVALID_SESSION_ID", "AUTH_INVALID_PASSWORD", "AUTH_DUPLICATE_KEY_ID", "AUTH_INVALID_KEY_ID",
        "AUTH_INVALID_USER_ID", "AUTH_INVALID_REQUEST", "AUTH_NOT_AUTHENTICATED", "REQUEST_UNAUTHORIZED",
        "UNKNOWN_ERROR", "AUTH_OUTDATED_PASSWORD", "AUTH_INVALID_TOKEN", "AUTH_EXPIRED_TOKEN",
        "AUTH_TOO_MANY_ATTEMPTS",
    } == ERROR_CODES  # fmt: skip
    error = LuciaError("AUTH_INVALID_KEY_ID")
    assert str(error) == "AUTH_INVALID_KEY_ID"
    assert error.code == "AUTH_INVALID_KEY_ID"
    assert str(LuciaError("AUTH_INVALID_PASSWORD", "too long")).startswith("AUTH_INVALID_PASSWORD")
    assert pickle.loads(pickle.dumps(error)).code == "AUTH_INVALID_KEY_ID"
    with pytest.raises(ValueError, match="unknown"):
        LuciaError("NOT_A_CODE")  # type: ignore[arg-type]


async def test_value_objects_are_immutable_and_pickle(auth: Auth) -> None:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    for obj, name in ((user, "user_id"), (session, "fresh")):
        with pytest.raises(AttributeError):
            setattr(obj, name, None)
    with pytest.raises(TypeError):
        user.attributes["username"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        _ = user.missing_attribute
    assert pickle.loads(pickle.dumps(session)) == session
    assert session.session_id not in repr(session)


async def test_debug_mode_logs_decisions_without_secrets(
    make_auth: Any, caplog: pytest.LogCaptureFixture
) -> None:
    auth = make_auth(experimental={"debug_mode": True})
    caplog.set_level(logging.DEBUG, logger="lucia")
    user = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "hunter2-secret"},
        attributes={"username": "ada"},
    )
    await auth.use_key("username", "ada", "hunter2-secret")
    with pytest.raises(LuciaError):
        await auth.use_key("username", "ada", "wrong-secret")
    session = await auth.create_session(user_id=user.user_id, attributes={})
    await auth.validate_session(session.session_id)
    with pytest.raises(LuciaError):
        await auth.validate_session("missing-session")
    with pytest.raises(LuciaError):
        auth.validate_request_origin(RequestContext(method="POST", headers={"Origin": "https://evil.com"}))
    text = caplog.text
    for decision in (
        "password validated",
        "invalid password",
        "validated (active)",
        "not found",
        "CSRF check failed",
    ):
        assert decision in text, decision
    assert "hunter2" not in text
    assert "wrong-secret" not in text
    assert session.session_id not in text


async def test_debug_mode_off_logs_nothing(auth: Auth, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="lucia")
    with pytest.raises(LuciaError):
        await auth.validate_session("missing-session")
    assert caplog.records == []
