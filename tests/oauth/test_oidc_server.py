"""The generic ``oidc`` provider and id_token verification against a real OpenID Provider
(npm oidc-provider on 127.0.0.1, PKCE required): the whole code flow, and every refusal."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import OctKey

from lucia_core import Auth
from lucia_core.oauth import IdTokenError, OAuthRequestError, decode_id_token, verify_id_token
from lucia_core.oauth.id_token import JwksCache
from lucia_core.oauth.providers import oidc
from lucia_core.oauth.providers.oidc import OidcAuth, OidcUserAuth

from .conftest import OTHER_REDIRECT_URI, REDIRECT_URI, SECRET
from .servers import OidcServer, sign_in


def provider(auth: Auth, server: OidcServer, http: httpx.AsyncClient, **options: Any) -> OidcAuth:
    options.setdefault("client_id", "lucia")
    options.setdefault("client_secret", SECRET)
    options.setdefault("redirect_uri", REDIRECT_URI)
    return oidc(auth, issuer=server.issuer, http_client=http, jwks_cache=JwksCache(), **options)


async def code_for(oidc_provider: OidcAuth, login: str) -> tuple[str, str]:
    url, verifier, state = await oidc_provider.get_authorization_url()
    callback = await sign_in(url, REDIRECT_URI, login=login)
    assert callback["state"] == state
    return callback["code"], verifier


async def signed_in(oidc_provider: OidcAuth, login: str) -> OidcUserAuth:
    code, verifier = await code_for(oidc_provider, login)
    return await oidc_provider.validate_callback(code, verifier)


async def test_the_code_flow_with_pkce_gives_the_verified_user(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    user_auth = await signed_in(provider(auth, oidc_server, http), "ada")
    assert user_auth.provider_id == "oidc"
    assert user_auth.provider_user_id == "ada"
    assert user_auth.oidc_user["sub"] == "ada"
    assert user_auth.oidc_user["iss"] == oidc_server.issuer
    assert user_auth.oidc_user["email"] == "ada@example.test"
    assert user_auth.verified_email() == "ada@example.test"
    tokens = user_auth.oidc_tokens
    assert tokens.access_token
    assert tokens.id_token
    assert tokens.access_token_expires_in is not None
    assert tokens.access_token_expires_in > 0
    assert "ada" not in repr(tokens)
    assert tokens.access_token not in repr(tokens)


async def test_the_authorization_url_asks_for_pkce_s256_openid_and_a_nonce(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    url, verifier, state = await provider(auth, oidc_server, http, scope=["email"]).get_authorization_url()
    query = dict(httpx.URL(url).params)
    assert url.startswith(oidc_server.issuer + "/auth?")
    assert query["code_challenge_method"] == "S256"
    assert query["code_challenge"]
    assert query["code_challenge"] != verifier
    assert query["scope"] == "openid email"
    assert query["state"] == state
    assert query["nonce"]
    assert query["redirect_uri"] == REDIRECT_URI


async def test_a_user_signs_up_then_signs_in_again_as_the_same_user(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    oidc_provider = provider(auth, oidc_server, http)
    first = await signed_in(oidc_provider, "grace")
    assert await first.get_existing_user() is None
    user = await first.create_user(attributes={"username": "grace"})
    again = await signed_in(oidc_provider, "grace")
    existing = await again.get_existing_user()
    assert existing is not None
    assert existing.user_id == user.user_id


async def test_a_public_client_signs_in_without_a_secret(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    oidc_provider = provider(auth, oidc_server, http, client_id="lucia-public", client_secret=None)
    assert (await signed_in(oidc_provider, "pub")).provider_user_id == "pub"


async def test_the_secret_goes_in_the_form_when_discovery_lists_only_client_secret_post(
    auth: Auth, http: httpx.AsyncClient
) -> None:
    from .conftest import client

    server = OidcServer(
        {"clients": [client("lucia", "client_secret_post")], "clientAuthMethods": ["client_secret_post"]}
    )
    try:
        sent: list[httpx.Request] = []
        http.event_hooks["request"].append(lambda request: _record(sent, request))
        user_auth = await signed_in(provider(auth, server, http), "form")
        token_requests = [request for request in sent if request.url.path == "/token"]
        assert "authorization" not in token_requests[0].headers
        assert b"client_secret=" in token_requests[0].content
        assert user_auth.provider_user_id == "form"
    finally:
        server.stop()


async def _record(sent: list[httpx.Request], request: httpx.Request) -> None:
    sent.append(request)


async def test_a_code_used_twice_is_refused(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    oidc_provider = provider(auth, oidc_server, http)
    code, verifier = await code_for(oidc_provider, "twice")
    await oidc_provider.validate_callback(code, verifier)
    with pytest.raises(OAuthRequestError) as refused:
        await oidc_provider.validate_callback(code, verifier)
    assert refused.value.response is not None
    assert refused.value.response.status_code == 400
    assert refused.value.error_code == "invalid_grant"
    assert str(refused.value).startswith("OAUTH_REQUEST_FAILED")


async def test_a_wrong_code_verifier_is_refused(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    oidc_provider = provider(auth, oidc_server, http)
    code, verifier = await code_for(oidc_provider, "verifier")
    with pytest.raises(OAuthRequestError) as refused:
        await oidc_provider.validate_callback(code, verifier[::-1])
    assert refused.value.error_code == "invalid_grant"


async def test_a_wrong_client_secret_is_refused(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    code, verifier = await code_for(provider(auth, oidc_server, http), "secret")
    impostor = provider(auth, oidc_server, http, client_secret="not-the-secret")
    with pytest.raises(OAuthRequestError) as refused:
        await impostor.validate_callback(code, verifier)
    assert refused.value.response is not None
    assert refused.value.response.status_code == 401
    assert refused.value.error_code == "invalid_client"
    assert "not-the-secret" not in str(refused.value)
    assert SECRET not in str(refused.value)


async def test_a_wrong_redirect_uri_is_refused(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    code, verifier = await code_for(provider(auth, oidc_server, http), "redirect")
    elsewhere = provider(auth, oidc_server, http, redirect_uri=OTHER_REDIRECT_URI)
    with pytest.raises(OAuthRequestError) as refused:
        await elsewhere.validate_callback(code, verifier)
    assert refused.value.error_code == "invalid_grant"


async def test_an_unregistered_redirect_uri_gets_no_code(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    attacker = provider(auth, oidc_server, http, redirect_uri="http://127.0.0.1:9/attacker")
    url, _verifier, _state = await attacker.get_authorization_url()
    response = await http.get(url)
    assert response.status_code == 400
    assert "redirect_uri" in response.text


async def test_the_server_requires_pkce(oidc_server: OidcServer, http: httpx.AsyncClient) -> None:
    from lucia_core.oauth import create_oauth2_authorization_url

    url, _state = create_oauth2_authorization_url(
        oidc_server.issuer + "/auth", client_id="lucia", scope=["openid"], redirect_uri=REDIRECT_URI
    )
    response = await http.get(url)
    assert response.status_code in (302, 303)
    assert "PKCE" in httpx.URL(response.headers["location"]).params["error_description"]


async def test_a_connection_error_is_an_oauth_request_error_without_response(auth: Auth) -> None:
    from .servers import free_port

    oidc_provider = oidc(auth, issuer=f"http://127.0.0.1:{free_port()}", client_id="lucia")
    with pytest.raises(OAuthRequestError) as refused:
        await oidc_provider.get_authorization_url()
    assert refused.value.response is None
    assert refused.value.request.url.path == "/.well-known/openid-configuration"


async def test_a_discovery_document_of_another_issuer_is_refused(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    oidc_provider = oidc(auth, issuer=oidc_server.issuer + "/", client_id="lucia", http_client=http)
    with pytest.raises(OAuthRequestError, match="another issuer"):
        await oidc_provider.get_authorization_url()


# ---------------------------------------------------------------- id_token checks


@pytest.fixture
async def id_token(auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient) -> str:
    tokens = (await signed_in(provider(auth, oidc_server, http), "claims")).oidc_tokens
    assert tokens.id_token is not None
    return tokens.id_token


async def verify(token: str, server: OidcServer, http: httpx.AsyncClient, **options: Any) -> dict[str, Any]:
    options.setdefault("issuer", server.issuer)
    options.setdefault("audience", "lucia")
    return await verify_id_token(token, jwks_uri=server.origin + "/jwks", http_client=http, **options)


async def test_an_id_token_of_the_server_verifies(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    claims = await verify(id_token, oidc_server, http)
    assert claims["sub"] == "claims"
    assert claims["aud"] == "lucia"


async def test_an_id_token_for_another_audience_is_refused(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    with pytest.raises(IdTokenError, match=r"^aud"):
        await verify(id_token, oidc_server, http, audience="another-client")


async def test_an_id_token_of_another_issuer_is_refused(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    with pytest.raises(IdTokenError, match=r"^iss"):
        await verify(id_token, oidc_server, http, issuer="https://issuer.example")


async def test_an_id_token_with_another_nonce_is_refused(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    assert decode_id_token(id_token)["nonce"]
    with pytest.raises(IdTokenError, match=r"^nonce"):
        await verify(id_token, oidc_server, http, nonce="another-nonce")


async def test_an_expired_id_token_is_refused(
    auth: Auth, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    short = provider(auth, oidc_server, http, client_id="short-lived")
    token = (await signed_in(short, "expiring")).oidc_tokens.id_token
    assert token is not None
    claims = decode_id_token(token)
    assert claims["exp"] - claims["iat"] == 1
    await asyncio.sleep(max(0.0, claims["exp"] + 1.1 - time.time()))
    with pytest.raises(IdTokenError, match=r"^exp"):
        await verify(token, oidc_server, http, audience="short-lived", leeway=0)
    assert (await verify(token, oidc_server, http, audience="short-lived", leeway=60))["sub"] == "expiring"


def _segment(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


async def test_an_id_token_with_a_changed_payload_is_refused(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    header, _payload, signature = id_token.split(".")
    forged = ".".join([header, _segment({**decode_id_token(id_token), "sub": "admin"}), signature])
    with pytest.raises(IdTokenError, match=r"^signature"):
        await verify(forged, oidc_server, http)


async def test_an_unsigned_id_token_is_refused(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    forged = ".".join([_segment({"alg": "none"}), _segment(decode_id_token(id_token)), ""])
    with pytest.raises(IdTokenError, match=r"^signature: algorithm 'none'"):
        await verify(forged, oidc_server, http)


async def test_an_id_token_signed_with_the_client_secret_is_refused(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient
) -> None:
    forged = jws.serialize_compact(
        {"alg": "HS256"}, json.dumps(decode_id_token(id_token)), OctKey.import_key(SECRET)
    )
    with pytest.raises(IdTokenError, match=r"^signature: algorithm 'HS256'"):
        await verify(forged, oidc_server, http)


@pytest.mark.parametrize("algorithms", [["none"], ["HS256"], ["RS256", "HS512"], []])
async def test_naming_none_or_hmac_in_algorithms_is_a_value_error(
    id_token: str, oidc_server: OidcServer, http: httpx.AsyncClient, algorithms: list[str]
) -> None:
    with pytest.raises(ValueError, match="none and HMAC are refused"):
        await verify(id_token, oidc_server, http, algorithms=algorithms)


async def test_a_key_rotation_is_picked_up_with_one_fetch(
    auth: Auth, rotating_server: OidcServer, http: httpx.AsyncClient
) -> None:
    jwks_fetches: list[httpx.Request] = []

    async def count(request: httpx.Request) -> None:
        if request.url.path == "/jwks":
            jwks_fetches.append(request)

    http.event_hooks["request"].append(count)
    oidc_provider = provider(auth, rotating_server, http)
    first = await signed_in(oidc_provider, "rotation")
    assert len(jwks_fetches) == 1
    await signed_in(oidc_provider, "rotation")
    assert len(jwks_fetches) == 1, "the cached set is used for a known kid"
    new_kid = rotating_server.rotate_keys()
    second = await signed_in(oidc_provider, "rotation")
    assert second.oidc_tokens.id_token is not None
    assert first.oidc_tokens.id_token is not None
    assert jws.extract_compact(second.oidc_tokens.id_token.encode()).protected["kid"] == new_kid
    assert len(jwks_fetches) == 2, "an unknown kid refetches the set once"
