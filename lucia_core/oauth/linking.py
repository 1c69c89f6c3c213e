"""Account linking (Lucia's guide "OAuth account linking"): more than one way to sign in as one user.

- :func:`link_provider`: link a provider account to the signed-in user (a new key).
- :func:`link_by_verified_email`: at sign-in, link to the user who has the same email, only
  when the provider says it verified that email (:meth:`ProviderUserAuth.verified_email`).
- :func:`unlink_provider`: remove a provider from a user while another sign-in method remains.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from ..errors import LuciaError
from .provider import ProviderUserAuth

if TYPE_CHECKING:
    from ..auth import Auth
    from ..key import Key
    from ..user import User

LinkingErrorCode = Literal[
    "ALREADY_LINKED", "LINKED_TO_ANOTHER_USER", "EMAIL_NOT_VERIFIED", "LAST_SIGN_IN_METHOD"
]


class LinkingError(Exception):
    """Linking or unlinking was refused; ``code`` says why and ``str(error)`` starts with it."""

    def __init__(self, code: LinkingErrorCode, detail: str = "") -> None:
        self.code: LinkingErrorCode = code
        super().__init__(f"{code}: {detail}" if detail else code)


async def link_provider(provider_user: ProviderUserAuth, user_id: str) -> Key:
    """Link the provider account to the existing user ``user_id`` (for a signed-in user adding a
    sign-in method). LinkingError ``ALREADY_LINKED`` when it is this user's already, and
    ``LINKED_TO_ANOTHER_USER`` when another user signs in with it (nothing is changed)."""
    existing = await provider_user.get_existing_user()
    if existing is not None:
        if existing.user_id == user_id:
            raise LinkingError(
                "ALREADY_LINKED", f"{provider_user.provider_id} is linked to this user already"
            )
        raise LinkingError(
            "LINKED_TO_ANOTHER_USER", f"this {provider_user.provider_id} account belongs to another user"
        )
    try:
        return await provider_user.create_key(user_id)
    except LuciaError as error:
        if error.code == "AUTH_DUPLICATE_KEY_ID":  # linked by a concurrent request meanwhile
            raise LinkingError("LINKED_TO_ANOTHER_USER", "linked meanwhile") from error
        raise


async def link_by_verified_email(
    provider_user: ProviderUserAuth, find_user_id_by_email: Callable[[str], Awaitable[str | None]]
) -> User | None:
    """At sign-in: the user with the provider's verified email, the provider account now linked
    to them; None when no user has that email. LinkingError ``EMAIL_NOT_VERIFIED`` when the
    provider did not verify an email (never link by an unverified one: anybody could claim it).

    ``find_user_id_by_email`` is your query (the email column is yours, not lucia-core's).
    """
    email = provider_user.verified_email()
    if email is None:
        raise LinkingError(
            "EMAIL_NOT_VERIFIED", f"{provider_user.provider_id} did not verify an email address"
        )
    user_id = await find_user_id_by_email(email)
    if user_id is None:
        return None
    await provider_user.create_key(user_id)
    return await provider_user.auth.get_user(user_id)


async def unlink_provider(auth: Auth, user_id: str, provider_id: str) -> None:
    """Remove the user's keys of ``provider_id`` while another sign-in method (any other key)
    remains. LinkingError ``LAST_SIGN_IN_METHOD`` otherwise, with nothing removed.

    Two requests unlinking a user's last two methods at once could each see the other's key: so
    the check is repeated after the delete and a delete that left no key is undone.
    """
    keys = await auth.get_all_user_keys(user_id)
    mine = [key for key in keys if key.provider_id == provider_id]
    if not mine:
        return
    if len(keys) == len(mine):
        raise LinkingError("LAST_SIGN_IN_METHOD", "the user would have no way left to sign in")
    rows = [await auth.adapter.get_key(f"{key.provider_id}:{key.provider_user_id}") for key in mine]
    for key in mine:
        await auth.delete_key(key.provider_id, key.provider_user_id)
    if not await auth.get_all_user_keys(user_id):
        for row in rows:
            if row is not None:
                await auth.adapter.set_key(row)
        raise LinkingError("LAST_SIGN_IN_METHOD", "the user's other sign-in methods were removed meanwhile")
