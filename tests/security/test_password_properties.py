"""Passwords under hostile input (properties; the examples are in ``tests/test_passwords.py``).

The length limit is in UTF-8 bytes of the NFKC-normalized password and is enforced before any
hashing work; normalization makes every Unicode spelling of a password (NFC, NFD, NFKC, NFKD)
the same password, and nothing else.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lucia_core import MAX_PASSWORD_BYTES, Auth, LuciaError, lucia
from lucia_core.password import normalize_password

from .conftest import CountingHasher
from .strategies import HASHING, PURE

#: Any code point but lone surrogates (which are not text: refused, see tests/test_passwords.py).
TEXT_CHARACTERS = st.characters(codec="utf-8")

#: One character per UTF-8 width, plus characters whose NFKC form is longer or shorter in bytes:
#: "ﬁ" (3 bytes) becomes "fi" (2), "ﷺ" (3) becomes 18 characters (33 bytes), "Å" (ANGSTROM SIGN,
#: 3 bytes) becomes "Å" (2), "e" + combining acute (3) composes to "é" (2).
WIDE = ["a", "é", "€", "😀", "\ufb01", "\ufdfa", "\u212b", "e\u0301", "\u3000"]
_unique = itertools.count()


def utf8_size(password: str) -> int:
    return len(unicodedata.normalize("NFKC", password).encode("utf-8"))


@st.composite
def near_the_limit(draw: st.DrawFn) -> str:
    """A password within a few bytes of the limit (after NFKC), of one or two character widths."""
    fill = draw(st.sampled_from(WIDE))
    tail = "".join(draw(st.lists(st.sampled_from(WIDE), max_size=4)))
    target = draw(st.integers(MAX_PASSWORD_BYTES - 40, MAX_PASSWORD_BYTES + 40)) - utf8_size(tail)
    return fill * max(0, target // utf8_size(fill)) + tail


@settings(PURE, max_examples=500)
@given(password=near_the_limit())
@example(password="a" * MAX_PASSWORD_BYTES)
@example(password="a" * (MAX_PASSWORD_BYTES + 1))
@example(password="é" * (MAX_PASSWORD_BYTES // 2) + "a")
@example(password="\ufdfa" * 124)  # 372 bytes written, 4092 after NFKC
@example(password="\ufdfa" * 125)  # 375 bytes written, 4125 after NFKC
@example(password="\ufb01" * 1366)  # 4098 bytes written, 2732 after NFKC
def test_the_limit_is_on_utf8_bytes_after_nfkc(password: str) -> None:
    """normalize_password accepts exactly the passwords of at most MAX_PASSWORD_BYTES UTF-8 bytes
    once NFKC-normalized, returning that normal form, and refuses the rest with
    AUTH_INVALID_PASSWORD."""
    if utf8_size(password) <= MAX_PASSWORD_BYTES:
        assert normalize_password(password) == unicodedata.normalize("NFKC", password)
    else:
        with pytest.raises(LuciaError) as info:
            normalize_password(password)
        assert info.value.code == "AUTH_INVALID_PASSWORD"


@settings(HASHING, max_examples=30)
@given(password=near_the_limit())
@example(password="\ufdfa" * 125)
@example(password="é" * (MAX_PASSWORD_BYTES // 2 + 1))
async def test_an_overlong_password_costs_no_hashing_work(auth: Auth, password: str) -> None:
    """create_user, create_key, update_key_password and use_key with a password over the limit raise
    AUTH_INVALID_PASSWORD before the hasher is called at all; one within it is hashed (so the
    counter does count)."""
    hasher = CountingHasher()
    counted = lucia(adapter=auth.adapter, password_hash=hasher)
    name = f"p{next(_unique)}"
    owner = await counted.create_user(
        key={"provider_id": "u", "provider_user_id": name, "password": "x"}, attributes={}
    )
    hasher.reset()
    attempts: list[Callable[[], Awaitable[Any]]] = [
        lambda: counted.create_user(
            key={"provider_id": "u", "provider_user_id": f"{name}-new", "password": password}, attributes={}
        ),
        lambda: counted.create_key(
            user_id=owner.user_id, provider_id="e", provider_user_id=name, password=password
        ),
        lambda: counted.update_key_password("u", name, password),
        lambda: counted.use_key("u", name, password),
        lambda: counted.use_key("u", f"{name}-unknown", password),
    ]
    if utf8_size(password) > MAX_PASSWORD_BYTES:
        for attempt in attempts:
            with pytest.raises(LuciaError) as info:
                await attempt()
            assert info.value.code == "AUTH_INVALID_PASSWORD"
        assert (hasher.generated, hasher.validated) == ([], [])
    else:
        for attempt in attempts[:4]:
            await attempt()
        with pytest.raises(LuciaError) as info:
            await attempts[4]()
        assert info.value.code == "AUTH_INVALID_KEY_ID"
        assert len(hasher.generated) >= 3
        assert len(hasher.validated) == 2
    await counted.delete_user(owner.user_id)


@settings(HASHING, max_examples=25)
@given(
    password=st.text(TEXT_CHARACTERS, min_size=1, max_size=24), other=st.text(TEXT_CHARACTERS, max_size=24)
)
@example(password="ﬁsh Å", other="fish A")
@example(password="Ａ①ｶ", other="A1カ ")
@example(password="e\u0301", other="e")
@example(password="\u1e9b\u0323", other="\u1e9b")
async def test_every_normalization_form_signs_in_and_nothing_else_does(
    auth: Auth, password: str, other: str
) -> None:
    """A key created with s accepts NFC(s), NFD(s), NFKC(s) and NFKD(s); a string whose NFKC form
    differs is AUTH_INVALID_PASSWORD."""
    if unicodedata.normalize("NFKC", other) == unicodedata.normalize("NFKC", password):
        other += "!"  # now a different password, whatever the two were
    name = f"n{next(_unique)}"
    user = await auth.create_user(
        key={"provider_id": "u", "provider_user_id": name, "password": password}, attributes={}
    )
    for form in ("NFC", "NFD", "NFKC", "NFKD"):
        key = await auth.use_key("u", name, unicodedata.normalize(form, password))
        assert key.user_id == user.user_id
    with pytest.raises(LuciaError) as info:
        await auth.use_key("u", name, other)
    assert info.value.code == "AUTH_INVALID_PASSWORD"
    await auth.delete_user(user.user_id)
