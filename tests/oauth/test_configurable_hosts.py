"""Providers whose host is configurable (auth0 ``app_domain``, gitlab ``server_url``, cognito
``user_pool_domain``, azure_ad ``authority``/``graph_url``), each against a real OpenID Provider
(npm oidc-provider on 127.0.0.1) serving that provider's paths, PKCE required."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lucia_core import Auth
from lucia_core.oauth import OAuthRequestError
from lucia_core.oauth.id_token import JwksCache
from lucia_core.oauth.providers import auth0, azure_ad, cognito, gitlab

from .conftest import REDIRECT_URI, SECRET, client
from .servers import OidcServer, sign_in

TENANT = "11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def auth0_server() -> Iterator[OidcServer]:
    """Auth0's paths: /authorize, /oauth/token, /userinfo, /.well-known/jwks.json; issuer with a
    trailing slash (subjects like ``auth0|<id>`` come from logins of that form)."""
    server = OidcServer(
        {
            "issuerPath": "/",
            "routes": {
                "authorization": "/authorize",
                "token": "/oauth/token",
                "userinfo": "/userinfo",
                "jwks": "/.well-known/jwks.json",
            },
            "clients": [client("auth0-app", "client_secret_post")],
        }
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def gitlab_server() -> Iterator[OidcServer]:
    """GitLab's paths: /oauth/authorize, /oauth/token, /api/v4/user, /oauth/discovery/keys."""
    server = OidcServer(
        {
            "routes": {
                "authorization": "/oauth/authorize",
                "token": "/oauth/token",
                "userinfo": "/api/v4/user",
                "jwks": "/oauth/discovery/keys",
            },
            "scopes": ["read_user"],
            "claims": {"read_user": ["id", "username", "name", "email"]},
            "clients": [client("gitlab-app", "client_secret_post")],
        }
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def cognito_server() -> Iterator[OidcServer]:
    """A Cognito user pool domain's paths: /oauth2/authorize, /oauth2/token; the pool's keys at
    /.well-known/jwks.json; ``cognito:username`` in the id_token."""
    server = OidcServer(
        {
            "routes": {
                "authorization": "/oauth2/authorize",
                "token": "/oauth2/token",
                "userinfo": "/oauth2/userInfo",
                "jwks": "/.well-known/jwks.json",
            },
            "claims": {"openid": ["sub", "cognito:username"]},
            "clients": [client("cognito-app", "client_secret_post")],
        }
    )
    yield server
    server.stop()


@pytest.fixture(scope="module")
def azure_server() -> Iterator[OidcServer]:
    """Entra ID's v2.0 paths for one tenant, and Graph's /oidc/userinfo on the same origin."""
    server = OidcServer(
        {
            "issuerPath": f"/{TENANT}/v2.0",
            "routes": {
                "authorization": f"/{TENANT}/oauth2/v2.0/authorize",
                "token": f"/{TENANT}/oauth2/v2.0/token",
                "jwks": f"/{TENANT}/discovery/v2.0/keys",
                "userinfo": "/oidc/userinfo",
            },
            "clients": [client("azure-app", "client_secret_post")],
        }
    )
    yield server
    server.stop()


async def flow(provider: Any, login: str) -> Any:
    url, verifier, state = await provider.get_authorization_url()
    callback = await sign_in(url, REDIRECT_URI, login=login)
    assert callback["state"] == state
    return await provider.validate_callback(callback["code"], verifier)


def options(http: httpx.AsyncClient, client_id: str) -> dict[str, Any]:
    return {
        "client_id": client_id,
        "client_secret": SECRET,
        "redirect_uri": REDIRECT_URI,
        "http_client": http,
        "jwks_cache": JwksCache(),
    }


async def test_auth0_against_a_local_app_domain(
    auth: Auth, auth0_server: OidcServer, http: httpx.AsyncClient
) -> None:
    provider = auth0(auth, app_domain=auth0_server.origin, scope=["email"], **options(http, "auth0-app"))
    url, _verifier, _state = await provider.get_authorization_url()
    assert url.startswith(f"{auth0_server.origin}/authorize?")
    user_auth = await flow(provider, "auth0|ada")
    assert user_auth.provider_id == "auth0"
    assert user_auth.provider_user_id == "ada"
    assert user_auth.auth0_user["sub"] == "auth0|ada"
    assert user_auth.auth0_user["id"] == "ada"
    assert user_auth.auth0_tokens.id_token
    assert user_auth.verified_email() == "ada@example.test"


async def test_gitlab_against_a_local_server_url(
    auth: Auth, gitlab_server: OidcServer, http: httpx.AsyncClient
) -> None:
    provider = gitlab(auth, server_url=gitlab_server.origin, scope=["openid"], **options(http, "gitlab-app"))
    user_auth = await flow(provider, "grace")
    assert user_auth.provider_id == "gitlab"
    assert user_auth.gitlab_user["username"] == "grace"
    assert user_auth.provider_user_id == str(user_auth.gitlab_user["id"])
    assert isinstance(user_auth.gitlab_user["id"], int)
    assert user_auth.gitlab_tokens.id_token  # verified against /oauth/discovery/keys


async def test_gitlab_refuses_an_id_token_of_another_server(
    auth: Auth, gitlab_server: OidcServer, http: httpx.AsyncClient
) -> None:
    # Same server, but configured under another name for it: the id_token's iss no longer matches.
    other_name = gitlab_server.origin.replace("127.0.0.1", "localhost")
    provider = gitlab(auth, server_url=other_name, scope=["openid"], **options(http, "gitlab-app"))
    url, verifier, _state = await provider.get_authorization_url()
    callback = await sign_in(url, REDIRECT_URI, login="grace")
    with pytest.raises(ValueError, match=r"^iss"):
        await provider.validate_callback(callback["code"], verifier)


async def test_cognito_against_a_local_user_pool_domain(
    auth: Auth, cognito_server: OidcServer, http: httpx.AsyncClient
) -> None:
    provider = cognito(
        auth,
        user_pool_domain=cognito_server.origin,
        issuer=cognito_server.issuer,
        **options(http, "cognito-app"),
    )
    user_auth = await flow(provider, "linus")
    assert user_auth.provider_id == "cognito"
    assert user_auth.provider_user_id == "linus"
    assert user_auth.cognito_user["cognito:username"] == "linus"
    assert user_auth.cognito_user["iss"] == cognito_server.issuer


async def test_cognito_refuses_an_id_token_it_cannot_verify(
    auth: Auth, cognito_server: OidcServer, http: httpx.AsyncClient
) -> None:
    # Without issuer=, only a token whose iss is a Cognito user pool's is verified.
    provider = cognito(auth, user_pool_domain=cognito_server.origin, **options(http, "cognito-app"))
    with pytest.raises(OAuthRequestError, match="cannot be verified"):
        await flow(provider, "linus")


async def test_azure_ad_against_a_local_authority(
    auth: Auth, azure_server: OidcServer, http: httpx.AsyncClient
) -> None:
    provider = azure_ad(
        auth,
        tenant=TENANT,
        authority=azure_server.origin,
        graph_url=azure_server.origin,
        **options(http, "azure-app"),
    )
    url, _verifier, _state = await provider.get_authorization_url()
    assert url.startswith(f"{azure_server.origin}/{TENANT}/oauth2/v2.0/authorize?")
    user_auth = await flow(provider, "hedy")
    assert user_auth.provider_id == "azure_ad"
    assert user_auth.provider_user_id == "hedy"
    assert user_auth.azure_ad_user["sub"] == "hedy"
    assert user_auth.azure_ad_tokens.id_token
    assert user_auth.verified_email() is None  # Entra ID's email is not a verified one
