"""Patreon: ``patreon(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens

USER_FIELDS = "about,email,full_name,hide_pledges,image_url,is_email_verified,url"


class PatreonUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``patreon_user``: the ``data`` of ``GET /api/oauth2/v2/identity``; the id is its ``id``."""

    name = "patreon"
    patreon_user: dict[str, Any]
    patreon_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        attributes = self.patreon_user.get("attributes")
        if not isinstance(attributes, dict) or attributes.get("is_email_verified") is not True:
            return None
        email = attributes.get("email")
        return email if isinstance(email, str) and email else None


class PatreonAuth(OAuth2ProviderAuth[PatreonUserAuth]):
    """Always asks for ``identity`` (add ``identity[email]`` for the address)."""

    provider_id = "patreon"
    authorization_url = "https://www.patreon.com/oauth2/authorize"
    token_url = "https://www.patreon.com/api/oauth2/token"
    base_scope = ("identity",)

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> PatreonUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        url = "https://www.patreon.com/api/oauth2/v2/identity"
        user = await self.fetch(url, tokens.access_token, params={"fields[user]": USER_FIELDS})
        return PatreonUserAuth(self.auth, user.identifier("data", "id"), user.object("data"), tokens)


patreon = PatreonAuth
