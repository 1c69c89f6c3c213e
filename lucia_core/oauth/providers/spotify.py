"""Spotify: ``spotify(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth
from ..tokens import OAuth2Tokens


@dataclass(frozen=True, kw_only=True, repr=False)
class SpotifyTokens(OAuth2Tokens):
    """Spotify also sends the token type and the granted scope."""

    token_type: str | None = None
    scope: str | None = None


class SpotifyUserAuth(OAuth2UserAuth[SpotifyTokens]):
    """``spotify_user``: ``GET https://api.spotify.com/v1/me``; the id is its ``id``."""

    name = "spotify"
    spotify_user: dict[str, Any]
    spotify_tokens: SpotifyTokens


class SpotifyAuth(OAuth2ProviderAuthWithPKCE[SpotifyUserAuth]):
    """The client authenticates with HTTP Basic; with PKCE."""

    provider_id = "spotify"
    authorization_url = "https://accounts.spotify.com/authorize"
    token_url = "https://accounts.spotify.com/api/token"
    client_authentication = "http_basic_auth"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> SpotifyUserAuth:
        tokens = SpotifyTokens.from_answer(answer.body)
        user = await self.fetch("https://api.spotify.com/v1/me", tokens.access_token)
        return SpotifyUserAuth(self.auth, user.identifier("id"), user.body, tokens)


spotify = SpotifyAuth
