"""Auth0: ``auth0(auth, client_id=..., client_secret=..., app_domain=..., redirect_uri=...)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens
from .hosts import origin_of


class Auth0UserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``auth0_user``: ``GET /userinfo`` with ``id``, the part of ``sub`` after its ``|`` (as
    Lucia v2 stores it), which is the ``provider_user_id``."""

    name = "auth0"
    auth0_user: dict[str, Any]
    auth0_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        return claims_email(self.auth0_user)


class Auth0Auth(OAuth2ProviderAuthWithPKCE[Auth0UserAuth]):
    """Always asks for ``openid`` and ``profile``; with PKCE and a nonce; the id_token is verified
    against ``{app_domain}/.well-known/jwks.json``."""

    provider_id = "auth0"
    base_scope = ("openid", "profile")
    sends_nonce = True

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str,
        app_domain: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
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
        self.origin = origin_of(app_domain)

    async def authorization_endpoint(self) -> str:
        return f"{self.origin}/authorize"

    async def token_endpoint(self) -> str:
        return f"{self.origin}/oauth/token"

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        return f"{self.origin}/", f"{self.origin}/.well-known/jwks.json"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> Auth0UserAuth:
        claims = await self.verified_id_token(answer, nonce)
        if claims is None:
            raise answer.error("no id_token in the answer")
        tokens = OAuth2Tokens.from_answer(answer.body)
        profile = await self.fetch(f"{self.origin}/userinfo", tokens.access_token)
        sub = profile.identifier("sub")
        if sub != claims.get("sub"):
            raise profile.error("the userinfo sub differs from the id_token's")
        user_id = sub.split("|")[1] if "|" in sub else sub
        return Auth0UserAuth(self.auth, user_id, {"id": user_id, **profile.body}, tokens)


auth0 = Auth0Auth
