"""OAuth 2.0 and OpenID Connect: Lucia v2's ``@lucia-auth/oauth`` for lucia-core (extra ``oauth``).

Every id_token is verified (:func:`verify_id_token`), PKCE is used wherever the provider supports
it, and HTTP goes through an injectable ``httpx.AsyncClient``. Providers live in
:mod:`lucia_core.oauth.providers`; the short-lived state cookies of a sign-in in
:mod:`lucia_core.oauth.state`; account linking in :mod:`lucia_core.oauth.linking`.
"""

try:
    import httpx  # noqa: F401
    import joserfc  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        f"lucia_core.oauth needs the 'oauth' extra: pip install 'lucia-core[oauth]' (missing: {error.name})"
    ) from error

from .errors import IdTokenError, OAuthRequestError
from .id_token import JwksCache, decode_id_token, verify_id_token
from .linking import LinkingError, link_by_verified_email, link_provider, unlink_provider
from .oauth2 import (
    create_oauth2_authorization_url,
    create_oauth2_authorization_url_with_pkce,
    generate_pkce_code_challenge,
    generate_state,
    validate_oauth2_authorization_code,
)
from .provider import OAuth2ProviderAuth, OAuth2ProviderAuthWithPKCE, ProviderUserAuth, provider_user_auth
from .state import OAuthStateCookies, OAuthStateError, oauth_state_cookies
from .tokens import OAuth2Tokens

__all__ = [
    "IdTokenError",
    "JwksCache",
    "LinkingError",
    "OAuth2ProviderAuth",
    "OAuth2ProviderAuthWithPKCE",
    "OAuth2Tokens",
    "OAuthRequestError",
    "OAuthStateCookies",
    "OAuthStateError",
    "ProviderUserAuth",
    "create_oauth2_authorization_url",
    "create_oauth2_authorization_url_with_pkce",
    "decode_id_token",
    "generate_pkce_code_challenge",
    "generate_state",
    "link_by_verified_email",
    "link_provider",
    "oauth_state_cookies",
    "provider_user_auth",
    "unlink_provider",
    "validate_oauth2_authorization_code",
    "verify_id_token",
]
