"""Any OpenID Provider, by discovery: ``oidc(auth, issuer=..., client_id=...)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ...auth import Auth
from ..discovery import OpenIDConfiguration
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuthWithPKCE, ProviderUserAuth, claims_email
from ..tokens import OAuth2Tokens


@dataclass(frozen=True, kw_only=True, repr=False)
class OidcTokens(OAuth2Tokens):
    """The tokens of an OpenID Provider; ``token_type`` and ``scope`` as it answered."""

    token_type: str | None = None
    scope: str | None = None


class OidcUserAuth(ProviderUserAuth):
    """``oidc_user``: the verified id_token claims merged over the userinfo answer."""

    def __init__(self, auth: Auth, provider_id: str, user: dict[str, Any], tokens: OidcTokens) -> None:
        super().__init__(auth, provider_id, user["sub"])
        self.oidc_user = user
        self.oidc_tokens = tokens

    def verified_email(self) -> str | None:
        return claims_email(self.oidc_user)


class OidcAuth(OAuth2ProviderAuthWithPKCE[OidcUserAuth]):
    """Sign in with any OpenID Provider: endpoints from its discovery document, always PKCE S256
    and a nonce, the id_token verified, ``openid`` always requested."""

    base_scope = ("openid",)
    default_scope = ("profile", "email")
    sends_nonce = True

    def __init__(
        self,
        auth: Auth,
        *,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        scope: Sequence[str] | None = None,
        redirect_uri: str | None = None,
        provider_id: str = "oidc",
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        self.client_authentication = "none" if client_secret is None else "http_basic_auth"
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            redirect_uri=redirect_uri,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        if not isinstance(provider_id, str) or not provider_id or ":" in provider_id:
            raise ValueError("provider_id must be a non-empty str without ':'")
        self.provider_id = provider_id
        self.configuration = OpenIDConfiguration(issuer, http_client)

    async def authorization_endpoint(self) -> str:
        return (await self.configuration.document())["authorization_endpoint"]  # type: ignore[no-any-return]

    async def token_endpoint(self) -> str:
        document = await self.configuration.document()
        methods = document.get("token_endpoint_auth_methods_supported")
        if (
            self.client_secret is not None
            and isinstance(methods, list)
            and "client_secret_basic" not in methods
        ) and "client_secret_post" in methods:
            self.client_authentication = "client_secret"
        return document["token_endpoint"]  # type: ignore[no-any-return]

    async def id_token_issuer(self, claims: Any) -> tuple[str, str]:
        document = await self.configuration.document()
        return self.configuration.issuer, document["jwks_uri"]

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> OidcUserAuth:
        claims = await self.verified_id_token(answer, nonce)
        if claims is None:
            raise answer.error("no id_token in the answer of an OpenID Provider")
        tokens = OidcTokens.from_answer(answer.body)
        user = dict(claims)
        userinfo_endpoint = await self.configuration.endpoint("userinfo_endpoint")
        if userinfo_endpoint is not None:
            userinfo = await self.fetch(userinfo_endpoint, tokens.access_token)
            if userinfo.body.get("sub") != claims["sub"]:
                raise userinfo.error("the userinfo sub differs from the id_token's")
            user = {**userinfo.body, **claims}
        if not isinstance(user.get("sub"), str) or not user["sub"]:
            raise answer.error("the id_token has no sub")
        return OidcUserAuth(self.auth, self.provider_id, user, tokens)


def oidc(
    auth: Auth,
    *,
    issuer: str,
    client_id: str,
    client_secret: str | None = None,
    scope: Sequence[str] | None = None,
    redirect_uri: str | None = None,
    provider_id: str = "oidc",
    http_client: httpx.AsyncClient | None = None,
    jwks_cache: JwksCache | None = None,
) -> OidcAuth:
    """A provider for the OpenID issuer ``issuer`` (``provider_user_id`` is the ``sub``)."""
    return OidcAuth(
        auth,
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        scope=scope,
        redirect_uri=redirect_uri,
        provider_id=provider_id,
        http_client=http_client,
        jwks_cache=jwks_cache,
    )
