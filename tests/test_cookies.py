"""Cookies: the session cookie's attributes, RFC 6265 parsing and serialization."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from lucia_core import DEFAULT_SESSION_COOKIE_NAME, Auth, Cookie
from lucia_core.utils import parse_cookie, serialize_cookie


async def make_session(auth: Auth) -> Any:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    return await auth.create_session(user_id=user.user_id, attributes={})


async def test_session_cookie_defaults(auth: Auth) -> None:
    session = await make_session(auth)
    cookie = auth.create_session_cookie(session)
    assert cookie.name == DEFAULT_SESSION_COOKIE_NAME == "auth_session"
    assert cookie.value == session.session_id
    header = cookie.serialize()
    expires = session.idle_period_expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert header == f"auth_session={session.session_id}; Path=/; Expires={expires}; HttpOnly; SameSite=Lax"


async def test_session_cookie_is_secure_in_prod(make_auth: Any) -> None:
    auth = make_auth(env="PROD")
    cookie = auth.create_session_cookie(await make_session(auth))
    assert "; Secure" in cookie.serialize()
    assert cookie.attributes["secure"] is True


async def test_blank_cookie_for_sign_out(auth: Auth) -> None:
    cookie = auth.create_session_cookie(None)
    assert cookie.value == ""
    assert cookie.serialize() == (
        "auth_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; SameSite=Lax"
    )


async def test_cookie_without_expiry_when_expires_is_false(make_auth: Any) -> None:
    auth = make_auth(
        session_cookie={"name": "sid", "expires": False, "attributes": {"domain": "example.com"}}
    )
    header = auth.create_session_cookie(await make_session(auth)).serialize()
    assert header.startswith("sid=")
    assert "Expires" not in header
    assert "Max-Age" not in header
    assert "; Domain=example.com" in header


def test_read_session_cookie(auth: Auth) -> None:
    assert auth.read_session_cookie("a=1; auth_session=abc123; b=2") == "abc123"
    assert auth.read_session_cookie('auth_session="abc123"') == "abc123"
    for malformed in (None, "", "auth_session", "auth_session=", ";;;", "=abc", "other=1", "\x00\x01"):
        assert auth.read_session_cookie(malformed) is None


def test_read_bearer_token(auth: Auth) -> None:
    assert auth.read_bearer_token("Bearer abc123") == "abc123"
    assert auth.read_bearer_token("bearer  abc123 ") == "abc123"
    for malformed in (
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic abc",
        "Bearer a b",
        "Bearer a;b",
        "Bearerabc",
        "Bearer ü",
    ):
        assert auth.read_bearer_token(malformed) is None


def test_parse_cookie_rules() -> None:
    assert parse_cookie("a=1; b=2") == {"a": "1", "b": "2"}
    assert parse_cookie("a=1; a=2") == {"a": "1"}
    assert parse_cookie("a=%3B%20x; b") == {"a": "; x"}
    assert parse_cookie("bad name=1; ok=2") == {"ok": "2"}
    assert parse_cookie("a=%FF") == {"a": "\ufffd"}
    assert parse_cookie(None) == {}  # type: ignore[arg-type]


def test_serialize_cookie_encodes_values_and_rejects_injection() -> None:
    header = serialize_cookie("n", "a; b\r\nSet-Cookie: x=1", {"path": "/"})
    assert header == "n=a%3B%20b%0D%0ASet-Cookie:%20x=1; Path=/"
    assert parse_cookie(header.split("; ")[0]) == {"n": "a; b\r\nSet-Cookie: x=1"}
    for bad_name in ("", "a b", "a;b", "a=b", "ü"):
        with pytest.raises(ValueError, match="cookie name"):
            serialize_cookie(bad_name, "v")
    with pytest.raises(ValueError, match="path"):
        serialize_cookie("n", "v", {"path": "/; Domain=evil.com"})
    with pytest.raises(ValueError, match="unknown"):
        serialize_cookie("n", "v", {"sameSite": "lax"})
    with pytest.raises(ValueError, match="timezone"):
        serialize_cookie("n", "v", {"expires": datetime(2030, 1, 1)})


def test_cookie_is_immutable_and_hides_its_value() -> None:
    cookie = Cookie("auth_session", "secretsecret", {"expires": datetime(2030, 1, 1, tzinfo=timezone.utc)})
    with pytest.raises(AttributeError):
        cookie.value = "x"  # type: ignore[misc]
    assert "secretsecret" not in repr(cookie)
