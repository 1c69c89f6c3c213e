"""The OAuth 2.0 helpers of the contract, on their own (the code exchange against a local
``httpx.MockTransport`` where a real server's answer is not the point)."""

from __future__ import annotations

import base64
import dataclasses
import re
from urllib.parse import parse_qs

import httpx
import pytest

from lucia_core.oauth import (
    OAuthRequestError,
    create_oauth2_authorization_url,
    create_oauth2_authorization_url_with_pkce,
    decode_id_token,
    generate_pkce_code_challenge,
    generate_state,
    validate_oauth2_authorization_code,
)
from lucia_core.oauth.http import JsonAnswer
from lucia_core.oauth.state import OAuthCallback
from lucia_core.oauth.tokens import OAuth2Tokens


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(httpx.URL(url).query.decode())


def test_the_authorization_url_has_the_code_flow_parameters() -> None:
    url, state = create_oauth2_authorization_url(
        "https://idp.example/authorize",
        client_id="app",
        scope=["a", "b"],
        redirect_uri="https://app.example/cb",
    )
    assert query(url) == {
        "response_type": ["code"],
        "client_id": ["app"],
        "scope": ["a b"],
        "state": [state],
        "redirect_uri": ["https://app.example/cb"],
    }


def test_the_authorization_url_keeps_the_endpoints_query_and_omits_a_missing_redirect_uri() -> None:
    url, _state = create_oauth2_authorization_url(
        "https://idp.example/authorize?audience=api&x=1", client_id="app", scope=[]
    )
    parameters = query(url)
    assert parameters["audience"] == ["api"]
    assert parameters["x"] == ["1"]
    assert "redirect_uri" not in parameters


def test_generate_state_is_43_random_lowercase_alphanumerics() -> None:
    states = {generate_state() for _ in range(50)}
    assert len(states) == 50
    assert all(re.fullmatch(r"[a-z0-9]{43}", state) for state in states)


def test_the_pkce_url_has_a_96_character_verifier_and_its_s256_challenge() -> None:
    url, verifier, state = create_oauth2_authorization_url_with_pkce(
        "https://idp.example/authorize", client_id="app", scope=["openid"]
    )
    assert re.fullmatch(r"[A-Za-z0-9\-_.~]{96}", verifier)
    parameters = query(url)
    assert parameters["code_challenge_method"] == ["S256"]
    assert parameters["code_challenge"] == [generate_pkce_code_challenge("S256", verifier)]
    assert parameters["state"] == [state]


@pytest.mark.parametrize("method", ["plain", "S512", ""])
def test_other_pkce_methods_are_a_value_error(method: str) -> None:
    with pytest.raises(ValueError, match="S256"):
        create_oauth2_authorization_url_with_pkce(
            "https://idp.example/authorize", client_id="app", scope=[], code_challenge_method=method
        )
    with pytest.raises(ValueError, match="S256"):
        generate_pkce_code_challenge(method, "verifier")


def test_the_s256_challenge_is_rfc_7636s_example() -> None:
    # RFC 7636 appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert generate_pkce_code_challenge("S256", verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize("url", ["/authorize", "ftp://idp.example/authorize", "idp.example"])
def test_a_relative_or_non_http_endpoint_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        create_oauth2_authorization_url(url, client_id="app", scope=[])


def test_a_scope_given_as_a_string_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="list of str"):
        create_oauth2_authorization_url("https://idp.example/a", client_id="app", scope="openid")


class TokenEndpoint:
    """A token endpoint answering ``answer``, recording what it was sent."""

    def __init__(self, answer: httpx.Response) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []
        self.client = httpx.AsyncClient(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.requests[-1].content.decode()).items()}


