"""GitLab (gitlab.com or your own): ``gitlab(auth, client_id=..., client_secret=..., server_url=...)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..oauth2 import with_query
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class GitlabUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``gitlab_user``: ``GET {server_url}/api/v4/user``; the id is its numeric ``id`` as a str."""

    name = "gitlab"
    gitlab_user: dict[str, Any]
    gitlab_tokens: OAuth2Tokens


class GitlabAuth(OAuth2ProviderAuthWithPKCE[GitlabUserAuth]):
    """Always asks for ``read_user``; with PKCE. Add ``openid`` to the scope and the id_token is
    verified against ``{server_url}/oauth/discovery/keys``."""

    provider_id = "gitlab"
    base_scope = ("read_user",)

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        server_url: str = "https://gitlab.com",
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        self.server_url = with_query(server_url, {}).rstrip("/")

    async def authorization_endpoint(self) -> str:
        return f"{self.server_url}/oauth/authorize"

    async def token_endpoint(self) -> str:
        return f"{self.server_url}/oauth/token"

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        return self.server_url, f"{self.server_url}/oauth/discovery/keys"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> GitlabUserAuth:
        await self.verified_id_token(answer, nonce)
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch(f"{self.server_url}/api/v4/user", tokens.access_token)
        return GitlabUserAuth(self.auth, user.identifier("id"), user.body, tokens)


gitlab = GitlabAuth
