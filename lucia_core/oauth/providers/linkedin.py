"""LinkedIn (Sign In with LinkedIn using OpenID Connect): ``linkedin(auth, client_id=..., ...)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens


@dataclass(frozen=True, kw_only=True, repr=False)
class LinkedinTokens(OAuth2Tokens):
    """LinkedIn also sends the refresh token's lifetime and the granted scope."""

    refresh_token_expires_in: int | None = None
    scope: str | None = None


class LinkedinUserAuth(OAuth2UserAuth[LinkedinTokens]):
    """``linkedin_user``: ``GET https://api.linkedin.com/v2/userinfo``; the id is its ``sub``."""

    name = "linkedin"
    linkedin_user: dict[str, Any]
    linkedin_tokens: LinkedinTokens

    def verified_email(self) -> str | None:
        return claims_email(self.linkedin_user)


_ISSUERS = ("https://www.linkedin.com", "https://www.linkedin.com/oauth")


class LinkedinAuth(OAuth2ProviderAuth[LinkedinUserAuth]):
    """Always asks for ``profile`` and ``openid``; the id_token is verified."""

    provider_id = "linkedin"
    authorization_url = "https://www.linkedin.com/oauth/v2/authorization"
    token_url = "https://www.linkedin.com/oauth/v2/accessToken"
    base_scope = ("profile", "openid")

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        # LinkedIn's documented ID token names https://www.linkedin.com, its discovery document
        # https://www.linkedin.com/oauth: either, nothing else, and always LinkedIn's keys.
        claimed = claims.get("iss")
        issuer = claimed if claimed in _ISSUERS else _ISSUERS[0]
        return issuer, "https://www.linkedin.com/oauth/openid/jwks"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> LinkedinUserAuth:
        claims = await self.verified_id_token(answer)
        tokens = LinkedinTokens.from_answer(answer.body)
        user = await self.fetch("https://api.linkedin.com/v2/userinfo", tokens.access_token)
        if claims is not None and claims.get("sub") != user.body.get("sub"):
            raise user.error("the userinfo sub differs from the id_token's")
        return LinkedinUserAuth(self.auth, user.identifier("sub"), user.body, tokens)


linkedin = LinkedinAuth
