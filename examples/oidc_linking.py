from collections.abc import Awaitable, Callable

from lucia_core import Auth, User
from lucia_core.oauth import LinkingError, link_by_verified_email, link_provider, unlink_provider
from lucia_core.oauth.providers import oidc
from lucia_core.oauth.providers.oidc import OidcAuth


def openid_provider(
    auth: Auth, issuer: str, client_id: str, client_secret: str, redirect_uri: str
) -> OidcAuth:
    # Any OpenID Provider: endpoints by discovery, PKCE and a nonce, the id_token verified.
    return oidc(
        auth, issuer=issuer, client_id=client_id, client_secret=client_secret, redirect_uri=redirect_uri
    )


async def sign_in(
    provider: OidcAuth,
    code: str,
    code_verifier: str,
    find_user_id_by_email: Callable[[str], Awaitable[str | None]],
) -> User:
    provider_user = await provider.validate_callback(code, code_verifier)
    user = await provider_user.get_existing_user()
    if user is None:
        try:  # the account with the same email, only if the provider verified that email
            user = await link_by_verified_email(provider_user, find_user_id_by_email)
        except LinkingError:  # EMAIL_NOT_VERIFIED: never link by it
            user = None
    if user is None:
        user = await provider_user.create_user(attributes={"username": provider_user.oidc_user["sub"]})
    return user


async def link_to_signed_in_user(provider: OidcAuth, code: str, code_verifier: str, user_id: str) -> None:
    await link_provider(await provider.validate_callback(code, code_verifier), user_id)


async def remove_sign_in_method(auth: Auth, user_id: str) -> None:
    await unlink_provider(auth, user_id, "oidc")  # LinkingError when it is the last one
