"""Lichess (PKCE, no client secret): ``lichess(auth, client_id=..., redirect_uri=...)``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class LichessUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``lichess_user``: ``GET https://lichess.org/api/account``; the id is its ``id``."""

    name = "lichess"
    lichess_user: dict[str, Any]
    lichess_tokens: OAuth2Tokens


class LichessAuth(OAuth2ProviderAuthWithPKCE[LichessUserAuth]):
    """Lichess clients are public: any client id, no secret."""

    provider_id = "lichess"
    authorization_url = "https://lichess.org/oauth"
    token_url = "https://lichess.org/api/token"
    client_authentication = "none"

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        super().__init__(
            auth,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> LichessUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch("https://lichess.org/api/account", tokens.access_token)
        return LichessUserAuth(self.auth, user.identifier("id"), user.body, tokens)


lichess = LichessAuth
