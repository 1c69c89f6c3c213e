"""Kakao: ``kakao(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth
from ..tokens import OAuth2Tokens


@dataclass(frozen=True, kw_only=True, repr=False)
class KakaoTokens(OAuth2Tokens):
    """Kakao also says how long its refresh token lives."""

    refresh_token_expires_in: int | None = None


class KakaoUserAuth(OAuth2UserAuth[KakaoTokens]):
    """``kakao_user``: ``GET https://kapi.kakao.com/v2/user/me``; the id is its numeric ``id``."""

    name = "kakao"
    kakao_user: dict[str, Any]
    kakao_tokens: KakaoTokens

    def verified_email(self) -> str | None:
        account = self.kakao_user.get("kakao_account")
        if not isinstance(account, dict):
            return None
        email = account.get("email")
        valid = account.get("is_email_valid") is True and account.get("is_email_verified") is True
        return email if isinstance(email, str) and valid else None


class KakaoAuth(OAuth2ProviderAuth[KakaoUserAuth]):
    """Kakao's consent items are set on the app; the token request repeats the redirect_uri, as
    Kakao's documentation requires."""

    provider_id = "kakao"
    authorization_url = "https://kauth.kakao.com/oauth/authorize"
    token_url = "https://kauth.kakao.com/oauth/token"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> KakaoUserAuth:
        tokens = KakaoTokens.from_answer(answer.body)
        user = await self.fetch("https://kapi.kakao.com/v2/user/me", tokens.access_token)
        return KakaoUserAuth(self.auth, user.identifier("id"), user.body, tokens)


kakao = KakaoAuth
