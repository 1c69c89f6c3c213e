"""Sign in with Apple: ``apple(auth, client_id=..., team_id=..., key_id=..., certificate=...)``."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens

APPLE = "https://appleid.apple.com"
#: Apple accepts a client secret JWT valid for up to six months; a fresh one per exchange needs little.
CLIENT_SECRET_LIFETIME = 180


def _private_key(certificate: str) -> ECKey:
    """The ES256 key of a ``.p8`` file: the PEM, or its base64 body without the armour lines."""
    pem = certificate.strip()
    if "-----BEGIN" not in pem:
        pem = f"-----BEGIN PRIVATE KEY-----\n{pem}\n-----END PRIVATE KEY-----"
    try:
        key: ECKey = ECKey.import_key(pem)
    except (JoseError, ValueError, TypeError) as error:
        raise ValueError("certificate must be the PKCS#8 EC private key of Apple's .p8 file") from error
    if key.curve_name != "P-256" or not key.is_private:
        raise ValueError("certificate must be a P-256 private key (ES256)")
    return key


class AppleUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``apple_user``: ``sub``, ``email`` and ``email_verified`` of the verified id_token."""

    name = "apple"
    apple_user: dict[str, Any]
    apple_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        return claims_email(self.apple_user)


class AppleAuth(OAuth2ProviderAuth[AppleUserAuth]):
    """The client secret is an ES256 JWT signed with your key (``team_id``, ``key_id``,
    ``certificate``); the id_token is verified against Apple's keys. Requesting ``name`` or
    ``email`` needs ``response_mode="form_post"``."""

    provider_id = "apple"
    authorization_url = f"{APPLE}/auth/authorize"
    token_url = f"{APPLE}/auth/token"

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        team_id: str,
        key_id: str,
        certificate: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        response_mode: Literal["query", "form_post"] = "query",
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        if response_mode not in ("query", "form_post"):
            raise ValueError('response_mode must be "query" or "form_post"')
        if response_mode == "query" and {"name", "email"} & set(scope or ()):
            # Apple refuses such a request at its own page ("response_mode must be form_post
            # when name or email scope is requested"): say so here, before a user meets it.
            raise ValueError('the "name" and "email" scopes need response_mode="form_post"')
        if not isinstance(team_id, str) or not team_id or not isinstance(key_id, str) or not key_id:
            raise ValueError("team_id and key_id must be non-empty str")
        self.private_key = _private_key(certificate)
        self.team_id = team_id
        self.key_id = key_id
        self.response_mode = response_mode
        super().__init__(
            auth,
            client_id=client_id,
            client_secret="",
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )

    def client_secret_jwt(self) -> str:
        """A new client secret: ``iss`` team id, ``sub`` client id, ``aud`` Apple, 3 minutes."""
        now = int(time.time())
        claims = {"iss": self.team_id, "iat": now, "exp": now + CLIENT_SECRET_LIFETIME, "aud": APPLE}
        claims["sub"] = self.client_id
        header = {"alg": "ES256", "kid": self.key_id}
        return jws.serialize_compact(header, json.dumps(claims), self.private_key, algorithms=["ES256"])

    def _client_password(self) -> dict[str, str]:
        return {"client_secret": self.client_secret_jwt(), "authenticate_with": "client_secret"}

    def authorization_parameters(self) -> dict[str, str]:
        return {"response_mode": self.response_mode}

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        return APPLE, f"{APPLE}/auth/keys"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> AppleUserAuth:
        claims = await self.verified_id_token(answer)
        if claims is None:
            raise answer.error("no id_token in the answer")
        user = {
            "sub": claims["sub"],
            "email": claims.get("email"),
            "email_verified": claims.get("email_verified"),
        }
        if not isinstance(user["sub"], str) or not user["sub"]:
            raise answer.error("no sub in the id_token")
        return AppleUserAuth(self.auth, user["sub"], user, OAuth2Tokens.from_answer(answer.body))


apple = AppleAuth
