"""Strava: ``strava(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


@dataclass(frozen=True, kw_only=True, repr=False)
class StravaTokens(OAuth2Tokens):
    """Strava also sends when the access token expires (epoch seconds)."""

    expires_at: int | None = None


class StravaUserAuth(OAuth2UserAuth[StravaTokens]):
    """``strava_user``: the ``athlete`` of the token answer; the id is its numeric ``id``."""

    name = "strava"
    strava_user: dict[str, Any]
    strava_tokens: StravaTokens


class StravaAuth(OAuth2ProviderAuth[StravaUserAuth]):
    """Asks for ``read`` unless scopes are given, comma-separated as Strava documents; the token
    request takes no redirect_uri."""

    provider_id = "strava"
    authorization_url = "https://www.strava.com/oauth/authorize"
    token_url = "https://www.strava.com/oauth/token"
    default_scope = ("read",)
    scope_separator = ","
    token_redirect_uri = False

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> StravaUserAuth:
        tokens = StravaTokens.from_answer(answer.body)
        return StravaUserAuth(self.auth, answer.identifier("athlete", "id"), answer.object("athlete"), tokens)


strava = StravaAuth
