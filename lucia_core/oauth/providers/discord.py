"""Discord: ``discord(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class DiscordUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``discord_user``: ``GET https://discord.com/api/users/@me``; the id is its ``id``."""

    name = "discord"
    discord_user: dict[str, Any]
    discord_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        email = self.discord_user.get("email")
        return (
            email if isinstance(email, str) and email and self.discord_user.get("verified") is True else None
        )


class DiscordAuth(OAuth2ProviderAuth[DiscordUserAuth]):
    """Always asks for ``identify`` (add ``email`` for the address)."""

    provider_id = "discord"
    authorization_url = "https://discord.com/oauth2/authorize"
    token_url = "https://discord.com/api/oauth2/token"
    base_scope = ("identify",)

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> DiscordUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://discord.com/api/users/@me", tokens.access_token)
        return DiscordUserAuth(self.auth, user.identifier("id"), user.body, tokens)


discord = DiscordAuth
