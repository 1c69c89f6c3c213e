"""The built-in providers: Lucia v2's 27, plus ``oidc`` for any OpenID Provider by discovery."""

from .oidc import OidcAuth, OidcTokens, OidcUserAuth, oidc

__all__ = ["OidcAuth", "OidcTokens", "OidcUserAuth", "oidc"]
