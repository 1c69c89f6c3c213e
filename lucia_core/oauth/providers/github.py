"""GitHub (OAuth apps, and GitHub Apps' user tokens): ``github(auth, client_id=..., client_secret=...)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


@dataclass(frozen=True, kw_only=True, repr=False)
class GithubTokens(OAuth2Tokens):
    """GitHub Apps with expiring tokens also send a refresh token and its lifetime."""

    refresh_token_expires_in: int | None = None


class GithubUserAuth(OAuth2UserAuth[GithubTokens]):
    """``github_user``: ``GET /user``; ``provider_user_id`` is its numeric ``id`` as a str."""

    name = "github"
    github_user: dict[str, Any]
    github_tokens: GithubTokens


class GithubAuth(OAuth2ProviderAuth[GithubUserAuth]):
    """GitHub's web application flow (its tokens endpoint takes no redirect_uri from Lucia v2)."""

    provider_id = "github"
    authorization_url = "https://github.com/login/oauth/authorize"
    token_url = "https://github.com/login/oauth/access_token"
    token_redirect_uri = False

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> GithubUserAuth:
        tokens = GithubTokens.from_answer(answer.body)
        user = await self.fetch("https://api.github.com/user", tokens.access_token)
        return GithubUserAuth(self.auth, user.identifier("id"), user.body, tokens)


github = GithubAuth
