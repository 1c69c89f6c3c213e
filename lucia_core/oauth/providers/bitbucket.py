"""Bitbucket Cloud: ``bitbucket(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class BitbucketUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``bitbucket_user``: ``GET https://api.bitbucket.org/2.0/user``; the id is its ``uuid``."""

    name = "bitbucket"
    bitbucket_user: dict[str, Any]
    bitbucket_tokens: OAuth2Tokens


class BitbucketAuth(OAuth2ProviderAuth[BitbucketUserAuth]):
    """Asks for the ``account`` scope; the client authenticates with HTTP Basic."""

    provider_id = "bitbucket"
    authorization_url = "https://bitbucket.org/site/oauth2/authorize"
    token_url = "https://bitbucket.org/site/oauth2/access_token"
    base_scope = ("account",)
    client_authentication = "http_basic_auth"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> BitbucketUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://api.bitbucket.org/2.0/user", tokens.access_token)
        return BitbucketUserAuth(self.auth, user.identifier("uuid"), user.body, tokens)


bitbucket = BitbucketAuth
