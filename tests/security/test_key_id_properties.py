"""Key ids under hostile input: ``provider_id:provider_user_id`` must split back exactly, so that
one provider's user can never be read as another's (properties; examples in ``tests/test_utils.py``
and ``tests/test_users_and_keys.py``).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lucia_core import Auth, LuciaError
from lucia_core.ids import is_plausible_id
from lucia_core.key import split_key_id
from lucia_core.utils import create_key_id

from .strategies import ANY_TEXT, PURE, STORAGE, mixed_text

provider_ids = mixed_text("abcgithub_-:", max_size=12).filter(lambda text: bool(text) and ":" not in text)
provider_user_ids = st.one_of(ANY_TEXT, mixed_text("user:with:colons:", max_size=40))
#: SQLite is local: more examples than the server backends get.
SQLITE = settings(STORAGE, max_examples=150)
_unique = itertools.count()


@PURE
@given(provider_id=provider_ids, provider_user_id=provider_user_ids)
@example(provider_id="github", provider_user_id="provider:user:with:colons")
@example(provider_id="username", provider_user_id="")
@example(provider_id="a", provider_user_id=":")
def test_key_ids_split_back_exactly(provider_id: str, provider_user_id: str) -> None:
    """split(create(p, u)) == (p, u) for every provider id without ``:`` and any provider user id."""
    key_id = create_key_id(provider_id, provider_user_id)
    assert key_id == f"{provider_id}:{provider_user_id}"
    assert split_key_id(key_id) == (provider_id, provider_user_id)


@PURE
@given(before=mixed_text("ab:", max_size=6), after=mixed_text("ab:", max_size=6), user=provider_user_ids)
@example(before="github", after="evil", user="x")
def test_provider_ids_with_a_colon_are_refused(before: str, after: str, user: str) -> None:
    """A ``:`` in the provider id would make ``a:b`` + ``c`` and ``a`` + ``b:c`` the same key."""
    with pytest.raises(ValueError, match="provider_id"):
        create_key_id(f"{before}:{after}", user)


@PURE
@given(first=st.tuples(provider_ids, provider_user_ids), second=st.tuples(provider_ids, provider_user_ids))
def test_different_keys_never_share_an_id(first: tuple[str, str], second: tuple[str, str]) -> None:
    """The mapping is injective: two different (provider, user) pairs give two different ids."""
    if first != second:
        assert create_key_id(*first) != create_key_id(*second)


@SQLITE
@given(provider_id=provider_ids, provider_user_id=provider_user_ids)
@example(provider_id="github", provider_user_id="provider:user:with:colons")
@example(provider_id="email", provider_user_id="a@example.com:admin")
async def test_keys_round_trip_through_auth_and_storage(
    auth: Auth, provider_id: str, provider_user_id: str
) -> None:
    """create_key then get_key / use_key / get_all_user_keys return the same provider fields; a
    key id the core will not store (control characters, surrogates, over 255 characters) is a
    ValueError on creation and AUTH_INVALID_KEY_ID on lookup, never a half-stored key."""
    user = await auth.create_user(key=None, attributes={"username": f"u{next(_unique)}"})
    key_id = f"{provider_id}:{provider_user_id}"
    if not is_plausible_id(key_id):
        with pytest.raises(ValueError, match="key id"):
            await auth.create_key(
                user_id=user.user_id,
                provider_id=provider_id,
                provider_user_id=provider_user_id,
                password=None,
            )
        with pytest.raises(LuciaError) as info:
            await auth.get_key(provider_id, provider_user_id)
        assert info.value.code == "AUTH_INVALID_KEY_ID"
        assert await auth.get_all_user_keys(user.user_id) == []
        return
    created = await auth.create_key(
        user_id=user.user_id, provider_id=provider_id, provider_user_id=provider_user_id, password=None
    )
    for key in (
        created,
        await auth.get_key(provider_id, provider_user_id),
        await auth.use_key(provider_id, provider_user_id, None),
    ):
        assert (key.user_id, key.provider_id, key.provider_user_id) == (
            user.user_id,
            provider_id,
            provider_user_id,
        )
    assert [(k.provider_id, k.provider_user_id) for k in await auth.get_all_user_keys(user.user_id)] == [
        (provider_id, provider_user_id)
    ]
    await auth.delete_user(user.user_id)


@PURE
@given(
    provider_id=st.tuples(mixed_text("ab:"), mixed_text("ab:")).map(":".join),
    user=provider_user_ids,
)
async def test_auth_refuses_provider_ids_with_a_colon_before_any_lookup(
    offline_auth: Auth, provider_id: str, user: str
) -> None:
    """get_key / use_key / delete_key raise ValueError for such a provider id without reaching the
    database (the offline Auth fails the test if they do)."""
    for call in (
        offline_auth.get_key(provider_id, user),
        offline_auth.use_key(provider_id, user, None),
        offline_auth.delete_key(provider_id, user),
    ):
        with pytest.raises(ValueError, match="provider_id"):
            await call
