"""Issue 9's core items: cookie tossing, WebSocket handshakes in the shared CSRF check, the request
URL's host as the last CSRF fallback, fresh=False on creation, credentials masked in reprs."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from lucia_core import Auth, Cookie, LuciaError, RequestContext, Session
from lucia_core.request import MAX_SESSION_COOKIES

from .conftest import RecordingAdapter


@pytest.fixture
async def session(auth: Auth) -> Session:
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    return await auth.create_session(user_id=user.user_id, attributes={})


def context(cookies: list[Cookie], **fields: Any) -> RequestContext:
    fields.setdefault("method", "GET")
    fields.setdefault("url", "http://example.com/")
    fields.setdefault("headers", {"Host": "example.com"})
    return RequestContext(set_cookie=cookies.append, **fields)


# ----------------------------------------------------------------- cookie tossing


async def test_a_tossed_cookie_before_the_users_own_does_not_sign_the_user_out(
    auth: Auth, session: Session
) -> None:
    # A sibling subdomain set auth_session=bogus for the parent domain: browsers send it first.
    cookies: list[Cookie] = []
    header = f"auth_session=bogus; auth_session={session.session_id}"
    validated = await auth.handle_request(context(cookies, headers={"Cookie": header})).validate()
    assert validated is not None
    assert validated.session_id == session.session_id
    assert cookies == []  # no clearing cookie: it would delete the user's own, valid cookie


async def test_several_invalid_session_cookies_send_no_clearing_cookie(auth: Auth) -> None:
    cookies: list[Cookie] = []
    header = "auth_session=bogus; auth_session=also-bogus"
    assert await auth.handle_request(context(cookies, headers={"Cookie": header})).validate() is None
    assert cookies == []


async def test_one_invalid_session_cookie_is_still_cleared(auth: Auth) -> None:
    cookies: list[Cookie] = []
    assert (
        await auth.handle_request(context(cookies, headers={"Cookie": "auth_session=bogus"})).validate()
        is None
    )
    assert [cookie.value for cookie in cookies] == [""]


async def test_the_first_valid_cookie_wins_and_only_a_few_are_tried(
    auth: Auth, session: Session, adapter: RecordingAdapter
) -> None:
    tossed = "; ".join(f"auth_session=bogus{n}" for n in range(50))
    adapter.calls.clear()
    header = f"{tossed}; auth_session={session.session_id}"
    assert await auth.handle_request(context([], headers={"Cookie": header})).validate() is None
    assert len(adapter.calls) == MAX_SESSION_COOKIES  # a flood of cookies costs a bounded number of reads


async def test_repeated_cookie_headers_are_all_read(auth: Auth, session: Session) -> None:
    # Frameworks join repeated Cookie headers with "; " (HTTP/2 splits them).
    header = f"other=1; auth_session=bogus; auth_session={session.session_id}; more=2"
    validated = await auth.handle_request(context([], headers={"cookie": header})).validate()
    assert validated is not None


# ----------------------------------------------------------------- WebSocket handshakes


@pytest.mark.parametrize(
    "fields",
    [
        {"websocket": True},
        {"headers": {"Host": "example.com", "Upgrade": "websocket", "Origin": "https://evil.com"}},
        {"headers": {"Host": "example.com", "Upgrade": "WebSocket"}},
        {"headers": {"Host": "example.com", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}},
        {"method": "CONNECT", "headers": {"Host": "example.com"}},  # RFC 8441 (HTTP/2) handshakes
    ],
)
async def test_a_websocket_handshake_is_origin_checked_like_a_post(
    auth: Auth, fields: dict[str, Any]
) -> None:
    with pytest.raises(LuciaError) as info:
        auth.validate_request_origin(context([], **fields))
    assert info.value.code == "AUTH_INVALID_REQUEST"


async def test_a_same_origin_websocket_handshake_passes(auth: Auth, session: Session) -> None:
    headers = {
        "Host": "example.com",
        "Origin": "http://example.com",
        "Upgrade": "websocket",
        "Cookie": f"auth_session={session.session_id}",
    }
    auth.validate_request_origin(context([], headers=headers))
    assert await auth.handle_request(context([], headers=headers)).validate() is not None


async def test_a_cross_site_websocket_handshake_ignores_the_cookie(auth: Auth, session: Session) -> None:
    cookies: list[Cookie] = []
    headers = {
        "Host": "example.com",
        "Origin": "https://evil.com",
        "Cookie": f"auth_session={session.session_id}",
    }
    request = auth.handle_request(context(cookies, headers=headers, websocket=True))
    assert await request.validate() is None
    assert cookies == []


def test_plain_gets_need_no_origin(auth: Auth) -> None:
    auth.validate_request_origin(context([], headers={"Host": "example.com", "Upgrade": "h2c"}))


# ----------------------------------------------------------------- Lucia v2: the URL's host, fresh


def test_without_a_host_header_the_origin_is_compared_with_the_urls_host(auth: Auth) -> None:
    ok = RequestContext(
        method="POST", url="https://example.com:8443/x", headers={"Origin": "https://example.com:8443"}
    )
    auth.validate_request_origin(ok)
    for origin in ("https://evil.com", "https://example.com"):
        with pytest.raises(LuciaError):
            auth.validate_request_origin(
                RequestContext(method="POST", url="https://example.com:8443/x", headers={"Origin": origin})
            )


def test_the_host_header_wins_over_the_url(auth: Auth) -> None:
    request = RequestContext(
        method="POST",
        url="http://internal:8000/",
        headers={"Host": "example.com", "Origin": "http://internal:8000"},
    )
    with pytest.raises(LuciaError):
        auth.validate_request_origin(request)


def test_without_host_header_or_url_a_post_is_refused(auth: Auth) -> None:
    with pytest.raises(LuciaError):
        auth.validate_request_origin(RequestContext(method="POST", headers={"Origin": "https://example.com"}))


async def test_create_session_returns_fresh_false_as_lucia_v2(auth: Auth, session: Session) -> None:
    assert session.fresh is False
    assert (await auth.validate_session(session.session_id)).fresh is False


# ----------------------------------------------------------------- credentials masked


async def test_request_context_repr_masks_cookie_authorization_and_query(
    auth: Auth, session: Session
) -> None:
    secret = session.session_id
    request = RequestContext(
        method="GET",
        url=f"http://example.com/reset?token={secret}",
        headers={
            "Cookie": f"auth_session={secret}",
            "Authorization": f"Bearer {secret}",
            "Proxy-Authorization": secret,
        },
    )
    auth_request = auth.handle_request(request)
    for printed in (
        repr(request),
        str(request),
        repr(request.headers),
        str(request.headers),
        repr(auth_request),
        repr(auth_request.context),
    ):
        assert secret not in printed
        assert secret[:20] not in printed
    assert "example.com/reset" in repr(request)


async def test_values_holding_credentials_never_print_them(auth: Auth, session: Session) -> None:
    secret = session.session_id
    for value in (session, auth.create_session_cookie(session)):
        assert secret not in repr(value)
        assert secret not in str(value)


async def test_debug_logs_mask_session_ids(make_auth: Any, caplog: pytest.LogCaptureFixture) -> None:
    auth = make_auth(experimental={"debug_mode": True})
    caplog.set_level(logging.DEBUG, logger="lucia")
    user = await auth.create_user(key=None, attributes={})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    await auth.validate_session(session.session_id)
    await auth.handle_request(
        RequestContext(method="GET", headers={"Cookie": f"auth_session={session.session_id}x"})
    ).validate()
    assert caplog.records
    assert session.session_id[:10] not in caplog.text
