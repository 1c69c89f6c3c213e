"""Keycloak: ``keycloak(auth, domain=..., realm=..., client_id=..., client_secret=...)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from ...auth import Auth
from ..errors import IdTokenError
from ..http import JsonAnswer
from ..id_token import JwksCache, check_claims, verify_signed_jwt
from ..provider import OAuth2ProviderAuthWithPKCE, OAuth2UserAuth, claims_email
from ..tokens import OAuth2Tokens
from .hosts import origin_of


@dataclass(frozen=True, kw_only=True, repr=False)
class KeycloakTokens(OAuth2Tokens):
    """Keycloak also sends the refresh token's lifetime (``refresh_expires_in``), the token type
    and the granted scope."""

    answer_names: ClassVar[Mapping[str, str]] = {"refresh_token_expires_in": "refresh_expires_in"}

    refresh_token_expires_in: int | None = None
    token_type: str | None = None
    scope: str | None = None


@dataclass(frozen=True)
class KeycloakRole:
    """A role of the user: a realm role (``client`` None) or a client's (``resource``) role."""

    role_type: str
    client: str | None
    role: str


class KeycloakUserAuth(OAuth2UserAuth[KeycloakTokens]):
    """``keycloak_user``: the userinfo answer; ``keycloak_roles``: the roles of the (verified)
    access token; the id is the ``sub``."""

    name = "keycloak"
    keycloak_user: dict[str, Any]
    keycloak_tokens: KeycloakTokens
    keycloak_roles: list[KeycloakRole]

    def verified_email(self) -> str | None:
        return claims_email(self.keycloak_user)


def roles_of(claims: Mapping[str, Any]) -> list[KeycloakRole]:
    """The realm and client roles in an access token's ``realm_access`` and ``resource_access``."""
    roles: list[KeycloakRole] = []
    realm_access = claims.get("realm_access")
    if isinstance(realm_access, dict):
        roles += [KeycloakRole("realm", None, r) for r in realm_access.get("roles", []) if isinstance(r, str)]
    resource_access = claims.get("resource_access")
    if isinstance(resource_access, dict):
        for client, access in resource_access.items():
            if isinstance(access, dict):
                names = [r for r in access.get("roles", []) if isinstance(r, str)]
                roles += [KeycloakRole("resource", client, r) for r in names]
    return roles


class KeycloakAuth(OAuth2ProviderAuthWithPKCE[KeycloakUserAuth]):
    """Always asks for ``profile`` and ``openid``; PKCE, a nonce, HTTP Basic client
    authentication; the id_token is verified, and so is the access token the roles come from."""

    provider_id = "keycloak"
    base_scope = ("profile", "openid")
    client_authentication = "http_basic_auth"
    sends_nonce = True

    def __init__(
        self,
        auth: Auth,
        *,
        domain: str,
        realm: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str | None = None,
        scope: Sequence[str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        if not isinstance(realm, str) or not realm or any(c in realm for c in "/?#%"):
            raise ValueError("realm must be a realm name")
        super().__init__(
            auth,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            scope=scope,
            http_client=http_client,
            jwks_cache=jwks_cache,
        )
        self.issuer = f"{origin_of(domain)}/realms/{realm}"

    async def authorization_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/auth"

    async def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str]:
        return self.issuer, f"{self.issuer}/protocol/openid-connect/certs"

    async def _roles(self, access_token: str) -> list[KeycloakRole]:
        claims = await verify_signed_jwt(
            access_token,
            jwks_uri=f"{self.issuer}/protocol/openid-connect/certs",
            http_client=self.http_client,
            jwks_cache=self.jwks_cache,
        )
        # An access token's audience is the resource servers ("account"); it was issued to us (azp).
        check_claims({**claims, "aud": self.client_id}, issuer=self.issuer, audience=self.client_id)
        if claims.get("azp") != self.client_id:
            raise IdTokenError("azp: the access token was issued to another client")
        return roles_of(claims)

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> KeycloakUserAuth:
        claims = await self.verified_id_token(answer, nonce)
        if claims is None:
            raise answer.error("no id_token in the answer")
        tokens = KeycloakTokens.from_answer(answer.body)
        roles = await self._roles(tokens.access_token)
        user = await self.fetch(f"{self.issuer}/protocol/openid-connect/userinfo", tokens.access_token)
        if user.identifier("sub") != claims.get("sub"):
            raise user.error("the userinfo sub differs from the id_token's")
        user_auth = KeycloakUserAuth(self.auth, user.identifier("sub"), user.body, tokens)
        user_auth.keycloak_roles = roles
        return user_auth


keycloak = KeycloakAuth
