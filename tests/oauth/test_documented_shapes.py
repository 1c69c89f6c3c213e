"""Every provider whose servers cannot be reached from here, against the request and response
shapes of its own documentation: the fixtures in documented/ (one per provider, each request and
answer with the documentation page it comes from), served by an ``httpx.MockTransport``.

Each part's "source" is the page that was read (through the search tool's stored copies) and its
"checked" note says what was checked there; where the provider's own page could not be retrieved,
the source says "not retrieved here" and the note names what was read instead (Lucia v2's source,
its docs, or a third-party copy), so no fixture claims a page nobody read.

For each: the authorization URL (endpoint, query, PKCE), the token request (endpoint, client
authentication, redirect_uri, code_verifier), the user requests, and the parsed user and tokens.
id_tokens in the fixtures are signed here with a key the mock JWK set publishes.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from lucia_core import Auth
from lucia_core.oauth import OAuthRequestError, generate_pkce_code_challenge
from lucia_core.oauth.id_token import JwksCache
from lucia_core.oauth.provider import OAuth2ProviderAuthWithPKCE
from lucia_core.oauth.providers import PROVIDERS, apple

FIXTURES = Path(__file__).parent / "documented"
NAMES = sorted(path.stem for path in FIXTURES.glob("*.json"))
CODE = "SplxlOBeZQQYbYS6WxSbIA"
SIGNING_KEY = RSAKey.generate_key(2048, parameters={"kid": "documented-key", "use": "sig"})
APPLE_KEY = ECKey.generate_key("P-256", private=True)
NOT_RETRIEVED = "not retrieved here"


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


#: Providers with a user request (the others' user comes with the token answer).
WITH_USER_REQUEST = [name for name in NAMES if fixture(name)["api"]]
#: Providers whose id_token lucia-core verifies itself (LINE's is verified by LINE).
WITH_ID_TOKEN = [name for name in NAMES if "id_token" in fixture(name)]


def test_every_provider_but_the_locally_served_ones_has_documented_shapes() -> None:
    assert set(PROVIDERS) - set(NAMES) == {"oidc", "keycloak"}  # both tested on real servers


def test_every_fixture_names_its_sources() -> None:
    for name in NAMES:
        data = fixture(name)
        parts = [
            data["authorization"],
            data["token"],
            *data["api"],
            *([data["id_token"]] if "id_token" in data else []),
        ]
        for part in parts:
            # The page a shape was checked against, and what was checked there; a page the
            # search tool could not retrieve says so in both.
            assert part["source"].startswith("https://"), (name, part)
            assert " " not in part["source"].removesuffix(f" ({NOT_RETRIEVED})"), (name, part)
            assert len(part["checked"]) > 40, (name, part)
            if part["source"].endswith(f"({NOT_RETRIEVED})"):
                assert NOT_RETRIEVED in part["checked"], (name, part)


def sign(claims: dict[str, Any]) -> str:
    now = int(time.time())
    payload = {"iat": now, "exp": now + 600, **claims}
    header = {"alg": "RS256", "kid": "documented-key"}
    return jws.serialize_compact(header, json.dumps(payload), SIGNING_KEY)


class Provider:
    """A documented provider behind a mock transport that checks every request it is sent."""

    def __init__(self, auth: Auth, name: str) -> None:
        self.name = name
        self.data = fixture(name)
        self.sent: list[httpx.Request] = []
        self.authorization_query: dict[str, str] = {}
        options = dict(self.data["options"])
        if options.get("certificate") == "$APPLE_KEY":
            options["certificate"] = APPLE_KEY.as_pem(private=True).decode()
        self.http = httpx.AsyncClient(transport=httpx.MockTransport(self.answer))
        self.provider = PROVIDERS[name](auth, http_client=self.http, jwks_cache=JwksCache(), **options)
        self.overrides: dict[str, Callable[[httpx.Request], httpx.Response]] = {}

    @property
    def pkce(self) -> bool:
        return isinstance(self.provider, OAuth2ProviderAuthWithPKCE)

    async def authorize(self) -> tuple[str, str | None]:
        result = await self.provider.get_authorization_url()
        url, verifier = (result[0], result[1]) if self.pkce else (result[0], None)
        self.authorization_query = {
            key: values[0] for key, values in parse_qs(httpx.URL(url).query.decode()).items()
        }
        return url, verifier

    async def callback(self, verifier: str | None) -> Any:
        if isinstance(self.provider, OAuth2ProviderAuthWithPKCE):
            assert verifier is not None
            return await self.provider.validate_callback(CODE, verifier)
        return await self.provider.validate_callback(CODE)

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        key = f"{request.method} {request.url.copy_with(query=None)}"
        if key in self.overrides:
            return self.overrides[key](request)
        token = self.data["token"]
        if key == f"POST {token['url']}":
            body = dict(token["response"])
            if "id_token" in self.data:
                claims = dict(self.data["id_token"]["claims"])
                if "nonce" in self.authorization_query:
                    claims["nonce"] = self.authorization_query["nonce"]
                body["id_token"] = sign(claims)
            return httpx.Response(200, json=body)
        if "id_token" in self.data and key == f"GET {self.data['id_token']['jwks_uri']}":
            return httpx.Response(200, json={"keys": [SIGNING_KEY.as_dict(private=False)]})
        for call in self.data["api"]:
            if key == f"{call['method']} {call['url']}":
                body = json.loads(
                    json.dumps(call["response"]).replace("$NONCE", self.authorization_query.get("nonce", ""))
                )
                return httpx.Response(200, json=body)
        return httpx.Response(404, json={"error": "not_found", "request": key})


@pytest.fixture(params=NAMES)
async def documented(request: pytest.FixtureRequest, auth: Auth) -> Any:
    provider = Provider(auth, request.param)
    yield provider
    await provider.http.aclose()


async def test_the_authorization_url_is_the_documented_one(documented: Provider) -> None:
    expected = documented.data["authorization"]
    url, verifier = await documented.authorize()
    assert url.split("?")[0] == expected["url"]
    query = documented.authorization_query
    for name, value in expected["query"].items():
        assert query.get(name) == value, (name, query)
    assert len(query["state"]) == 43
    assert documented.pkce is expected["pkce"]
    if expected["pkce"]:
        assert query["code_challenge_method"] == "S256"
        assert verifier is not None
        assert query["code_challenge"] == generate_pkce_code_challenge("S256", verifier)
    else:
        assert "code_challenge" not in query


async def test_the_token_request_is_the_documented_one(documented: Provider) -> None:
    expected = documented.data["token"]
    _url, verifier = await documented.authorize()
    await documented.callback(verifier)
    token_requests = [r for r in documented.sent if r.method == "POST" and str(r.url) == expected["url"]]
    assert len(token_requests) == 1
    request = token_requests[0]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.headers["accept"] == "application/json"
    form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
    options = documented.data["options"]
    assert form["grant_type"] == "authorization_code"
    assert form["code"] == CODE
    assert form["client_id"] == options["client_id"]
    assert ("redirect_uri" in form) is expected["redirect_uri"]
    if expected["redirect_uri"]:
        assert form["redirect_uri"] == options["redirect_uri"]
    assert form.get("code_verifier") == verifier
    method = expected["client_authentication"]
    if method == "client_secret":
        assert "authorization" not in request.headers
        assert "client_secret" in form
        if documented.name == "apple":
            check_apple_client_secret(form["client_secret"], options)
        else:
            assert form["client_secret"] == options["client_secret"]
    elif method == "http_basic_auth":
        assert "client_secret" not in form
        scheme, _, credentials = request.headers["authorization"].partition(" ")
        assert scheme == "Basic"
        client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        assert (unquote(client_id), unquote(secret)) == (options["client_id"], options["client_secret"])
    else:
        assert "client_secret" not in form
        assert "authorization" not in request.headers


def check_apple_client_secret(client_secret: str, options: dict[str, Any]) -> None:
    verified = jws.deserialize_compact(client_secret, APPLE_KEY, algorithms=["ES256"])
    claims = json.loads(verified.payload)
    assert verified.protected == {"alg": "ES256", "kid": options["key_id"]}
    assert claims["iss"] == options["team_id"]
    assert claims["sub"] == options["client_id"]
    assert claims["aud"] == "https://appleid.apple.com"
    assert 0 < claims["exp"] - claims["iat"] <= 15777000


async def test_the_user_is_read_as_documented(documented: Provider) -> None:
    expected = documented.data["expected"]
    _url, verifier = await documented.authorize()
    user_auth = await documented.callback(verifier)
    assert user_auth.provider_id == documented.name
    assert user_auth.provider_user_id == expected["provider_user_id"]
    user = getattr(user_auth, f"{documented.name}_user")
    for name, value in expected["user"].items():
        assert user[name] == value
    tokens = getattr(user_auth, f"{documented.name}_tokens")
    assert tokens.access_token == documented.data["token"]["response"]["access_token"]
    for name, value in expected["tokens"].items():
        assert getattr(tokens, name) == value, name
    assert user_auth.verified_email() == expected["verified_email"]


@pytest.mark.parametrize("documented", WITH_USER_REQUEST, indirect=True)
async def test_the_user_requests_are_the_documented_ones(documented: Provider) -> None:
    _url, verifier = await documented.authorize()
    await documented.callback(verifier)
    access_token = documented.data["token"]["response"]["access_token"]
    for call in documented.data["api"]:
        sent = [
            r
            for r in documented.sent
            if r.method == call["method"] and r.url.copy_with(query=None) == call["url"]
        ]
        assert len(sent) == 1, call["url"]
        request = sent[0]
        if "form" in call:  # LINE's id_token verification: the token itself, not a bearer
            form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
            assert form["id_token"] == documented.data["token"]["response"]["id_token"]
            assert form["nonce"] == documented.authorization_query["nonce"]
            for name, value in call["form"].items():
                assert form[name] == value
            continue
        assert request.headers["authorization"] == f"Bearer {access_token}"
        assert access_token not in str(request.url)
        for name, value in call.get("query", {}).items():
            assert request.url.params[name] == value
        for name, value in call.get("headers", {}).items():
            assert request.headers[name] == value


async def test_a_refused_code_is_an_oauth_request_error(documented: Provider) -> None:
    url = documented.data["token"]["url"]
    documented.overrides[f"POST {url}"] = lambda request: httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "The code is invalid or expired."}
    )
    _url, verifier = await documented.authorize()
    with pytest.raises(OAuthRequestError) as refused:
        await documented.callback(verifier)
    assert refused.value.error_code == "invalid_grant"
    assert refused.value.request.url == url
    assert str(refused.value).startswith("OAUTH_REQUEST_FAILED")


@pytest.mark.parametrize("documented", WITH_USER_REQUEST, indirect=True)
async def test_a_refused_user_request_is_an_oauth_request_error(documented: Provider) -> None:
    call = documented.data["api"][-1]
    documented.overrides[f"{call['method']} {call['url']}"] = lambda request: httpx.Response(
        401, json={"error": "invalid_token"}
    )
    _url, verifier = await documented.authorize()
    with pytest.raises(OAuthRequestError) as refused:
        await documented.callback(verifier)
    assert refused.value.response is not None
    assert refused.value.response.status_code == 401


@pytest.mark.parametrize("documented", WITH_ID_TOKEN, indirect=True)
async def test_an_id_token_from_another_key_is_refused(documented: Provider) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": "documented-key"})
    jwks_uri = documented.data["id_token"]["jwks_uri"]
    documented.overrides[f"GET {jwks_uri}"] = lambda request: httpx.Response(
        200, json={"keys": [impostor.as_dict(private=False)]}
    )
    _url, verifier = await documented.authorize()
    with pytest.raises(ValueError, match=r"^signature"):
        await documented.callback(verifier)


@pytest.mark.parametrize("documented", ["linkedin"], indirect=True)
@pytest.mark.parametrize("issuer", ["https://www.linkedin.com", "https://www.linkedin.com/oauth"])
async def test_linkedin_accepts_its_documented_and_its_discovered_issuer(
    documented: Provider, issuer: str
) -> None:
    documented.data["id_token"]["claims"]["iss"] = issuer
    _url, verifier = await documented.authorize()
    user_auth = await documented.callback(verifier)
    assert user_auth.provider_user_id == documented.data["expected"]["provider_user_id"]


@pytest.mark.parametrize("documented", ["linkedin"], indirect=True)
async def test_linkedin_refuses_another_issuer(documented: Provider) -> None:
    documented.data["id_token"]["claims"]["iss"] = "https://www.linkedin.com.example"
    _url, verifier = await documented.authorize()
    with pytest.raises(ValueError, match="iss"):
        await documented.callback(verifier)


@pytest.mark.parametrize("scope", [["email"], ["name"], ["name", "email"]])
def test_apple_refuses_name_or_email_without_form_post(auth: Auth, scope: list[str]) -> None:
    options = dict(fixture("apple")["options"], certificate=APPLE_KEY.as_pem(private=True).decode())
    options.update(scope=scope, response_mode="query")
    with pytest.raises(ValueError, match="form_post"):
        apple(auth, **options)
    options["scope"] = []
    assert apple(auth, **options).response_mode == "query"
