"""OAuth 2.0 helpers (RFC 6749, RFC 7636): authorization URLs, state, PKCE, the code exchange."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx

from ..ids import generate_random_string
from .http import JsonAnswer, build_request, send_json

#: RFC 7636 section 4.1: the unreserved characters a code verifier is made of.
PKCE_VERIFIER_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~"
PKCE_VERIFIER_LENGTH = 96
STATE_LENGTH = 43


class ClientPassword(TypedDict):
    """How the client authenticates at the token endpoint."""

    client_secret: str
    authenticate_with: Literal["client_secret", "http_basic_auth"]


def generate_state() -> str:
    """A new ``state``: 43 random characters of ``[a-z0-9]`` (about 222 bits)."""
    return generate_random_string(STATE_LENGTH)


def generate_pkce_code_challenge(method: str, verifier: str) -> str:
    """The PKCE ``code_challenge`` of ``verifier``: for ``"S256"``, base64url(SHA-256(verifier))
    without padding (RFC 7636 section 4.2). Any other method: ValueError (``plain`` is refused)."""
    if method != "S256":
        raise ValueError(f'unsupported PKCE code challenge method {method!r}: only "S256" is allowed')
    if not isinstance(verifier, str):
        raise TypeError("the code verifier must be a str")
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def with_query(url: str, parameters: Mapping[str, str | None]) -> str:
    """``url`` with ``parameters`` set in its query (None values skipped); other parameters kept."""
    if not isinstance(url, str):
        raise TypeError("the URL must be a str")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValueError(f"expected an absolute http(s) URL, got {url!r}")
    replaced = {name for name, value in parameters.items() if value is not None}
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name not in replaced
    ]
    query += [(name, value) for name, value in parameters.items() if value is not None]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def _scope(scope: Sequence[str]) -> str:
    if isinstance(scope, str) or not all(isinstance(item, str) for item in scope):
        raise TypeError("scope must be a list of str")
    return " ".join(scope)


def create_oauth2_authorization_url(
    url: str, *, client_id: str, scope: Sequence[str], redirect_uri: str | None = None
) -> tuple[str, str]:
    """``(authorization_url, state)``: ``url`` with ``response_type=code``, ``client_id``, ``scope``
    (space-joined), a new ``state`` and ``redirect_uri`` when given; its own query is kept."""
    state = generate_state()
    authorization_url = with_query(
        url,
        {
            "response_type": "code",
            "client_id": client_id,
            "scope": _scope(scope),
            "state": state,
            "redirect_uri": redirect_uri,
        },
    )
    return authorization_url, state


def create_oauth2_authorization_url_with_pkce(
    url: str,
    *,
    client_id: str,
    scope: Sequence[str],
    redirect_uri: str | None = None,
    code_challenge_method: str = "S256",
) -> tuple[str, str, str]:
    """``(authorization_url, code_verifier, state)``: as :func:`create_oauth2_authorization_url`,
    plus ``code_challenge_method=S256`` and the ``code_challenge`` of a new 96-character verifier."""
    code_verifier = generate_random_string(PKCE_VERIFIER_LENGTH, PKCE_VERIFIER_ALPHABET)
    challenge = generate_pkce_code_challenge(code_challenge_method, code_verifier)
    authorization_url, state = create_oauth2_authorization_url(
        url, client_id=client_id, scope=scope, redirect_uri=redirect_uri
    )
    authorization_url = with_query(
        authorization_url, {"code_challenge_method": code_challenge_method, "code_challenge": challenge}
    )
    return authorization_url, code_verifier, state


def basic_authorization(client_id: str, client_secret: str) -> str:
    """The ``Authorization`` value of HTTP Basic client authentication (RFC 6749 section 2.3.1:
    id and secret form-encoded first)."""
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def token_request(
    code: str,
    url: str,
    *,
    client_id: str,
    redirect_uri: str | None = None,
    code_verifier: str | None = None,
    client_password: ClientPassword | Mapping[str, str] | None = None,
) -> httpx.Request:
    """The token request of the authorization code grant (RFC 6749 section 4.1.3)."""
    if not isinstance(code, str) or not code:
        raise ValueError("the authorization code must be a non-empty str")
    form = {"grant_type": "authorization_code", "code": code, "client_id": client_id}
    if redirect_uri is not None:
        form["redirect_uri"] = redirect_uri
    if code_verifier is not None:
        form["code_verifier"] = code_verifier
    headers: dict[str, str] = {}
    if client_password is not None:
        method = client_password.get("authenticate_with")
        secret = client_password.get("client_secret")
        if not isinstance(secret, str):
            raise TypeError("client_password['client_secret'] must be a str")
        if method == "client_secret":
            form["client_secret"] = secret
        elif method == "http_basic_auth":
            headers["Authorization"] = basic_authorization(client_id, secret)
        else:
            raise ValueError(
                'client_password["authenticate_with"] must be "client_secret" or "http_basic_auth"'
            )
    return build_request("POST", with_query(url, {}), form=form, headers=headers)


async def validate_oauth2_authorization_code(
    code: str,
    url: str,
    *,
    client_id: str,
    redirect_uri: str | None = None,
    code_verifier: str | None = None,
    client_password: ClientPassword | Mapping[str, str] | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> dict[str, Any]:
    """Exchange an authorization code at the token endpoint ``url``; the JSON answer as a dict.

    POSTs ``grant_type=authorization_code`` as a form. ``client_password`` is
    ``{"client_secret": s, "authenticate_with": "client_secret" | "http_basic_auth"}`` (in the
    form, or HTTP Basic). OAuthRequestError for a non-2xx answer, for a 2xx answer that carries an
    ``error`` (GitHub answers so) and for one without an ``access_token``.
    """
    request = token_request(
        code,
        url,
        client_id=client_id,
        redirect_uri=redirect_uri,
        code_verifier=code_verifier,
        client_password=client_password,
    )
    answer = await exchange(request, http_client)
    return answer.body


async def exchange(request: httpx.Request, http_client: httpx.AsyncClient | None) -> JsonAnswer:
    """Send a token request; its answer, checked as :func:`validate_oauth2_authorization_code` says."""
    answer = await send_json(request, http_client)
    if "error" in answer.body:
        raise answer.error("the token endpoint answered with an error")
    if not isinstance(answer.body.get("access_token"), str):
        raise answer.error("no access_token in the answer")
    return answer
