"""LINE Login v2.1: ``line(auth, client_id=..., client_secret=..., redirect_uri=...)``."""

from __future__ import annotations

from typing import Any

from ..http import JsonAnswer, build_request, send_json
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth
from ..tokens import OAuth2Tokens

VERIFY_URL = "https://api.line.me/oauth2/v2.1/verify"


class LineUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``line_user``: ``GET https://api.line.me/v2/profile`` plus ``email`` from the verified
    id_token (None without the ``email`` scope); the id is its ``userId``."""

    name = "line"
    line_user: dict[str, Any]
    line_tokens: OAuth2Tokens


class LineAuth(OAuth2ProviderAuthWithPKCE[LineUserAuth]):
    """Always asks for ``profile`` and ``openid``; with PKCE and a nonce. LINE signs web logins'
    id_tokens with HMAC (the channel secret), which :func:`verify_id_token` refuses, so the
    id_token is verified by LINE's own verify endpoint, with the client id and the nonce."""

    provider_id = "line"
    authorization_url = "https://access.line.me/oauth2/v2.1/authorize"
    token_url = "https://api.line.me/oauth2/v2.1/token"
    base_scope = ("profile", "openid")
    sends_nonce = True

    async def _verified_claims(self, answer: JsonAnswer, nonce: str | None) -> dict[str, Any]:
        id_token = answer.get("id_token")
        if not isinstance(id_token, str):
            raise answer.error("no id_token in the answer")
        form = {"id_token": id_token, "client_id": self.client_id}
        if nonce is not None:
            form["nonce"] = nonce
        verified = await send_json(build_request("POST", VERIFY_URL, form=form), self.http_client)
        if verified.get("aud") != self.client_id or verified.get("iss") != "https://access.line.me":
            raise verified.error("the verified id_token is for another client or issuer")
        return verified.body

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> LineUserAuth:
        claims = await self._verified_claims(answer, nonce)
        tokens = OAuth2Tokens.from_answer(answer.body)
        profile = await self.fetch("https://api.line.me/v2/profile", tokens.access_token)
        user_id = profile.identifier("userId")
        if claims.get("sub") != user_id:
            raise profile.error("the profile's userId differs from the id_token's sub")
        user = {
            **profile.body,
            "email": claims.get("email") if isinstance(claims.get("email"), str) else None,
        }
        return LineUserAuth(self.auth, user_id, user, tokens)


line = LineAuth
