"""AuthRequest and CSRF: cookie and bearer validation, renewal, clearing, caching, origin checks."""

from __future__ import annotations

from typing import Any

import aiosqlite
import pytest

from lucia_core import Auth, Cookie, LuciaError, RequestContext, Session
from lucia_core.expiration import now_ms
from lucia_core.origin import is_allowed_origin

from .conftest import RecordingAdapter

HOUR = 3_600_000


class Response:
    """Collects the cookies a request sets, as a framework response would."""

    def __init__(self) -> None:
        self.cookies: list[Cookie] = []


def request(
    auth: Auth,
    response: Response,
    *,
    method: str = "GET",
    cookie: str | None = None,
    origin: str | None = None,
    host: str = "example.com",
    authorization: str | None = None,
) -> Any:
    headers = {"Host": host}
    if cookie is not None:
        headers["Cookie"] = cookie
    if origin is not None:
        headers["Origin"] = origin
    if authorization is not None:
        headers["Authorization"] = authorization
    context = RequestContext(
        method=method, url=f"http://{host}/", headers=headers, set_cookie=response.cookies.append
    )
    return auth.handle_request(context)


@pytest.fixture
async def session(auth: Auth) -> Session:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    return await auth.create_session(user_id=user.user_id, attributes={})


async def test_validate_reads_the_session_cookie(auth: Auth, session: Session) -> None:
    response = Response()
    validated = await request(auth, response, cookie=f"auth_session={session.session_id}").validate()
    assert validated is not None
    assert validated.session_id == session.session_id
    assert response.cookies == []


async def test_validate_without_cookie_is_none(auth: Auth) -> None:
    assert await request(auth, Response()).validate() is None


async def test_invalid_cookie_is_cleared(auth: Auth) -> None:
    response = Response()
    assert await request(auth, response, cookie="auth_session=not-a-session").validate() is None
    assert [(c.name, c.value, c.attributes["max_age"]) for c in response.cookies] == [("auth_session", "", 0)]


async def test_renewed_session_sets_a_new_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    now = now_ms()
    await connection.execute(
        "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?",
        (now - HOUR, now + HOUR, session.session_id),
    )
    await connection.commit()
    response = Response()
    validated = await request(auth, response, cookie=f"auth_session={session.session_id}").validate()
    assert validated is not None
    assert validated.fresh
    (cookie,) = response.cookies
    assert cookie.value == session.session_id
    assert cookie.attributes["expires"] == validated.idle_period_expires_at


async def test_validate_is_cached_per_request(
    auth: Auth, session: Session, adapter: RecordingAdapter
) -> None:
    auth_request = request(auth, Response(), cookie=f"auth_session={session.session_id}")
    adapter.calls.clear()
    first = await auth_request.validate()
    second = await auth_request.validate()
    assert first is second
    assert adapter.calls == ["get_session_and_user"]
    auth_request.invalidate()
    await auth_request.validate()
    assert adapter.calls == ["get_session_and_user"] * 2


async def test_bearer_token_is_cached_separately_from_the_cookie(auth: Auth, session: Session) -> None:
    other_user = await auth.create_user(key=None, attributes={"username": "bob"})
    other = await auth.create_session(user_id=other_user.user_id, attributes={})
    auth_request = request(
        auth,
        Response(),
        cookie=f"auth_session={session.session_id}",
        authorization=f"Bearer {other.session_id}",
    )
    by_cookie = await auth_request.validate()
    by_bearer = await auth_request.validate_bearer_token()
    assert by_cookie is not None
    assert by_cookie.session_id == session.session_id
    assert by_bearer is not None
    assert by_bearer.session_id == other.session_id


async def test_bearer_token_invalid_or_malformed_is_none(auth: Auth) -> None:
    for header in ("Bearer nope", "Basic abc", "Bearer"):
        assert await request(auth, Response(), authorization=header).validate_bearer_token() is None


async def test_cross_origin_post_is_refused_and_the_cookie_kept(auth: Auth, session: Session) -> None:
    response = Response()
    cookie = f"auth_session={session.session_id}"
    assert (
        await request(auth, response, method="POST", cookie=cookie, origin="https://evil.com").validate()
        is None
    )
    assert await request(auth, response, method="POST", cookie=cookie).validate() is None  # no Origin at all
    assert response.cookies == []  # a cross-site request cannot sign the user out
    same = await request(auth, response, method="POST", cookie=cookie, origin="http://example.com").validate()
    assert same is not None


async def test_bearer_token_is_not_csrf_checked(auth: Auth, session: Session) -> None:
    auth_request = request(
        auth,
        Response(),
        method="POST",
        origin="https://evil.com",
        authorization=f"Bearer {session.session_id}",
    )
    assert await auth_request.validate_bearer_token() is not None


