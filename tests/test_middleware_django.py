"""The django() middleware and DjangoCookies on a real Django application (async views) over a real
SQLite database. The module is its own URLconf."""

# mypy: disable-error-code="import-untyped"
# (Django ships no type hints; with django-stubs installed this line changes nothing.)

from __future__ import annotations

import json
import pickle
from collections.abc import Callable, Iterator

import aiosqlite
import pytest

pytest.importorskip("django")

import django
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, JsonResponse
from django.test import AsyncClient, RequestFactory, override_settings
from django.urls import path

from lucia_core import Auth, LuciaError, Session
from lucia_core.expiration import now_ms
from lucia_core.frameworks.django import DjangoCookies, SerializedMorsel
from lucia_core.middleware import django as django_middleware

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="lucia-core tests",
        ALLOWED_HOSTS=["testserver", "example.com"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["lucia_core.frameworks.django.DjangoCookies"],
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    django.setup()

HOUR = 3_600_000
PASSWORD = "correct horse battery staple"
ORIGIN = "http://testserver"
# The Auth of the running test, read by the views.
CURRENT: dict[str, Auth] = {}


def user_of(session: Session | None) -> dict[str, str | None]:
    return {"user_id": session.user.user_id if session else None}


async def me(request: HttpRequest) -> HttpResponse:
    auth_request = CURRENT["auth"].handle_request(request)
    session = await auth_request.validate() or await auth_request.validate_bearer_token()
    return JsonResponse(user_of(session))


async def protected(request: HttpRequest) -> HttpResponse:
    session = await CURRENT["auth"].handle_request(request).validate()
    if session is None:
        raise PermissionDenied  # Django turns it into a 403 response: the cookie goes on that one
    return JsonResponse(user_of(session))


async def go_home(request: HttpRequest) -> HttpResponse:
    await CURRENT["auth"].handle_request(request).validate()
    return HttpResponseRedirect("/me")


async def sign_in(request: HttpRequest) -> HttpResponse:
    auth = CURRENT["auth"]
    form = json.loads(request.body)
    try:
        key = await auth.use_key("username", form["username"], form["password"])
    except LuciaError:
        return JsonResponse({"error": "invalid credentials"}, status=400)
    session = await auth.create_session(user_id=key.user_id, attributes={})
    auth.handle_request(request).set_session(session)
    return HttpResponseRedirect("/me")


async def explicit(request: HttpRequest) -> HttpResponse:
    # Without DjangoCookies: the response exists first, and handle_request writes on it.
    response = HttpResponseRedirect("/me")
    auth_request = CURRENT["auth"].handle_request(request, response)
    session = await auth_request.validate()
    auth_request.set_session(None)
    auth_request.set_session(session)  # replaces the cookie written just before
    return response


urlpatterns = [
    path("me", me),
    path("protected", protected),
    path("go-home", go_home),
    path("sign-in", sign_in),
    path("explicit", explicit),
]


@pytest.fixture
def auth(make_auth: Callable[..., Auth]) -> Iterator[Auth]:
    CURRENT["auth"] = make_auth(middleware=django_middleware())
    yield CURRENT["auth"]
    CURRENT.clear()


@pytest.fixture
async def session(auth: Auth) -> Session:
    key = {"provider_id": "username", "provider_user_id": "ada", "password": PASSWORD}
    user = await auth.create_user(key=key, attributes={"username": "ada"})
    return await auth.create_session(user_id=user.user_id, attributes={})


async def make_idle(connection: aiosqlite.Connection, session: Session) -> None:
    now = now_ms()
    await connection.execute(
        "UPDATE user_session SET active_expires = ?, idle_expires = ? WHERE id = ?",
        (now - HOUR, now + HOUR, session.session_id),
    )
    await connection.commit()


def set_cookie_headers(response: HttpResponseBase) -> list[str]:
    """The Set-Cookie values Django's handlers send for ``response``."""
    return [morsel.output(header="").strip() for morsel in response.cookies.values()]


def client_with(cookie: str) -> AsyncClient:
    client = AsyncClient()
    client.cookies["auth_session"] = cookie
    return client


async def test_a_renewed_session_sets_a_new_cookie(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    response = await client_with(session.session_id).get("/me")
    renewed = await auth.get_session(session.session_id)
    assert response.json() == user_of(session)
    assert set_cookie_headers(response) == [auth.create_session_cookie(renewed).serialize()]


async def test_an_invalid_cookie_is_cleared_even_on_a_403(auth: Auth) -> None:
    response = await client_with("nope").get("/protected")
    assert response.status_code == 403
    assert set_cookie_headers(response) == [auth.create_session_cookie(None).serialize()]


async def test_a_cross_origin_post_is_refused_and_the_cookie_kept(auth: Auth, session: Session) -> None:
    response = await client_with(session.session_id).post("/me", headers={"Origin": "http://evil.com"})
    assert response.json() == user_of(None)
    assert set_cookie_headers(response) == []


async def test_a_same_origin_post_passes(auth: Auth, session: Session) -> None:
    response = await client_with(session.session_id).post("/me", headers={"Origin": ORIGIN})
    assert response.json() == user_of(session)


HANDSHAKE = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"}


@pytest.mark.parametrize("origin", ["http://evil.com", "http://evil.testserver", None])
async def test_a_cross_site_websocket_handshake_is_not_authenticated(
    auth: Auth, session: Session, origin: str | None
) -> None:
    # Django (ASGI or WSGI) sees a handshake as a GET with Upgrade: websocket, checked like a POST.
    headers = HANDSHAKE if origin is None else {**HANDSHAKE, "Origin": origin}
    response = await client_with(session.session_id).get("/me", headers=headers)
    assert response.json() == user_of(None)
    assert set_cookie_headers(response) == []


async def test_a_same_origin_websocket_handshake_is_authenticated(auth: Auth, session: Session) -> None:
    response = await client_with(session.session_id).get("/me", headers={**HANDSHAKE, "Origin": ORIGIN})
    assert response.json() == user_of(session)


async def test_a_bearer_token_works(auth: Auth, session: Session) -> None:
    response = await AsyncClient().post("/me", headers={"Authorization": f"Bearer {session.session_id}"})
    assert response.json() == user_of(session)
    assert set_cookie_headers(response) == []


async def test_the_cookie_lands_on_a_redirect(
    auth: Auth, session: Session, connection: aiosqlite.Connection
) -> None:
    await make_idle(connection, session)
    response = await client_with(session.session_id).get("/go-home")
    assert response.status_code == 302
    renewed = await auth.get_session(session.session_id)
    assert set_cookie_headers(response) == [auth.create_session_cookie(renewed).serialize()]


async def test_set_session_on_sign_in_sets_the_cookie(auth: Auth, session: Session) -> None:
    client = AsyncClient()
    body = {"username": "ada", "password": PASSWORD}
    response = await client.post(
        "/sign-in", body, content_type="application/json", headers={"Origin": ORIGIN}
    )
    assert response.status_code == 302
    signed_in = await auth.get_session(response.cookies["auth_session"].value)
    assert set_cookie_headers(response) == [auth.create_session_cookie(signed_in).serialize()]
    assert signed_in.user.user_id == session.user.user_id
    assert (await client.get("/me")).json() == user_of(signed_in)  # the test client sends it back


async def test_the_exact_header_goes_out_over_asgi(auth: Auth, session: Session) -> None:
    httpx = pytest.importorskip("httpx")
    transport = httpx.ASGITransport(app=ASGIHandler())
    async with httpx.AsyncClient(transport=transport, base_url="http://example.com") as http:
        response = await http.get("/me", headers={"Cookie": "auth_session=nope"})
    assert response.json() == user_of(None)
    assert response.headers.get_list("set-cookie") == [auth.create_session_cookie(None).serialize()]


async def test_with_an_explicit_response_no_middleware_is_needed(auth: Auth, session: Session) -> None:
    with override_settings(MIDDLEWARE=[]):
        response = await client_with(session.session_id).post("/explicit", headers={"Origin": ORIGIN})
        assert response.status_code == 302
        assert set_cookie_headers(response) == [auth.create_session_cookie(session).serialize()]
        with pytest.raises(RuntimeError, match="DjangoCookies"):
            await AsyncClient().get("/me")


def test_the_middleware_serves_a_sync_stack_too(auth: Auth) -> None:
    cookie = auth.create_session_cookie(None)

    def view(request: HttpRequest) -> HttpResponse:
        context = auth.handle_request(request).context
        assert context.set_cookie is not None
        context.set_cookie(cookie)  # what AuthRequest does when it clears or renews a cookie
        return HttpResponse()

    response = DjangoCookies(view)(RequestFactory().get("/"))
    assert set_cookie_headers(response) == [cookie.serialize()]


def test_handle_request_checks_its_arguments(auth: Auth) -> None:
    request = RequestFactory().get("/a?b=1", headers={"Cookie": "x=1", "Origin": ORIGIN})
    with pytest.raises(TypeError, match="django"):
        auth.handle_request({"method": "GET"})
    with pytest.raises(TypeError, match="HttpResponse"):
        auth.handle_request(request, "not a response")
    context = auth.handle_request(request, HttpResponse()).context
    assert (context.method, context.url) == ("GET", "http://testserver/a?b=1")
    assert context.header("cookie") == "x=1"
    assert context.header("origin") == ORIGIN


def test_a_serialized_morsel_survives_pickling(auth: Auth) -> None:
    morsel = SerializedMorsel(auth.create_session_cookie(None))
    copy = pickle.loads(pickle.dumps(morsel))
    assert copy.output(header="").strip() == auth.create_session_cookie(None).serialize()
    assert (copy.key, copy.value) == ("auth_session", "")


async def test_a_serialized_morsel_prints_its_value_masked(auth: Auth, session: Session) -> None:
    morsel = SerializedMorsel(auth.create_session_cookie(session))
    assert session.session_id not in repr(morsel)
    assert session.session_id not in str([morsel])
