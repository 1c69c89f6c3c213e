"""Google: ``google(auth, client_id=..., client_secret=..., redirect_uri=..., access_type="online")``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens

#: Google documents both forms of its issuer.
ISSUERS = ("https://accounts.google.com", "accounts.google.com")


class GoogleUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``google_user``: ``GET https://www.googleapis.com/oauth2/v3/userinfo``; the id is its ``sub``."""

    name = "google"
    google_user: dict[str, Any]
    google_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        return claims_email(self.google_user)


class GoogleAuth(OAuth2ProviderAuthWithPKCE[GoogleUserAuth]):
    """Always asks for ``userinfo.profile``; with PKCE. Add ``openid`` (and ``email``) to the scope
    and the id_token is verified and must name the same ``sub``."""

    provider_id = "google"
    authorization_url = "https://accounts.google.com/o/oauth2/v2/auth"
    token_url = "https://oauth2.googleapis.com/token"
    base_scope = ("https://www.googleapis.com/auth/userinfo.profile",)

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        access_type: Literal["online", "offline"] = "online",
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        if access_type not in ("online", "offline"):
            raise ValueError('access_type must be "online" or "offline"')
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        self.access_type = access_type

    def authorization_parameters(self) -> dict[str, str]:
        return {"access_type": self.access_type}

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        issuer = claims.get("iss") if claims.get("iss") in ISSUERS else ISSUERS[0]
        return str(issuer), "https://www.googleapis.com/oauth2/v3/certs"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> GoogleUserAuth:
        claims = await self.verified_id_token(answer)
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://www.googleapis.com/oauth2/v3/userinfo", tokens.access_token)
        if claims is not None and claims.get("sub") != user.body.get("sub"):
            raise user.error("the userinfo sub differs from the id_token's")
        return GoogleUserAuth(self.auth, user.identifier("sub"), user.body, tokens)


google = GoogleAuth
