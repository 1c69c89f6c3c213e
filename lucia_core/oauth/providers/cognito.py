"""Amazon Cognito user pools: ``cognito(auth, client_id=..., client_secret=..., user_pool_domain=...)``."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens
from .hosts import origin_of

#: The issuer of a user pool's tokens: https://cognito-idp.{region}.amazonaws.com/{user pool id}.
_POOL_ISSUER = re.compile(r"https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/[A-Za-z0-9-]+_[A-Za-z0-9]+")


@dataclass(frozen=True, kw_only=True, repr=False)
class CognitoTokens(OAuth2Tokens):
    """Cognito also sends the token type."""

    token_type: str | None = None


class CognitoUserAuth(OAuth2UserAuth[CognitoTokens]):
    """``cognito_user``: the verified id_token claims; the id is ``cognito:username``."""

    name = "cognito"
    cognito_user: dict[str, Any]
    cognito_tokens: CognitoTokens

    def verified_email(self) -> str | None:
        return claims_email(self.cognito_user)


class CognitoAuth(OAuth2ProviderAuthWithPKCE[CognitoUserAuth]):
    """Always asks for ``openid``; with PKCE and a nonce. The id_token is verified against the
    user pool's keys: give ``issuer`` (``https://cognito-idp.{region}.amazonaws.com/{pool id}``),
    or it is taken from the token when it has that form."""

    provider_id = "cognito"
    base_scope = ("openid",)
    sends_nonce = True

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str,
        user_pool_domain: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        issuer: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        self.origin = origin_of(user_pool_domain)
        self.issuer = issuer

    async def authorization_endpoint(self) -> str:
        return f"{self.origin}/oauth2/authorize"

    async def token_endpoint(self) -> str:
        return f"{self.origin}/oauth2/token"

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str] | None:
        issuer = self.issuer
        if issuer is None:
            claimed = claims.get("iss")
            if not isinstance(claimed, str) or not _POOL_ISSUER.fullmatch(claimed):
                return None
            issuer = claimed
        return issuer, f"{issuer}/.well-known/jwks.json"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> CognitoUserAuth:
        claims = await self.verified_id_token(answer, nonce)
        if claims is None:
            raise answer.error("no id_token in the answer")
        username = claims.get("cognito:username")
        if not isinstance(username, str) or not username:
            raise answer.error("no cognito:username in the id_token")
        return CognitoUserAuth(self.auth, username, claims, CognitoTokens.from_answer(answer.body))


cognito = CognitoAuth
