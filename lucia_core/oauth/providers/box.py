"""Box: ``box(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class BoxUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``box_user``: ``GET https://api.box.com/2.0/users/me``; the id is its ``id``."""

    name = "box"
    box_user: dict[str, Any]
    box_tokens: OAuth2Tokens


class BoxAuth(OAuth2ProviderAuth[BoxUserAuth]):
    """Box's scopes are set on the app, not in the request (none are sent unless configured)."""

    provider_id = "box"
    authorization_url = "https://account.box.com/api/oauth2/authorize"
    token_url = "https://api.box.com/oauth2/token"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> BoxUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://api.box.com/2.0/users/me", tokens.access_token)
        return BoxUserAuth(self.auth, user.identifier("id"), user.body, tokens)


box = BoxAuth