async def test_the_code_is_posted_as_a_form_with_the_secret_in_it() -> None:
    endpoint = TokenEndpoint(httpx.Response(200, json={"access_token": "at", "token_type": "bearer"}))
    body = await validate_oauth2_authorization_code(
        "the-code",
        "https://idp.example/token",
        client_id="app",
        redirect_uri="https://app.example/cb",
        code_verifier="v" * 43,
        client_password={"client_secret": "s3cret", "authenticate_with": "client_secret"},
        http_client=endpoint.client,
    )
    assert body == {"access_token": "at", "token_type": "bearer"}
    assert endpoint.requests[0].method == "POST"
    assert endpoint.form() == {
        "grant_type": "authorization_code",
        "code": "the-code",
        "client_id": "app",
        "redirect_uri": "https://app.example/cb",
        "code_verifier": "v" * 43,
        "client_secret": "s3cret",
    }
    assert "authorization" not in endpoint.requests[0].headers


async def test_http_basic_client_authentication_form_encodes_id_and_secret() -> None:
    endpoint = TokenEndpoint(httpx.Response(200, json={"access_token": "at"}))
    await validate_oauth2_authorization_code(
        "code",
        "https://idp.example/token",
        client_id="my app",
        client_password={"client_secret": "s:e/c", "authenticate_with": "http_basic_auth"},
        http_client=endpoint.client,
    )
    header = endpoint.requests[0].headers["authorization"]
    assert header == "Basic " + base64.b64encode(b"my%20app:s%3Ae%2Fc").decode()
    assert "client_secret" not in endpoint.form()


async def test_an_unknown_client_authentication_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="authenticate_with"):
        await validate_oauth2_authorization_code(
            "code",
            "https://idp.example/token",
            client_id="app",
            client_password={"client_secret": "s", "authenticate_with": "jwt"},
        )


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (httpx.Response(400, json={"error": "invalid_grant"}), "invalid_grant"),
        (httpx.Response(401, text="nope"), "401"),
        # GitHub answers a bad code with 200 and an error.
        (httpx.Response(200, json={"error": "bad_verification_code"}), "bad_verification_code"),
        (httpx.Response(200, json={"token_type": "bearer"}), "no access_token"),
        (httpx.Response(200, text="<html>maintenance</html>"), "not JSON"),
        (httpx.Response(200, json=["access_token"]), "not a JSON object"),
    ],
)
async def test_a_refusal_or_a_malformed_answer_is_an_oauth_request_error(
    answer: httpx.Response, detail: str
) -> None:
    endpoint = TokenEndpoint(answer)
    with pytest.raises(OAuthRequestError, match=detail) as raised:
        await validate_oauth2_authorization_code(
            "code", "https://idp.example/token", client_id="app", http_client=endpoint.client
        )
    assert str(raised.value).startswith("OAUTH_REQUEST_FAILED")
    assert raised.value.request is endpoint.requests[0]
    assert raised.value.response is not None


async def test_a_timeout_is_an_oauth_request_error_without_response() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    client = httpx.AsyncClient(transport=httpx.MockTransport(slow))
    with pytest.raises(OAuthRequestError, match="ReadTimeout") as raised:
        await validate_oauth2_authorization_code(
            "code", "https://idp.example/token", client_id="app", http_client=client
        )
    assert raised.value.response is None


async def test_the_error_message_shows_no_secret_and_no_query() -> None:
    endpoint = TokenEndpoint(httpx.Response(400, json={"error": "invalid_client"}))
    with pytest.raises(OAuthRequestError) as raised:
        await validate_oauth2_authorization_code(
            "the-code",
            "https://idp.example/token?access_token=leak",
            client_id="app",
            client_password={"client_secret": "s3cret", "authenticate_with": "client_secret"},
            http_client=endpoint.client,
        )
    message = str(raised.value)
    assert "s3cret" not in message
    assert "the-code" not in message
    assert "leak" not in message
    assert "(invalid_client)" in message


