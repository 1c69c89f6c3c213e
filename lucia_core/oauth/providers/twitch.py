"""Twitch: ``twitch(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class TwitchUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``twitch_user``: the first of ``GET https://api.twitch.tv/helix/users``; the id is its ``id``."""

    name = "twitch"
    twitch_user: dict[str, Any]
    twitch_tokens: OAuth2Tokens


class TwitchAuth(OAuth2ProviderAuth[TwitchUserAuth]):
    """The Helix API needs the client id beside the token. Add ``openid`` to the scope and the
    id_token is verified."""

    provider_id = "twitch"
    authorization_url = "https://id.twitch.tv/oauth2/authorize"
    token_url = "https://id.twitch.tv/oauth2/token"

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        return "https://id.twitch.tv/oauth2", "https://id.twitch.tv/oauth2/keys"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> TwitchUserAuth:
        await self.verified_id_token(answer)
        tokens = OAuth2Tokens.from_answer(answer.body)
        users = await self.fetch(
            "https://api.twitch.tv/helix/users", tokens.access_token, headers={"Client-Id": self.client_id}
        )
        data = users.get("data")
        if not isinstance(data, list) or not data or not isinstance(data[0], dict):
            raise users.error("no user in the answer")
        user_id = data[0].get("id")
        if not isinstance(user_id, str) or not user_id:
            raise users.error("no id in the answer")
        return TwitchUserAuth(self.auth, user_id, data[0], tokens)


twitch = TwitchAuth
