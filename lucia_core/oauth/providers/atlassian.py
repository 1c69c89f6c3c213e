"""Atlassian (3LO apps): ``atlassian(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class AtlassianUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``atlassian_user``: ``GET https://api.atlassian.com/me``; the id is its ``account_id``."""

    name = "atlassian"
    atlassian_user: dict[str, Any]
    atlassian_tokens: OAuth2Tokens


class AtlassianAuth(OAuth2ProviderAuth[AtlassianUserAuth]):
    """Always asks for ``read:me``, with ``audience=api.atlassian.com`` and ``prompt=consent``."""

    provider_id = "atlassian"
    authorization_url = "https://auth.atlassian.com/authorize"
    token_url = "https://auth.atlassian.com/oauth/token"
    base_scope = ("read:me",)

    def authorization_parameters(self) -> dict[str, str]:
        return {"audience": "api.atlassian.com", "prompt": "consent"}

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> AtlassianUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://api.atlassian.com/me", tokens.access_token)
        return AtlassianUserAuth(self.auth, user.identifier("account_id"), user.body, tokens)


atlassian = AtlassianAuth
