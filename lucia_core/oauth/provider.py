"""Providers: the user a provider vouches for (:class:`ProviderUserAuth`) and the two base classes
every provider builds on (:class:`OAuth2ProviderAuth`, :class:`OAuth2ProviderAuthWithPKCE`).

A provider says where its endpoints are and how to read its user; the base classes do the rest:
the authorization URL with state (and PKCE), the code exchange with the provider's client
authentication, id_token verification, and the user requests.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

import httpx

from ..errors import LuciaError
from .http import JsonAnswer, build_request, send_json
from .id_token import JwksCache, decode_id_token, verify_id_token
from .oauth2 import (
    create_oauth2_authorization_url,
    create_oauth2_authorization_url_with_pkce,
    exchange,
    token_request,
    with_query,
)
from .tokens import OAuth2Tokens

if TYPE_CHECKING:
    from ..auth import Auth
    from ..key import Key
    from ..user import User


class ProviderUserAuth:
    """A user as a provider identified them: ``provider_id`` and ``provider_user_id``, the key id
    ``f"{provider_id}:{provider_user_id}"`` of lucia-core."""

    def __init__(self, auth: Auth, provider_id: str, provider_user_id: str) -> None:
        if not isinstance(provider_id, str) or not isinstance(provider_user_id, str):
            raise TypeError("provider_id and provider_user_id must be str")
        if not provider_id or not provider_user_id:
            raise ValueError("provider_id and provider_user_id must not be empty")
        self.auth = auth
        self.provider_id = provider_id
        self.provider_user_id = provider_user_id

    async def get_existing_user(self) -> User | None:
        """The user this provider account is linked to, or None (no such key). Other LuciaErrors
        (for example a key with a password) propagate."""
        try:
            key = await self.auth.use_key(self.provider_id, self.provider_user_id, None)
        except LuciaError as error:
            if error.code == "AUTH_INVALID_KEY_ID":
                return None
            raise
        return await self.auth.get_user(key.user_id)

    async def create_user(self, *, attributes: Mapping[str, Any], user_id: str | None = None) -> User:
        """A new user with ``attributes``, signing in with this provider account (a key without password)."""
        return await self.auth.create_user(
            key={
                "provider_id": self.provider_id,
                "provider_user_id": self.provider_user_id,
                "password": None,
            },
            attributes=attributes,
            user_id=user_id,
        )

    async def create_key(self, user_id: str) -> Key:
        """Link this provider account to the existing user ``user_id`` (AUTH_DUPLICATE_KEY_ID when
        it is linked already, to anyone)."""
        return await self.auth.create_key(
            user_id=user_id,
            provider_id=self.provider_id,
            provider_user_id=self.provider_user_id,
            password=None,
        )

    def verified_email(self) -> str | None:
        """The user's email address when the provider says it has verified it, else None.

        Account linking by email (:func:`lucia_core.oauth.link_by_verified_email`) uses only this.
        Providers that report verification override it; the default trusts nothing.
        """
        return None

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}(provider_id={self.provider_id!r}, provider_user_id={self.provider_user_id!r})"


def provider_user_auth(auth: Auth, provider_id: str, provider_user_id: str) -> ProviderUserAuth:
    """A :class:`ProviderUserAuth` for a provider of your own."""
    return ProviderUserAuth(auth, provider_id, provider_user_id)


def claims_email(claims: Mapping[str, Any]) -> str | None:
    """OpenID's ``email`` when ``email_verified`` is true (Apple sends it as the string "true")."""
    email = claims.get("email")
    verified = claims.get("email_verified")
    if isinstance(email, str) and email and verified in (True, "true"):
        return email
    return None


U = TypeVar("U", bound=ProviderUserAuth)
ClientAuthentication = Literal["client_secret", "http_basic_auth", "none"]


