"""Issue 9's core items: cookie tossing, WebSocket handshakes in the shared CSRF check, the request
URL's host as the last CSRF fallback, fresh=False on creation, credentials masked in reprs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Auth, Cookie, LuciaError, RequestContext, Session, lucia
from lucia_core.request import MAX_SESSION_COOKIES

from .conftest import FAST_HASHER, SCHEMA, RecordingAdapter


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
    tossed = [f"auth_session=bogus{n}" for n in range(50)]
    adapter.calls.clear()
    header = "; ".join([*tossed[:25], f"auth_session={session.session_id}", *tossed[25:]])
    assert await auth.handle_request(context([], headers={"Cookie": header})).validate() is None
    assert len(adapter.calls) == MAX_SESSION_COOKIES  # a flood of cookies costs a bounded number of reads


@pytest.mark.parametrize("after", [0, 1])
async def test_cookies_tossed_for_deeper_paths_do_not_sign_the_user_out(
    auth: Auth, session: Session, after: int
) -> None:
    # Browsers send longer paths first: a sibling subdomain that set auth_session for /account,
    # /account/, /account/settings and /account/settings/ puts four cookies before the user's own
    # (Path=/), and its Path=/ cookie, set after the user signed in, comes after it.
    deeper = [f"auth_session=tossed{n}" for n in range(6)]
    later = ["auth_session=tossed-later"] * after
    header = "; ".join([*deeper, f"auth_session={session.session_id}", *later])
    cookies: list[Cookie] = []
    validated = await auth.handle_request(context(cookies, headers={"Cookie": header})).validate()
    assert validated is not None
    assert validated.session_id == session.session_id
    assert cookies == []


async def test_empty_and_repeated_session_cookies_take_no_lookup(
    auth: Auth, session: Session, adapter: RecordingAdapter
) -> None:
    header = "; ".join(["auth_session=", "auth_session=bogus"] * 5 + [f"auth_session={session.session_id}"])
    adapter.calls.clear()
    validated = await auth.handle_request(context([], headers={"Cookie": header})).validate()
    assert validated is not None
    assert len(adapter.calls) == 2  # "bogus" once, then the user's own


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


# ----------------------------------------------------------------- a store that ignores case


@pytest.mark.parametrize(
    ("collation", "spelling"), [("NOCASE", str.upper), ("NOCASE", str.title), ("RTRIM", "{} ".format)]
)
async def test_only_the_exact_session_id_validates_on_a_store_that_ignores_case(
    tmp_path: Path, collation: str, spelling: Callable[[str], str]
) -> None:
    # A schema of the application's own, its ids declared COLLATE NOCASE (or RTRIM, which ignores
    # trailing spaces, as MySQL's PAD SPACE collations do): the store finds the session for another
    # spelling of its id.
    table = "id TEXT NOT NULL PRIMARY KEY,\n    user_id"
    assert table in SCHEMA
    schema = SCHEMA.replace(table, table.replace("KEY,", f"KEY COLLATE {collation},"))
    async with aiosqlite.connect(tmp_path / "ignores-case.db") as connection:
        await connection.executescript(schema)
        auth = lucia(adapter=sqlite_adapter(connection), password_hash=FAST_HASHER)
        user = await auth.create_user(key=None, attributes={})
        session = await auth.create_session(user_id=user.user_id, attributes={})
        assert (await auth.validate_session(session.session_id)).session_id == session.session_id
        other = spelling(session.session_id)
        assert other != session.session_id
        with pytest.raises(LuciaError, match="AUTH_INVALID_SESSION_ID"):
            await auth.validate_session(other)
        with pytest.raises(LuciaError, match="AUTH_INVALID_SESSION_ID"):
            await auth.get_session(other)
