"""Twitter / X (OAuth 2.0 with PKCE): ``twitter(auth, client_id=..., client_secret=..., ...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class TwitterUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``twitter_user``: the ``data`` of ``GET https://api.twitter.com/2/users/me``; the id is its ``id``."""

    name = "twitter"
    twitter_user: dict[str, Any]
    twitter_tokens: OAuth2Tokens


class TwitterAuth(OAuth2ProviderAuthWithPKCE[TwitterUserAuth]):
    """Always asks for ``tweet.read`` and ``users.read``; the client authenticates with HTTP Basic."""

    provider_id = "twitter"
    authorization_url = "https://twitter.com/i/oauth2/authorize"
    token_url = "https://api.twitter.com/2/oauth2/token"
    base_scope = ("tweet.read", "users.read")
    client_authentication = "http_basic_auth"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> TwitterUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://api.twitter.com/2/users/me", tokens.access_token)
        return TwitterUserAuth(self.auth, user.identifier("data", "id"), user.object("data"), tokens)


twitter = TwitterAuth
