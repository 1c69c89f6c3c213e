"""The demo's OpenID sign-in without a browser: httpx on the demo's ASGI app, the real local
OpenID Provider for the sign-in (the browser test, tests/e2e/test_oauth_browser.py, shows the
pages). Covers what the browser test does not: no OAuth unless configured, the last sign-in
method kept, a provider account that belongs to another user, a refused code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from lucia_demo import Storage, create_app, open_storage

from ..conftest import FAST_HASHER
from .conftest import SECRET
from .servers import OidcServer, sign_in

ORIGIN = "http://demo.test"
CALLBACK = f"{ORIGIN}/login/oidc/callback"


@pytest.fixture(scope="module")
def provider() -> Iterator[OidcServer]:
    server = OidcServer(
        {
            "clients": [
                {
                    "client_id": "lucia-demo",
                    "client_secret": SECRET,
                    "redirect_uris": [CALLBACK],
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                }
            ]
        }
    )
    yield server
    server.stop()


@pytest.fixture
async def storage(tmp_path: Path) -> AsyncIterator[Storage]:
    opened = await open_storage(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    yield opened
    await opened.aclose()


@pytest.fixture
def app(storage: Storage, provider: OidcServer, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setenv("LUCIA_DEMO_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("LUCIA_DEMO_OIDC_CLIENT_ID", "lucia-demo")
    monkeypatch.setenv("LUCIA_DEMO_OIDC_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("LUCIA_DEMO_OIDC_NAME", "Test OpenID")
    return create_app(storage, password_hash=FAST_HASHER)


def browser(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)


async def through_the_provider(client: httpx.AsyncClient, start: str, login: str) -> httpx.Response:
    """Start at ``start``, sign in at the provider as ``login``, come back to the demo's callback."""
    started = await client.get(start)
    assert started.status_code == 303
    callback = await sign_in(started.headers["location"], CALLBACK, login=login)
    return await client.get("/login/oidc/callback", params=callback)


async def test_without_configuration_the_demo_has_no_oauth(storage: Storage) -> None:
    async with browser(create_app(storage, password_hash=FAST_HASHER)) as client:
        assert (await client.get("/login/oidc")).status_code == 404
        assert "Sign in with" not in (await client.get("/login")).text


async def test_the_login_page_offers_the_provider(app: FastAPI) -> None:
    async with browser(app) as client:
        assert "Sign in with Test OpenID" in (await client.get("/login")).text


async def test_the_only_sign_in_method_cannot_be_unlinked(app: FastAPI) -> None:
    async with browser(app) as client:
        signed_up = await through_the_provider(client, "/login/oidc", "only-method")
        assert signed_up.headers["location"] == "/profile?notice=welcome"
        profile = await client.get("/profile")
        assert "cannot be unlinked" in profile.text
        refused = await client.post("/account/oidc/unlink", headers={"Origin": ORIGIN})
        assert refused.status_code == 409
        assert "only way to sign in" in refused.text


async def test_unlink_from_another_site_is_refused(app: FastAPI) -> None:
    async with browser(app) as client:
        await through_the_provider(client, "/login/oidc", "cross-site")
        refused = await client.post("/account/oidc/unlink", headers={"Origin": "https://evil.example"})
        assert refused.status_code == 403


async def test_a_provider_account_of_another_user_is_not_linked(app: FastAPI) -> None:
    async with browser(app) as first:
        await through_the_provider(first, "/login/oidc", "taken")
    async with browser(app) as second:
        await second.post(
            "/signup",
            data={"username": "second", "email": "second@example.com", "password": "correct horse battery"},
            headers={"Origin": ORIGIN},
        )
        refused = await through_the_provider(second, "/account/oidc/link", "taken")
        assert refused.status_code == 409
        assert "signs in to another account" in refused.text


async def test_a_refused_code_shows_a_page_not_a_traceback(app: FastAPI) -> None:
    async with browser(app) as client:
        started = await client.get("/login/oidc")
        state = httpx.URL(started.headers["location"]).params["state"]
        refused = await client.get("/login/oidc/callback", params={"code": "made-up", "state": state})
        assert refused.status_code == 400
        assert "refused this sign-in" in refused.text
        assert "Traceback" not in refused.text
