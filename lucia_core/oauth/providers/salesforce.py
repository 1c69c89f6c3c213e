"""Salesforce: ``salesforce(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens

ORIGIN = "https://login.salesforce.com"


class SalesforceUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``salesforce_user``: ``GET /services/oauth2/userinfo``; the id is its ``user_id``."""

    name = "salesforce"
    salesforce_user: dict[str, Any]
    salesforce_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        return claims_email(self.salesforce_user)


class SalesforceAuth(OAuth2ProviderAuthWithPKCE[SalesforceUserAuth]):
    """Always asks for ``openid``, ``id`` and ``profile``; with PKCE; the id_token is verified."""

    provider_id = "salesforce"
    authorization_url = f"{ORIGIN}/services/oauth2/authorize"
    token_url = f"{ORIGIN}/services/oauth2/token"
    base_scope = ("openid", "id", "profile")
    sends_nonce = True

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        return ORIGIN, f"{ORIGIN}/id/keys"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> SalesforceUserAuth:
        await self.verified_id_token(answer, nonce)
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch(f"{ORIGIN}/services/oauth2/userinfo", tokens.access_token)
        return SalesforceUserAuth(self.auth, user.identifier("user_id"), user.body, tokens)


salesforce = SalesforceAuth
