"""osu!: ``osu(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class OsuUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``osu_user``: ``GET https://osu.ppy.sh/api/v2/me/osu``; the id is its numeric ``id``."""

    name = "osu"
    osu_user: dict[str, Any]
    osu_tokens: OAuth2Tokens


class OsuAuth(OAuth2ProviderAuth[OsuUserAuth]):
    """Always asks for ``identify``."""

    provider_id = "osu"
    authorization_url = "https://osu.ppy.sh/oauth/authorize"
    token_url = "https://osu.ppy.sh/oauth/token"
    base_scope = ("identify",)

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> OsuUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://osu.ppy.sh/api/v2/me/osu", tokens.access_token)
        return OsuUserAuth(self.auth, user.identifier("id"), user.body, tokens)


osu = OsuAuth
