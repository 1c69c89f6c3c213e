"""Microsoft Entra ID (Azure AD), v2.0 endpoints: ``azure_ad(auth, client_id=..., tenant=...)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from ...auth import Auth
from ..http import JsonAnswer
from ..id_token import JwksCache
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth
from ..tokens import OAuth2Tokens
from .hosts import origin_of

#: Tenants that stand for many: the id_token's issuer names the user's own tenant (``tid``).
MULTI_TENANT = ("common", "organizations", "consumers")


class AzureAdUserAuth(OAuth2UserAuth[OAuth2Tokens]):
    """``azure_ad_user``: ``GET https://graph.microsoft.com/oidc/userinfo``; the id is its ``sub``.
    (Entra ID does not verify ``email``: it is never used for linking.)"""

    name = "azure_ad"
    azure_ad_user: dict[str, Any]
    azure_ad_tokens: OAuth2Tokens


class AzureAdAuth(OAuth2ProviderAuthWithPKCE[AzureAdUserAuth]):
    """Always asks for ``openid`` and ``profile``; with PKCE and a nonce; the id_token is verified
    (for a multi-tenant app, against the issuer of the user's tenant). ``authority`` and
    ``graph_url`` point elsewhere than Microsoft's public cloud (a national cloud, a test server)."""

    provider_id = "azure_ad"
    base_scope = ("openid", "profile")
    sends_nonce = True

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str,
        tenant: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        authority: str = "https://login.microsoftonline.com",
        graph_url: str = "https://graph.microsoft.com",
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        if not isinstance(tenant, str) or not tenant or "/" in tenant or "?" in tenant or "#" in tenant:
            raise ValueError("tenant must be a tenant id, a domain, or common / organizations / consumers")
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        self.tenant = tenant
        self.authority = origin_of(authority)
        self.graph_url = origin_of(graph_url)

    async def authorization_endpoint(self) -> str:
        return f"{self.authority}/{self.tenant}/oauth2/v2.0/authorize"

    async def token_endpoint(self) -> str:
        return f"{self.authority}/{self.tenant}/oauth2/v2.0/token"

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        tenant = self.tenant
        if tenant in MULTI_TENANT:
            tid = claims.get("tid")
            tenant = tid if isinstance(tid, str) and tid.replace("-", "").isalnum() else tenant
        return f"{self.authority}/{tenant}/v2.0", f"{self.authority}/{self.tenant}/discovery/v2.0/keys"

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> AzureAdUserAuth:
        claims = await self.verified_id_token(answer, nonce)
        if claims is None:
            raise answer.error("no id_token in the answer")
        tokens = OAuth2Tokens.from_answer(answer.body)
        user = await self.fetch(f"{self.graph_url}/oidc/userinfo", tokens.access_token)
        if user.identifier("sub") != claims.get("sub"):
            raise user.error("the userinfo sub differs from the id_token's")
        return AzureAdUserAuth(self.auth, user.identifier("sub"), user.body, tokens)


azure_ad = AzureAdAuth
