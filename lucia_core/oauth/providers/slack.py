"""Slack (Sign in with Slack, OpenID Connect): ``slack(auth, client_id=..., client_secret=..., ...)``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...ids import generate_random_string
from ..http import JsonAnswer
from ..provider import OAuth2ProviderAuth, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens


class SlackUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``slack_user``: ``POST https://slack.com/api/openid.connect.userInfo``; the id is its ``sub``."""

    name = "slack"
    slack_user: dict[str, Any]
    slack_tokens: OAuth2Tokens

    def verified_email(self) -> str | None:
        return claims_email(self.slack_user)


def _checked(answer: JsonAnswer) -> JsonAnswer:
    # Slack's Web API answers 200 with {"ok": false, "error": ...} when it refuses.
    if answer.body.get("ok") is False:
        raise answer.error("Slack answered ok: false")
    return answer


class SlackAuth(OAuth2ProviderAuth[SlackUserAuth]):
    """Always asks for ``openid`` and ``profile``; the id_token is verified (its nonce cannot
    be: Lucia v2's flow keeps no nonce for a provider without PKCE)."""

    provider_id = "slack"
    authorization_url = "https://slack.com/openid/connect/authorize"
    token_url = "https://slack.com/api/openid.connect.token"
    base_scope = ("openid", "profile")

    def authorization_parameters(self) -> dict[str, str]:
        return {"nonce": generate_random_string(40)}

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        return "https://slack.com", "https://slack.com/openid/connect/keys"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> SlackUserAuth:
        _checked(answer)
        claims = await self.verified_id_token(answer)
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = _checked(
            # Slack documents this method as POST, the token in the Authorization header.
            await self.fetch(
                "https://slack.com/api/openid.connect.userInfo", tokens.access_token, method="POST"
            )
        )
        if claims is not None and claims.get("sub") != user.body.get("sub"):
            raise user.error("the userinfo sub differs from the id_token's")
        return SlackUserAuth(self.auth, user.identifier("sub"), user.body, tokens)


slack = SlackAuth
