"""The state (and PKCE verifier) cookies of a sign-in: their attributes, the constant-time check
of the callback's state, their clearing, and their use in every supported framework."""

# mypy: disable-error-code="import-untyped"
# (Django ships no type hints.)

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar, Request, get
from litestar.response import Redirect
from litestar.response import Response as LitestarResponse

from lucia_core import Auth
from lucia_core.cookie import parse_cookie
from lucia_core.oauth import OAuthStateError, oauth_state_cookies

STATE = "s" * 43
VERIFIER = "v" * 96


def header_of(cookies: list[Any]) -> str:
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in cookies)


def test_the_cookies_are_httponly_lax_on_the_whole_site_and_live_ten_minutes(auth: Auth) -> None:
    cookies = oauth_state_cookies(auth, "github").create(STATE, VERIFIER)
    assert [cookie.name for cookie in cookies] == ["github_oauth_state", "github_oauth_code_verifier"]
    for cookie in cookies:
        header = cookie.serialize()
        assert "HttpOnly" in header
        assert "SameSite=Lax" in header
        assert "Path=/" in header
        assert "Max-Age=600" in header
        assert "Secure" not in header


def test_the_cookies_are_secure_in_prod(make_auth: Callable[..., Auth]) -> None:
    for cookie in oauth_state_cookies(make_auth(env="PROD")).create(STATE, VERIFIER):
        assert "; Secure" in cookie.serialize()


def test_in_prod_the_cookies_are_host_only_prefixed(make_auth: Callable[..., Auth]) -> None:
    state_cookies = oauth_state_cookies(make_auth(env="PROD"), "github")
    cookies = state_cookies.create(STATE, VERIFIER)
    assert [cookie.name for cookie in cookies] == [
        "__Host-github_oauth_state",
        "__Host-github_oauth_code_verifier",
    ]
    assert state_cookies.validate(header_of(cookies), STATE).code_verifier == VERIFIER
    deeper = oauth_state_cookies(make_auth(env="PROD"), "github", path="/auth")
    assert deeper.create(STATE)[0].name == "__Secure-github_oauth_state"


def test_in_prod_a_state_cookie_tossed_by_a_sibling_subdomain_is_not_read(
    make_auth: Callable[..., Auth],
) -> None:
    # evil.example.com set github_oauth_state for the parent domain, then sends the user to the
    # callback with the attacker's own code and state (login CSRF): a __Host- name cannot be set
    # by another host, and a cookie without the prefix is not the state cookie.
    state_cookies = oauth_state_cookies(make_auth(env="PROD"), "github")
    with pytest.raises(OAuthStateError):
        state_cookies.validate(f"github_oauth_state={STATE}", STATE)


def test_the_max_age_is_configurable(auth: Auth) -> None:
    cookies = oauth_state_cookies(auth, max_age=timedelta(minutes=3)).create(STATE)
    assert len(cookies) == 1
    assert "Max-Age=180" in cookies[0].serialize()


def test_the_matching_state_gives_the_stored_verifier(auth: Auth) -> None:
    state_cookies = oauth_state_cookies(auth, "oidc")
    callback = state_cookies.validate(header_of(state_cookies.create(STATE, VERIFIER)), STATE)
    assert callback.code_verifier == VERIFIER


@pytest.mark.parametrize(
    ("cookie_header", "state"),
    [
        (f"oidc_oauth_state={STATE}", "t" * 43),  # a forged state
        (f"oidc_oauth_state={STATE}", None),  # none in the callback
        (f"oidc_oauth_state={STATE}", ""),
        ("", STATE),  # no cookie (expired, or another browser)
        (None, STATE),
        (f"other_oauth_state={STATE}", STATE),  # another provider's cookie
        (f"oidc_oauth_state={STATE}", STATE + "x"),
        (f"oidc_oauth_state={STATE}", "\u017f" * 43),
    ],
)
def test_a_missing_or_different_state_is_refused(
    auth: Auth, cookie_header: str | None, state: str | None
) -> None:
    with pytest.raises(OAuthStateError, match="OAUTH_INVALID_STATE"):
        oauth_state_cookies(auth, "oidc").validate(cookie_header, state)