def nonce_for(code_verifier: str) -> str:
    """The ``nonce`` sent with a PKCE authorization request, derived from its code verifier, so
    the callback can check it without storing anything else (the verifier stays secret; the
    nonce, like the code challenge, may be seen)."""
    digest = hashlib.sha256(b"lucia-core nonce\x00" + code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class _ProviderAuth(Generic[U]):
    """What both base classes share. Subclasses set the class variables and implement
    :meth:`authorization_endpoint`, :meth:`token_endpoint` and :meth:`_user_auth`."""

    #: The key's provider id (a class attribute; ``oidc`` sets it per instance).
    provider_id: str
    #: The endpoints, for a provider whose hosts are fixed (others override the methods below).
    authorization_url: ClassVar[str] = ""
    token_url: ClassVar[str] = ""
    #: How scopes are joined in the authorization URL (Strava wants commas).
    scope_separator: ClassVar[str] = " "
    #: Scopes always requested, before the configured ones.
    base_scope: ClassVar[Sequence[str]] = ()
    #: Scopes requested when none are configured (after ``base_scope``).
    default_scope: ClassVar[Sequence[str]] = ()
    #: How the client authenticates at the token endpoint.
    client_authentication: ClientAuthentication = "client_secret"
    #: Whether the token request repeats the ``redirect_uri`` (RFC 6749 section 4.1.3).
    token_redirect_uri: ClassVar[bool] = True
    #: Whether a nonce goes with the authorization request and is checked in the id_token.
    sends_nonce: ClassVar[bool] = False

    def __init__(
        self,
        auth: Auth,
        *,
        client_id: str,
        client_secret: str | None = None,
        scope: Sequence[str] | None = None,
        redirect_uri: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        jwks_cache: JwksCache | None = None,
    ) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise ValueError("client_id must be a non-empty str")
        if self.client_authentication != "none" and not isinstance(client_secret, str):
            raise TypeError(f"{self.provider_id}: client_secret must be a str")
        if scope is not None and (isinstance(scope, str) or not all(isinstance(s, str) for s in scope)):
            raise TypeError("scope must be a list of str")
        if redirect_uri is not None:
            with_query(redirect_uri, {})  # ValueError unless an absolute http(s) URL
        self.auth = auth
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = list(scope) if scope is not None else None
        self.redirect_uri = redirect_uri
        self.http_client = http_client
        self.jwks_cache = jwks_cache

    # ------------------------------------------------------------ what a provider says

    async def authorization_endpoint(self) -> str:
        """Where the authorization request goes."""
        return self.authorization_url

    async def token_endpoint(self) -> str:
        """Where the code is exchanged."""
        return self.token_url

    def authorization_parameters(self) -> dict[str, str]:
        """Extra query parameters of the authorization URL."""
        return {}

    async def _user_auth(self, answer: JsonAnswer, nonce: str | None) -> U:
        """The user of a token answer (fetching what else is needed)."""
        raise NotImplementedError

    async def id_token_issuer(self, claims: Mapping[str, Any]) -> tuple[str, str] | None:
        """``(issuer, jwks_uri)`` to verify this provider's id_tokens with, or None when it sends
        none. ``claims`` (unverified) lets a multi-tenant provider pick the tenant's issuer."""
        return None

    # ------------------------------------------------------------ shared mechanics

    def requested_scope(self) -> list[str]:
        """The scopes of the authorization request."""
        configured = self.scope if self.scope is not None else list(self.default_scope)
        return [*self.base_scope, *(s for s in configured if s not in self.base_scope)]

    def _parameters(self) -> dict[str, str]:
        parameters = self.authorization_parameters()
        if self.scope_separator != " ":
            parameters["scope"] = self.scope_separator.join(self.requested_scope())
        return parameters

    def _client_password(self) -> dict[str, str] | None:
        if self.client_authentication == "none" or self.client_secret is None:
            return None
        return {"client_secret": self.client_secret, "authenticate_with": self.client_authentication}

    async def _exchange(self, code: str, code_verifier: str | None) -> JsonAnswer:
        request = token_request(
            code,
            await self.token_endpoint(),
            client_id=self.client_id,
            redirect_uri=self.redirect_uri if self.token_redirect_uri else None,
            code_verifier=code_verifier,
            client_password=self._client_password(),
        )
        return await exchange(request, self.http_client)

    async def fetch(
        self,
        url: str,
        access_token: str,
        *,
        method: str = "GET",
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> JsonAnswer:
        """A JSON object from the provider's API, with the access token as a bearer token."""
        request = build_request(method, url, access_token=access_token, params=params, headers=headers)
        return await send_json(request, self.http_client)

    async def verified_id_token(self, answer: JsonAnswer, nonce: str | None = None) -> dict[str, Any] | None:
        """The verified claims of the answer's ``id_token``; None when it has none (an id_token
        the provider cannot have sent, for lack of an issuer to check it against, is refused)."""
        id_token = answer.body.get("id_token")
        if id_token is None:
            return None
        if not isinstance(id_token, str):
            raise answer.error("the id_token is not a str")
        try:
            unverified = decode_id_token(id_token)
        except ValueError as error:
            raise answer.error(str(error)) from None
        issuer = await self.id_token_issuer(unverified)
        if issuer is None:
            raise answer.error(f"{self.provider_id} sent an id_token that cannot be verified")
        return await verify_id_token(
            id_token,
            issuer=issuer[0],
            audience=self.client_id,
            jwks_uri=issuer[1],
            nonce=nonce,
            http_client=self.http_client,
            jwks_cache=self.jwks_cache,
        )


T = TypeVar("T", bound=OAuth2Tokens)


class OAuth2UserAuth(ProviderUserAuth, Generic[T]):
    """The user of a built-in provider: sets ``<name>_user`` (the provider's user as it sent it)
    and ``<name>_tokens`` (its tokens), ``name`` being the class's ``name``."""

    name: ClassVar[str]

    def __init__(self, auth: Auth, provider_user_id: str, user: dict[str, Any], tokens: T) -> None:
        super().__init__(auth, self.name, provider_user_id)
        setattr(self, f"{self.name}_user", user)
        setattr(self, f"{self.name}_tokens", tokens)


class OAuth2ProviderAuth(_ProviderAuth[U]):
    """A provider of the plain authorization code flow: ``(url, state)``, then ``validate_callback(code)``."""

    async def get_authorization_url(self) -> tuple[str, str]:
        """``(authorization_url, state)``: send the user there; keep ``state`` in a short-lived cookie."""
        url, state = create_oauth2_authorization_url(
            await self.authorization_endpoint(),
            client_id=self.client_id,
            scope=self.requested_scope(),
            redirect_uri=self.redirect_uri,
        )
        return with_query(url, self._parameters()), state

    async def validate_callback(self, code: str) -> U:
        """Exchange the callback's ``code`` and read the user; OAuthRequestError when refused."""
        return await self._user_auth(await self._exchange(code, None), None)


class OAuth2ProviderAuthWithPKCE(_ProviderAuth[U]):
    """A provider of the authorization code flow with PKCE (S256): ``(url, code_verifier, state)``,
    then ``validate_callback(code, code_verifier)``."""

    async def get_authorization_url(self) -> tuple[str, str, str]:
        """``(authorization_url, code_verifier, state)``: keep the verifier and the state in
        short-lived cookies."""
        url, code_verifier, state = create_oauth2_authorization_url_with_pkce(
            await self.authorization_endpoint(),
            client_id=self.client_id,
            scope=self.requested_scope(),
            redirect_uri=self.redirect_uri,
        )
        parameters = self._parameters()
        if self.sends_nonce:
            parameters["nonce"] = nonce_for(code_verifier)
        return with_query(url, parameters), code_verifier, state

    async def validate_callback(self, code: str, code_verifier: str) -> U:
        """Exchange ``code`` with its ``code_verifier`` and read the user; OAuthRequestError when refused."""
        if not isinstance(code_verifier, str) or not code_verifier:
            raise ValueError("the code verifier must be a non-empty str")
        nonce = nonce_for(code_verifier) if self.sends_nonce else None
        return await self._user_auth(await self._exchange(code, code_verifier), nonce)
