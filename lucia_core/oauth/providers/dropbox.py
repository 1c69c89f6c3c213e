"""Dropbox: ``dropbox(auth, client_id=..., client_secret=..., token_access_type="online")``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth
from ..tokens import OAuth2Tokens


class DropboxUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``dropbox_user``: ``POST /2/users/get_current_account``; the id is its ``account_id``."""

    name = "dropbox"
    dropbox_user: dict[str, Any]
    dropbox_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        email = self.dropbox_user.get("email")
        return email if isinstance(email, str) and self.dropbox_user.get("email_verified") is True else None


class DropboxAuth(OAuth2ProviderAuthWithPKCE[DropboxUserAuth]):
    """Always asks for ``account_info.read``; with PKCE (Dropbox supports it for every app)."""

    provider_id = "dropbox"
    authorization_url = "https://www.dropbox.com/oauth2/authorize"
    token_url = "https://api.dropboxapi.com/oauth2/token"
    base_scope = ("account_info.read",)

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        token_access_type: Literal["online", "offline"] = "online",
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        if token_access_type not in ("online", "offline"):
            raise ValueError('token_access_type must be "online" or "offline"')
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        self.token_access_type = token_access_type

    def authorization_parameters(self) -> dict[str, str]:
        return {"token_access_type": self.token_access_type}

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> DropboxUserAuth:
        tokens = OAuth2Tokens.from_answer(answer.body)
        url = "https://api.dropboxapi.com/2/users/get_current_account"
        user = await self.fetch(url, tokens.access_token, method="POST")
        return DropboxUserAuth(self.auth, user.identifier("account_id"), user.body, tokens)


dropbox = DropboxAuth