def test_the_comparison_is_constant_time(auth: Auth, monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return bool(real(a, b))

    monkeypatch.setattr("lucia_core.oauth.state.hmac.compare_digest", spy)
    with pytest.raises(OAuthStateError):
        oauth_state_cookies(auth, "oidc").validate(f"oidc_oauth_state={STATE}", "t" * 43)
    assert compared == [(STATE.encode(), b"t" * 43)]


def test_clear_expires_both_cookies(auth: Auth) -> None:
    for cookie in oauth_state_cookies(auth, "oidc").clear():
        header = cookie.serialize()
        assert cookie.value == ""
        assert "Max-Age=0" in header
        assert "Expires=Thu, 01 Jan 1970" in header


@pytest.mark.parametrize("provider_id", ["", "a b", "x;y", "é", "a" * 65])
def test_a_provider_id_that_cannot_name_a_cookie_is_a_value_error(auth: Auth, provider_id: str) -> None:
    with pytest.raises(ValueError, match="provider_id"):
        oauth_state_cookies(auth, provider_id)


# ------------------------------------------------------------- in every framework
#
# Each app has /login (start: set the cookies on the redirect) and /callback (finish: check the
# state, clear the cookies, show the verifier), written with the framework's own objects.


async def test_starlette(auth: Auth) -> None:
    from starlette.applications import Starlette
    from starlette.requests import Request as StarletteRequest
    from starlette.responses import PlainTextResponse, RedirectResponse, Response
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from lucia_core.middleware import starlette

    auth = Auth(adapter=auth.adapter, middleware=starlette())
    state_cookies = oauth_state_cookies(auth, "oidc")

    async def login(request: StarletteRequest) -> Response:
        response = RedirectResponse("https://idp.example/authorize", status_code=302)
        state_cookies.start(auth.handle_request(request, response), STATE, VERIFIER)
        return response

    async def callback(request: StarletteRequest) -> Response:
        response = PlainTextResponse()
        try:
            result = state_cookies.finish(
                auth.handle_request(request, response), request.query_params.get("state")
            )
        except OAuthStateError:
            response.status_code = 400
            response.body = b"forged"
            response.headers["content-length"] = "6"
            return response
        response.body = (result.code_verifier or "").encode()
        response.headers["content-length"] = str(len(response.body))
        return response

    app = Starlette(routes=[Route("/login", login), Route("/callback", callback)])
    with TestClient(app, base_url="http://testserver") as client:
        run_flow(client)


def run_flow(client: Any) -> None:
    """The same browser: sign-in starts, a forged callback is refused, then the real one passes."""
    started = client.get("/login", follow_redirects=False)
    assert started.status_code == 302
    set_cookies = started.headers.get_list("set-cookie")
    assert {parse_cookie(header.split(";")[0]).popitem() for header in set_cookies} == {
        ("oidc_oauth_state", STATE),
        ("oidc_oauth_code_verifier", VERIFIER),
    }
    cookie = f"oidc_oauth_state={STATE}; oidc_oauth_code_verifier={VERIFIER}"
    forged = client.get("/callback", params={"state": "forged"}, headers={"cookie": cookie})
    assert forged.status_code == 400
    good = client.get("/callback", params={"state": STATE}, headers={"cookie": cookie})
    assert good.status_code == 200
    assert good.text == VERIFIER
    cleared = good.headers.get_list("set-cookie")
    assert len(cleared) == 2
    assert all("Max-Age=0" in header for header in cleared)


# Litestar reads the handlers' annotations at run time: they live at module level.
LITESTAR: dict[str, Any] = {}


@get("/login")
async def litestar_login(request: Request[Any, Any, Any]) -> Redirect:
    response = Redirect("https://idp.example/authorize", status_code=302)
    LITESTAR["cookies"].start(LITESTAR["auth"].handle_request(request, response), STATE, VERIFIER)
    return response


@get("/callback")
async def litestar_callback(request: Request[Any, Any, Any]) -> LitestarResponse[str]:
    response: LitestarResponse[str] = LitestarResponse("", media_type="text/plain")
    try:
        state = request.query_params.get("state")  # "state" is a reserved parameter name in Litestar
        result = LITESTAR["cookies"].finish(LITESTAR["auth"].handle_request(request, response), state)
    except OAuthStateError:
        response.status_code = 400
        response.content = "forged"
        return response
    response.content = result.code_verifier or ""
    return response


async def test_litestar(auth: Auth) -> None:
    from litestar.testing import TestClient

    from lucia_core.middleware import litestar

    LITESTAR["auth"] = Auth(adapter=auth.adapter, middleware=litestar())
    LITESTAR["cookies"] = oauth_state_cookies(LITESTAR["auth"], "oidc")
    with TestClient(
        Litestar([litestar_login, litestar_callback]), base_url="http://testserver.local"
    ) as client:
        run_flow(client)


async def test_aiohttp(auth: Auth) -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestClient as AiohttpClient
    from aiohttp.test_utils import TestServer

    from lucia_core.middleware import aiohttp

    auth = Auth(adapter=auth.adapter, middleware=aiohttp())
    state_cookies = oauth_state_cookies(auth, "oidc")

    async def login(request: web.Request) -> web.StreamResponse:
        response = web.Response(status=302, headers={"Location": "https://idp.example/authorize"})
        state_cookies.start(auth.handle_request(request, response), STATE, VERIFIER)
        return response

    async def callback(request: web.Request) -> web.StreamResponse:
        response = web.Response(text="")
        try:
            result = state_cookies.finish(auth.handle_request(request, response), request.query.get("state"))
        except OAuthStateError:
            response.set_status(400)
            response.text = "forged"
            return response
        response.text = result.code_verifier or ""
        return response

    app = web.Application()
    app.add_routes([web.get("/login", login), web.get("/callback", callback)])
    async with AiohttpClient(TestServer(app)) as client:
        started = await client.get("/login", allow_redirects=False)
        assert started.status == 302
        assert sorted(started.cookies) == ["oidc_oauth_code_verifier", "oidc_oauth_state"]
        assert "HttpOnly" in started.headers.getall("set-cookie")[0]
        client.session.cookie_jar.clear()
        cookie = f"oidc_oauth_state={STATE}; oidc_oauth_code_verifier={VERIFIER}"
        forged = await client.get("/callback", params={"state": "forged"}, headers={"cookie": cookie})
        assert forged.status == 400
        good = await client.get("/callback", params={"state": STATE}, headers={"cookie": cookie})
        assert good.status == 200
        assert await good.text() == VERIFIER
        assert all("Max-Age=0" in header for header in good.headers.getall("set-cookie"))


async def test_django(auth: Auth) -> None:
    django = pytest.importorskip("django")
    from django.conf import settings

    if not settings.configured:
        settings.configure(SECRET_KEY="lucia-core tests", ALLOWED_HOSTS=["testserver"], USE_TZ=True)
        django.setup()
    from django.http import HttpResponse, HttpResponseRedirect
    from django.test import RequestFactory

    from lucia_core.middleware import django as django_middleware

    auth = Auth(adapter=auth.adapter, middleware=django_middleware())
    state_cookies = oauth_state_cookies(auth, "oidc")
    factory = RequestFactory()

    response = HttpResponseRedirect("https://idp.example/authorize")
    state_cookies.start(auth.handle_request(factory.get("/login"), response), STATE, VERIFIER)
    headers = response.cookies.output()
    assert f"oidc_oauth_state={STATE}" in headers
    assert f"oidc_oauth_code_verifier={VERIFIER}" in headers
    assert "HttpOnly" in headers
    assert "SameSite=Lax" in headers

    cookie = f"oidc_oauth_state={STATE}; oidc_oauth_code_verifier={VERIFIER}"
    forged = HttpResponse()
    with pytest.raises(OAuthStateError):
        state_cookies.finish(
            auth.handle_request(factory.get("/callback", HTTP_COOKIE=cookie), forged), "forged"
        )
    assert forged.cookies.output().count("Max-Age=0") == 2
    good = HttpResponse()
    result = state_cookies.finish(
        auth.handle_request(factory.get("/callback", HTTP_COOKIE=cookie), good), STATE
    )
    assert result.code_verifier == VERIFIER
    assert good.cookies.output().count("Max-Age=0") == 2
