"""Facebook Login: ``facebook(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens

GRAPH_VERSION = "v16.0"


class FacebookUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``facebook_user``: ``GET /me?fields=id,name,picture,email``; the id is its ``id``."""

    name = "facebook"
    facebook_user: dict[str, Any]
    facebook_tokens: OAuth2Tokens


class FacebookAuth(OAuth2ProviderAuth[FacebookUserAuth]):
    """Graph API v16.0, as Lucia v2; the access token goes in the Authorization header only."""

    provider_id = "facebook"
    authorization_url = f"https://www.facebook.com/{GRAPH_VERSION}/dialog/oauth"
    token_url = f"https://graph.facebook.com/{GRAPH_VERSION}/oauth/access_token"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> FacebookUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        params = {"fields": "id,name,picture,email"}
        user = await self.fetch("https://graph.facebook.com/me", tokens.access_token, params=params)
        return FacebookUserAuth(self.auth, user.identifier("id"), user.body, tokens)


facebook = FacebookAuth
