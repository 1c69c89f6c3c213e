"""The ``keycloak`` provider against a real Keycloak (Quarkus distribution, dev mode, in-memory
database) on 127.0.0.1, with the realm and client of scripts/oauth-servers/keycloak-realm.json: PKCE S256
required by the client, users ada (verified email, realm and client roles) and eve (unverified)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from lucia_core import Auth
from lucia_core.oauth import LinkingError, OAuthRequestError, link_by_verified_email
from lucia_core.oauth.id_token import JwksCache
from lucia_core.oauth.providers import keycloak
from lucia_core.oauth.providers.keycloak import KeycloakAuth, KeycloakRole, KeycloakUserAuth

from .conftest import REDIRECT_URI
from .servers import KeycloakServer, sign_in

SECRET = "keycloak-test-secret"
PASSWORDS = {"ada": "ada-password", "eve": "eve-password"}


def provider(auth: Auth, server: KeycloakServer, http: httpx.AsyncClient, **options: Any) -> KeycloakAuth:
    options.setdefault("client_secret", SECRET)
    return keycloak(
        auth,
        domain=server.origin,
        realm="lucia",
        client_id="lucia-app",
        redirect_uri=REDIRECT_URI,
        scope=["email"],
        http_client=http,
        jwks_cache=JwksCache(),
        **options,
    )


async def code_for(keycloak_provider: KeycloakAuth, login: str) -> tuple[str, str]:
    url, verifier, state = await keycloak_provider.get_authorization_url()
    callback = await sign_in(url, REDIRECT_URI, login=login, password=PASSWORDS[login])
    assert callback["state"] == state
    return callback["code"], verifier


async def signed_in(keycloak_provider: KeycloakAuth, login: str) -> KeycloakUserAuth:
    code, verifier = await code_for(keycloak_provider, login)
    return await keycloak_provider.validate_callback(code, verifier)


async def test_the_code_flow_with_pkce_through_keycloaks_login_page(
    auth: Auth, keycloak_server: KeycloakServer, http: httpx.AsyncClient
) -> None:
    user_auth = await signed_in(provider(auth, keycloak_server, http), "ada")
    assert user_auth.provider_id == "keycloak"
    assert user_auth.provider_user_id == user_auth.keycloak_user["sub"]
    assert user_auth.keycloak_user["preferred_username"] == "ada"
    assert user_auth.verified_email() == "ada@example.test"
    assert KeycloakRole("realm", None, "member") in user_auth.keycloak_roles
    assert KeycloakRole("resource", "lucia-app", "editor") in user_auth.keycloak_roles
    tokens = user_auth.keycloak_tokens
    assert tokens.id_token
    assert tokens.refresh_token
    assert tokens.refresh_token_expires_in is not None


async def test_the_same_keycloak_user_signs_in_again(
    auth: Auth, keycloak_server: KeycloakServer, http: httpx.AsyncClient
) -> None:
    keycloak_provider = provider(auth, keycloak_server, http)
    user = await (await signed_in(keycloak_provider, "ada")).create_user(attributes={"username": "ada"})
    existing = await (await signed_in(keycloak_provider, "ada")).get_existing_user()
    assert existing is not None
    assert existing.user_id == user.user_id


async def test_keycloak_refuses_a_wrong_client_secret(
    auth: Auth, keycloak_server: KeycloakServer, http: httpx.AsyncClient
) -> None:
    code, verifier = await code_for(provider(auth, keycloak_server, http), "ada")
    with pytest.raises(OAuthRequestError) as refused:
        await provider(auth, keycloak_server, http, client_secret="wrong").validate_callback(code, verifier)
    assert refused.value.response is not None
    assert refused.value.response.status_code in (400, 401)


async def test_keycloak_refuses_a_code_used_twice_and_a_wrong_verifier(
    auth: Auth, keycloak_server: KeycloakServer, http: httpx.AsyncClient
) -> None:
    keycloak_provider = provider(auth, keycloak_server, http)
    code, verifier = await code_for(keycloak_provider, "ada")
    with pytest.raises(OAuthRequestError) as wrong_verifier:
        await keycloak_provider.validate_callback(code, verifier[::-1])
    assert wrong_verifier.value.error_code == "invalid_grant"
    code, verifier = await code_for(keycloak_provider, "ada")
    await keycloak_provider.validate_callback(code, verifier)
    with pytest.raises(OAuthRequestError) as reused:
        await keycloak_provider.validate_callback(code, verifier)
    assert reused.value.error_code == "invalid_grant"


async def test_an_unverified_keycloak_email_is_never_linked(
    auth: Auth, keycloak_server: KeycloakServer, http: httpx.AsyncClient
) -> None:
    user_auth = await signed_in(provider(auth, keycloak_server, http), "eve")
    assert user_auth.keycloak_user["email"] == "eve@example.test"
    assert user_auth.verified_email() is None

    async def find(email: str) -> str | None:
        raise AssertionError("an unverified email must not be looked up")

    with pytest.raises(LinkingError) as refused:
        await link_by_verified_email(user_auth, find)
    assert refused.value.code == "EMAIL_NOT_VERIFIED"
