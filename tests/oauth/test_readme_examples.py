"""The README's OAuth examples are files the tests run: GitHub (against GitHub's documented
answers, through a mock transport) and the generic OpenID provider with account linking
(against the local OpenID Provider)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from lucia_core import Auth
from lucia_core.middleware import starlette
from lucia_core.oauth import LinkingError

from .conftest import REDIRECT_URI, SECRET
from .servers import OidcServer, sign_in

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
GITHUB = json.loads((Path(__file__).parent / "documented" / "github.json").read_text())


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_the_readmes_github_example_is_examples_github_oauth() -> None:
    assert (ROOT / "examples" / "github_oauth.py").read_text() in python_blocks()


def test_the_readmes_oidc_example_is_examples_oidc_linking() -> None:
    assert (ROOT / "examples" / "oidc_linking.py").read_text() in python_blocks()


def test_the_github_example_is_about_twenty_five_lines() -> None:
    code = [line for line in (ROOT / "examples" / "github_oauth.py").read_text().splitlines() if line.strip()]
    assert len(code) <= 45  # imports included; the app itself is about 25


def github_answers(request: httpx.Request) -> httpx.Response:
    if request.url == GITHUB["token"]["url"]:
        return httpx.Response(200, json=GITHUB["token"]["response"])
    if request.url == GITHUB["api"][0]["url"]:
        return httpx.Response(200, json=GITHUB["api"][0]["response"])
    return httpx.Response(404)


async def test_the_github_example_signs_a_user_in(make_auth: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_CLIENT_ID", "Iv1.8a61f9b3a7aba766")
    monkeypatch.setenv("GITHUB_CLIENT_SECRET", "github-secret")
    auth: Auth = make_auth(middleware=starlette())
    http = httpx.AsyncClient(transport=httpx.MockTransport(github_answers))
    app = load("github_oauth").create_app(auth, http_client=http)
    with TestClient(app, base_url="http://testserver") as client:
        started = client.get("/login/github", follow_redirects=False)
        assert started.headers["location"].startswith("https://github.com/login/oauth/authorize?")
        state = httpx.URL(started.headers["location"]).params["state"]
        forged = client.get("/login/github/callback", params={"code": "c", "state": "forged"})
        assert forged.status_code == 400
        started = client.get("/login/github", follow_redirects=False)
        state = httpx.URL(started.headers["location"]).params["state"]
        done = client.get(
            "/login/github/callback", params={"code": "c", "state": state}, follow_redirects=False
        )
        assert done.status_code == 303
        session_id = client.cookies.get("auth_session")
        assert session_id
    session = await auth.validate_session(session_id)
    assert (await auth.get_key("github", "1")).user_id == session.user.user_id


async def test_the_oidc_example_links_by_verified_email_only(auth: Auth, oidc_server: OidcServer) -> None:
    example = load("oidc_linking")
    provider = example.openid_provider(auth, oidc_server.issuer, "lucia", SECRET, REDIRECT_URI)
    ada = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "ada", "password": "correct horse battery"},
        attributes={"username": "ada"},
    )
    emails = {"ada@example.test": ada.user_id, "unverified-ada@example.test": ada.user_id}

    async def find_user_id_by_email(email: str) -> str | None:
        return emails.get(email)

    async def callback(login: str) -> tuple[str, str]:
        url, verifier, _state = await provider.get_authorization_url()
        return (await sign_in(url, REDIRECT_URI, login=login))["code"], verifier

    code, verifier = await callback("ada")  # email verified by the provider: linked to ada
    assert (await example.sign_in(provider, code, verifier, find_user_id_by_email)).user_id == ada.user_id
    code, verifier = await callback("unverified-ada")  # same mailbox claimed, not verified: a new user
    stranger = await example.sign_in(provider, code, verifier, find_user_id_by_email)
    assert stranger.user_id != ada.user_id

    await example.remove_sign_in_method(auth, ada.user_id)  # ada keeps her password
    assert [key.provider_id for key in await auth.get_all_user_keys(ada.user_id)] == ["username"]
    code, verifier = await callback("ada")
    await example.link_to_signed_in_user(provider, code, verifier, ada.user_id)
    with pytest.raises(LinkingError):
        await example.remove_sign_in_method(auth, stranger.user_id)  # the stranger's only method