def test_decode_id_token_reads_the_claims_without_verifying() -> None:
    payload = base64.urlsafe_b64encode(b'{"sub":"u1","iss":"https://idp"}').rstrip(b"=").decode()
    assert decode_id_token(f"e30.{payload}.not-a-signature") == {"sub": "u1", "iss": "https://idp"}


@pytest.mark.parametrize(
    "token",
    [
        "",
        "a.b",
        "a.b.c.d",
        "e30.!!!.x",
        "e30." + base64.urlsafe_b64encode(b"[1]").decode() + ".x",
        "e30.bm90IGpzb24.x",
    ],
)
def test_a_malformed_id_token_is_a_value_error(token: str) -> None:
    with pytest.raises(ValueError, match="malformed id_token"):
        decode_id_token(token)


def test_tokens_keep_their_values_out_of_repr() -> None:
    tokens = OAuth2Tokens.from_answer(
        {"access_token": "at-secret", "refresh_token": "rt-secret", "expires_in": 60}
    )
    assert tokens.access_token_expires_in == 60
    assert "secret" not in repr(tokens)
    assert "access_token_expires_in=60" in repr(tokens)


def test_a_providers_own_tokens_dataclass_keeps_the_values_out_of_repr() -> None:
    # How a provider adds fields: a @dataclass subclass, which would write a repr of its own.
    @dataclasses.dataclass(frozen=True, kw_only=True)
    class ProviderTokens(OAuth2Tokens):
        scope: str | None = None
        session_token: str | None = None

    tokens = ProviderTokens.from_answer(
        {"access_token": "at-secret", "id_token": "it-secret", "session_token": "st-secret", "scope": "a"}
    )
    assert tokens.session_token == "st-secret"
    assert "secret" not in repr(tokens)
    assert "session_token=..." in repr(tokens)


def test_a_json_answer_and_a_callback_keep_the_tokens_out_of_repr() -> None:
    request = httpx.Request("POST", "https://idp.example/token?code=code-secret")
    body = {"access_token": "at-secret", "refresh_token": "rt-secret", "token_type": "bearer"}
    answer = JsonAnswer(body, request, httpx.Response(200, json=body, request=request))
    assert "secret" not in repr(answer)
    assert "access_token" in repr(answer)
    assert "200" in repr(answer)
    callback = OAuthCallback(code_verifier="verifier-secret-" + "v" * 80)
    assert "secret" not in repr(callback)
    assert repr(OAuthCallback(code_verifier=None)) == "OAuthCallback(code_verifier=None)"


@pytest.mark.parametrize(
    "redirect_uri", ["/callback", "//evil.example/cb", "javascript:alert(1)", "callback"]
)
def test_a_provider_refuses_a_redirect_uri_that_is_not_an_absolute_http_url(redirect_uri: str) -> None:
    from lucia_core.oauth.providers import github

    with pytest.raises(ValueError, match="absolute http"):
        github(object(), client_id="app", client_secret="s", redirect_uri=redirect_uri)  # type: ignore[arg-type]


def test_a_jwk_set_cache_serves_several_event_loops() -> None:
    import asyncio

    from joserfc.jwk import RSAKey

    from lucia_core.oauth.id_token import JwksCache

    fetches: list[httpx.Request] = []
    key = RSAKey.generate_key(2048, parameters={"kid": "k1"}).as_dict(private=False)

    async def jwks(request: httpx.Request) -> httpx.Response:
        fetches.append(request)
        await asyncio.sleep(0.01)  # the others wait on the lock meanwhile
        return httpx.Response(200, json={"keys": [key]})

    cache = JwksCache()

    async def concurrent_gets() -> None:
        client = httpx.AsyncClient(transport=httpx.MockTransport(jwks))
        await asyncio.gather(*(cache.get("https://idp.example/jwks", client, refresh=True) for _ in range(3)))

    asyncio.run(concurrent_gets())  # the lock is waited on in this loop...
    asyncio.run(concurrent_gets())  # ...and in another one
    assert len(fetches) == 2  # concurrent refreshes share one fetch