async def test_set_session_writes_the_cookie_and_primes_validate(auth: Auth, session: Session) -> None:
    response = Response()
    auth_request = request(auth, response)
    auth_request.set_session(session)
    assert await auth_request.validate() is session
    auth_request.set_session(None)
    assert await auth_request.validate() is None
    assert [c.value for c in response.cookies] == [session.session_id, ""]


async def test_database_failure_raises_and_keeps_the_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    response = Response()
    auth_request = request(auth, response, cookie=f"auth_session={session.session_id}")
    await connection.close()
    with pytest.raises(ValueError, match="no active connection"):  # aiosqlite's own error
        await auth_request.validate()
    assert response.cookies == []


def test_validate_request_origin_directly(auth: Auth) -> None:
    ok = RequestContext(method="POST", headers={"Origin": "https://example.com", "Host": "example.com"})
    auth.validate_request_origin(ok)
    for method in ("GET", "HEAD", "OPTIONS", "TRACE", "get"):
        auth.validate_request_origin(RequestContext(method=method, headers={"Origin": "https://evil.com"}))
    with pytest.raises(LuciaError) as info:
        auth.validate_request_origin(RequestContext(method="DELETE", headers={"Origin": "https://evil.com"}))
    assert info.value.code == "AUTH_INVALID_REQUEST"


def test_csrf_configuration(make_auth: Any) -> None:
    post = RequestContext(
        method="POST", headers={"Origin": "https://app.example.com", "Host": "internal:8000"}
    )
    make_auth(csrf_protection=False).validate_request_origin(post)
    with pytest.raises(LuciaError):
        make_auth().validate_request_origin(post)
    make_auth(
        csrf_protection={"host": "example.com", "allowed_sub_domains": ["app"]}
    ).validate_request_origin(post)
    make_auth(csrf_protection={"host": "example.com", "allowed_sub_domains": "*"}).validate_request_origin(
        post
    )
    forwarded = RequestContext(
        method="POST",
        headers={"Origin": "https://example.com", "X-Forwarded-Host": "example.com", "Host": "x"},
    )
    make_auth(csrf_protection={"host_header": "X-Forwarded-Host"}).validate_request_origin(forwarded)


@pytest.mark.parametrize(
    ("origin", "host", "subs", "allowed"),
    [
        ("https://example.com", "example.com", (), True),
        ("http://example.com", "example.com", (), True),
        ("https://EXAMPLE.com", "example.COM", (), True),
        ("https://example.com:443", "example.com", (), True),
        ("http://localhost:8000", "localhost:8000", (), True),
        ("http://localhost:8001", "localhost:8000", (), False),
        ("http://localhost", "localhost:8000", (), False),
        ("https://example.com:8443", "example.com", (), False),
        ("https://evil.com", "example.com", (), False),
        ("https://example.com.evil.com", "example.com", "*", False),
        ("https://evil.com.example.com", "example.com", (), False),
        ("https://evil.com.example.com", "example.com", ["evil"], False),
        ("https://evil.com.example.com", "example.com", "*", True),
        ("https://api.example.com", "example.com", ["api"], True),
        ("https://api.example.com", "example.com", ["www"], False),
        ("https://notexample.com", "example.com", "*", False),
        ("https://example.com@evil.com", "example.com", (), False),
        ("https://user@example.com", "example.com", (), False),
        ("null", "example.com", (), False),
        ("", "example.com", (), False),
        ("https://example.com/path", "example.com", (), False),
        ("ftp://example.com", "example.com", (), False),
        ("https://bücher.example", "xn--bcher-kva.example", (), True),
        ("https://xn--bcher-kva.example", "bücher.example", (), True),
        ("https://[::1]:8000", "[::1]:8000", (), True),
        ("https://example.com", None, (), False),
        ("https://example.com\r\n", "example.com", (), False),
    ],
)
def test_is_allowed_origin(origin: str, host: str | None, subs: Any, allowed: bool) -> None:
    assert is_allowed_origin(origin, host, subs) is allowed


def test_set_session_needs_no_running_event_loop(auth: Auth) -> None:
    """Sync code (a Django sync view, say) can sign a user in."""
    from datetime import datetime, timezone

    from lucia_core import User

    later = datetime(2099, 1, 1, tzinfo=timezone.utc)
    session = Session(
        session_id="s" * 40,
        user=User(user_id="u"),
        active_period_expires_at=later,
        idle_period_expires_at=later,
        state="active",
        fresh=True,
    )
    response = Response()
    request(auth, response).set_session(session)
    assert [c.value for c in response.cookies] == ["s" * 40]
