"""Account linking (Lucia's guide): link a provider to the signed-in user, link at sign-in by a
verified email only, unlink while another sign-in method remains (also under races)."""

from __future__ import annotations

import asyncio

import pytest

from lucia_core import Auth, LuciaError
from lucia_core.oauth import (
    LinkingError,
    ProviderUserAuth,
    link_by_verified_email,
    link_provider,
    unlink_provider,
)


class VerifiedUser(ProviderUserAuth):
    """A provider user whose email the provider verified (or not: ``email=None``)."""

    def __init__(self, auth: Auth, provider_id: str, provider_user_id: str, email: str | None) -> None:
        super().__init__(auth, provider_id, provider_user_id)
        self.email = email

    def verified_email(self) -> str | None:
        return self.email


async def password_user(auth: Auth, username: str) -> str:
    user = await auth.create_user(
        key={"provider_id": "username", "provider_user_id": username, "password": "correct horse battery"},
        attributes={"username": username},
    )
    return user.user_id


async def test_link_provider_adds_a_key_to_the_signed_in_user(auth: Auth) -> None:
    user_id = await password_user(auth, "ada")
    key = await link_provider(ProviderUserAuth(auth, "github", "1"), user_id)
    assert (key.user_id, key.provider_id, key.provider_user_id, key.password_defined) == (
        user_id,
        "github",
        "1",
        False,
    )
    existing = await ProviderUserAuth(auth, "github", "1").get_existing_user()
    assert existing is not None
    assert existing.user_id == user_id


async def test_linking_an_account_of_another_user_is_refused_and_changes_nothing(auth: Auth) -> None:
    owner = await password_user(auth, "ada")
    other = await password_user(auth, "eve")
    await link_provider(ProviderUserAuth(auth, "github", "1"), owner)
    with pytest.raises(LinkingError) as refused:
        await link_provider(ProviderUserAuth(auth, "github", "1"), other)
    assert refused.value.code == "LINKED_TO_ANOTHER_USER"
    assert [key.provider_id for key in await auth.get_all_user_keys(other)] == ["username"]
    with pytest.raises(LinkingError) as again:
        await link_provider(ProviderUserAuth(auth, "github", "1"), owner)
    assert again.value.code == "ALREADY_LINKED"


async def test_an_unverified_email_is_never_used_to_link(auth: Auth) -> None:
    await password_user(auth, "ada")
    looked_up: list[str] = []

    async def find(email: str) -> str | None:
        looked_up.append(email)
        return None

    with pytest.raises(LinkingError) as refused:
        await link_by_verified_email(VerifiedUser(auth, "oidc", "attacker", None), find)
    assert refused.value.code == "EMAIL_NOT_VERIFIED"
    assert looked_up == []


async def test_the_base_provider_user_trusts_no_email(auth: Auth) -> None:
    assert ProviderUserAuth(auth, "github", "1").verified_email() is None


async def test_a_verified_email_links_to_the_user_who_has_it(auth: Auth) -> None:
    user_id = await password_user(auth, "ada")

    async def find(email: str) -> str | None:
        return user_id if email == "ada@example.test" else None

    user = await link_by_verified_email(VerifiedUser(auth, "oidc", "sub-1", "ada@example.test"), find)
    assert user is not None
    assert user.user_id == user_id
    assert {key.provider_id for key in await auth.get_all_user_keys(user_id)} == {"username", "oidc"}
    assert (
        await link_by_verified_email(VerifiedUser(auth, "oidc", "sub-2", "nobody@example.test"), find) is None
    )


async def test_unlink_removes_the_provider_while_another_method_remains(auth: Auth) -> None:
    user_id = await password_user(auth, "ada")
    await link_provider(ProviderUserAuth(auth, "github", "1"), user_id)
    await unlink_provider(auth, user_id, "github")
    assert [key.provider_id for key in await auth.get_all_user_keys(user_id)] == ["username"]
    with pytest.raises(LuciaError, match="AUTH_INVALID_KEY_ID"):
        await auth.get_key("github", "1")


async def test_the_last_sign_in_method_cannot_be_unlinked(auth: Auth) -> None:
    user = await ProviderUserAuth(auth, "github", "1").create_user(attributes={"username": "gh"})
    with pytest.raises(LinkingError) as refused:
        await unlink_provider(auth, user.user_id, "github")
    assert refused.value.code == "LAST_SIGN_IN_METHOD"
    assert len(await auth.get_all_user_keys(user.user_id)) == 1


async def test_unlinking_a_provider_that_is_not_linked_does_nothing(auth: Auth) -> None:
    user_id = await password_user(auth, "ada")
    await unlink_provider(auth, user_id, "github")
    assert len(await auth.get_all_user_keys(user_id)) == 1


async def test_two_concurrent_unlinks_never_leave_the_user_without_a_method(auth: Auth) -> None:
    user = await ProviderUserAuth(auth, "github", "1").create_user(attributes={"username": "two"})
    await link_provider(ProviderUserAuth(auth, "oidc", "s1"), user.user_id)
    results = await asyncio.gather(
        unlink_provider(auth, user.user_id, "github"),
        unlink_provider(auth, user.user_id, "oidc"),
        return_exceptions=True,
    )
    remaining = await auth.get_all_user_keys(user.user_id)
    assert remaining, results
    for result in results:
        assert result is None or (isinstance(result, LinkingError) and result.code == "LAST_SIGN_IN_METHOD")
    for key in remaining:  # what remains still signs in
        assert (await auth.use_key(key.provider_id, key.provider_user_id, None)).user_id == user.user_id
