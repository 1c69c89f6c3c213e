"""Reddit: ``reddit(auth, client_id=..., client_secret=..., token_duration="permanent")``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class RedditUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``reddit_user``: ``GET https://oauth.reddit.com/api/v1/me``; the id is its ``id``."""

    name = "reddit"
    reddit_user: dict[str, Any]
    reddit_tokens: OAuth2Tokens


class RedditAuth(OAuth2ProviderAuth[RedditUserAuth]):
    """The client authenticates with HTTP Basic; ``duration`` is ``token_duration``."""

    provider_id = "reddit"
    authorization_url = "https://www.reddit.com/api/v1/authorize"
    token_url = "https://www.reddit.com/api/v1/access_token"
    client_authentication = "http_basic_auth"

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        token_duration: Literal["permanent", "temporary"] = "permanent",
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        if token_duration not in ("permanent", "temporary"):
            raise ValueError('token_duration must be "permanent" or "temporary"')
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        self.token_duration = token_duration

    def authorization_parameters(self) -> dict[str, str]:
        return {"duration": self.token_duration}

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> RedditUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://oauth.reddit.com/api/v1/me", tokens.access_token)
        return RedditUserAuth(self.auth, user.identifier("id"), user.body, tokens)


reddit = RedditAuth
