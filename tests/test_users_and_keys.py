"""Users and keys: create atomically, read, update, delete; sign in with use_key."""

from __future__ import annotations

import sqlite3
from typing import Any

import aiosqlite
import pytest

from lucia_core import Auth, Key, LuciaError
from lucia_core.utils import generate_lucia_password_hash

USERNAME_KEY = {"provider_id": "username", "provider_user_id": "ada", "password": "correct horse"}


async def rows(conn: aiosqlite.Connection, table: str) -> list[tuple[Any, ...]]:
    async with conn.execute(f"SELECT * FROM {table} ORDER BY id") as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


async def test_create_user_generates_a_15_char_id_and_stores_user_and_key(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    user = await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    assert len(user.user_id) == 15
    assert user.user_id.isalnum()
    assert user.user_id.lower() == user.user_id
    assert user.username == "Ada"
    assert user.attributes == {"username": "Ada"}
    (key_row,) = await rows(connection, "user_key")
    assert key_row[:2] == ("username:ada", user.user_id)
    assert key_row[2].startswith("$argon2id$")
    assert "correct horse" not in key_row[2]


async def test_create_user_with_duplicate_key_leaves_no_user(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    with pytest.raises(LuciaError) as info:
        await auth.create_user(key=USERNAME_KEY, attributes={"username": "Other"})
    assert info.value.code == "AUTH_DUPLICATE_KEY_ID"
    assert len(await rows(connection, "auth_user")) == 1


async def test_create_user_with_duplicate_unique_attribute_propagates_the_driver_error(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    await auth.create_user(key=None, attributes={"username": "Ada"})
    with pytest.raises(sqlite3.IntegrityError):
        await auth.create_user(
            key={"provider_id": "email", "provider_user_id": "a@example.com", "password": None},
            attributes={"username": "Ada"},
        )
    assert len(await rows(connection, "auth_user")) == 1
    assert await rows(connection, "user_key") == []


async def test_create_user_with_custom_id_and_get_user(auth: Auth) -> None:
    user = await auth.create_user(key=None, attributes={"username": "grace"}, user_id="user-1")
    assert user.user_id == "user-1"
    assert (await auth.get_user("user-1")).username == "grace"
    with pytest.raises(LuciaError) as info:
        await auth.get_user("user-2")
    assert info.value.code == "AUTH_INVALID_USER_ID"


async def test_update_user_attributes(auth: Auth) -> None:
    user = await auth.create_user(key=None, attributes={"username": "grace"})
    updated = await auth.update_user_attributes(user.user_id, {"username": "hopper"})
    assert updated.username == "hopper"
    with pytest.raises(LuciaError) as info:
        await auth.update_user_attributes("missing", {"username": "x"})
    assert info.value.code == "AUTH_INVALID_USER_ID"


async def test_delete_user_deletes_sessions_keys_and_user(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    user = await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    await auth.create_session(user_id=user.user_id, attributes={})
    await auth.delete_user(user.user_id)
    for table in ("auth_user", "user_key", "user_session"):
        assert await rows(connection, table) == []
    await auth.delete_user("unknown")


async def test_use_key_with_right_password_returns_the_key(auth: Auth) -> None:
    user = await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    key = await auth.use_key("username", "ada", "correct horse")
    assert key == Key(
        user_id=user.user_id, provider_id="username", provider_user_id="ada", password_defined=True
    )


@pytest.mark.parametrize(
    ("provider_user_id", "password", "code"),
    [
        ("ada", "wrong horse", "AUTH_INVALID_PASSWORD"),
        ("ada", None, "AUTH_INVALID_PASSWORD"),
        ("bob", "correct horse", "AUTH_INVALID_KEY_ID"),
        ("bob", None, "AUTH_INVALID_KEY_ID"),
    ],
)
async def test_use_key_failures(auth: Auth, provider_user_id: str, password: str | None, code: str) -> None:
    await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    with pytest.raises(LuciaError) as info:
        await auth.use_key("username", provider_user_id, password)
    assert info.value.code == code


async def test_use_key_without_password(auth: Auth) -> None:
    await auth.create_user(
        key={"provider_id": "github", "provider_user_id": "12345", "password": None},
        attributes={"username": "x"},
    )
    key = await auth.use_key("github", "12345", None)
    assert key.password_defined is False
    # A password offered for a key that has none is refused rather than ignored.
    with pytest.raises(LuciaError) as info:
        await auth.use_key("github", "12345", "anything")
    assert info.value.code == "AUTH_INVALID_PASSWORD"


async def test_use_key_with_lucia_v2_scrypt_hash_validates_and_rehashes(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    await auth.create_user(key=None, attributes={"username": "legacy"}, user_id="legacy-user")
    legacy_hash = await generate_lucia_password_hash("old password")
    await connection.execute(
        "INSERT INTO user_key (id, user_id, hashed_password) VALUES (?, ?, ?)",
        ("username:legacy", "legacy-user", legacy_hash),
    )
    await connection.commit()
    await auth.use_key("username", "legacy", "old password")
    (row,) = await rows(connection, "user_key")
    assert row[2].startswith("$argon2id$")
    # The upgraded hash still signs in, and is not rehashed again.
    await auth.use_key("username", "legacy", "old password")
    (again,) = await rows(connection, "user_key")
    assert again[2] == row[2]


async def test_use_key_with_bcrypt_hash_is_outdated_password(
    auth: Auth, connection: aiosqlite.Connection
) -> None:
    await auth.create_user(key=None, attributes={"username": "old"}, user_id="old-user")
    bcrypt = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"
    await connection.execute(
        "INSERT INTO user_key (id, user_id, hashed_password) VALUES (?, ?, ?)",
        ("username:old", "old-user", bcrypt),
    )
    await connection.commit()
    with pytest.raises(LuciaError) as info:
        await auth.use_key("username", "old", "whatever")
    assert info.value.code == "AUTH_OUTDATED_PASSWORD"


async def test_create_get_and_list_keys(auth: Auth) -> None:
    user = await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    key = await auth.create_key(
        user_id=user.user_id, provider_id="email", provider_user_id="a@b.c", password=None
    )
    assert key.provider_id == "email"
    assert key.password_defined is False
    assert await auth.get_key("email", "a@b.c") == key
    assert {k.provider_id for k in await auth.get_all_user_keys(user.user_id)} == {"username", "email"}
    with pytest.raises(LuciaError) as info:
        await auth.get_key("email", "missing")
    assert info.value.code == "AUTH_INVALID_KEY_ID"
    with pytest.raises(LuciaError) as info:
        await auth.get_all_user_keys("missing")
    assert info.value.code == "AUTH_INVALID_USER_ID"


async def test_create_key_errors(auth: Auth) -> None:
    user = await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    with pytest.raises(LuciaError) as info:
        await auth.create_key(
            user_id=user.user_id, provider_id="username", provider_user_id="ada", password=None
        )
    assert info.value.code == "AUTH_DUPLICATE_KEY_ID"
    with pytest.raises(LuciaError) as info:
        await auth.create_key(user_id="missing", provider_id="email", provider_user_id="x", password=None)
    assert info.value.code == "AUTH_INVALID_USER_ID"
    with pytest.raises(ValueError, match="':'"):
        await auth.create_key(user_id=user.user_id, provider_id="a:b", provider_user_id="x", password=None)


async def test_provider_user_id_with_colons_round_trips(auth: Auth) -> None:
    user = await auth.create_user(
        key={"provider_id": "oidc", "provider_user_id": "tenant:user:42", "password": None},
        attributes={"username": "c"},
    )
    key = await auth.get_key("oidc", "tenant:user:42")
    assert (key.provider_id, key.provider_user_id, key.user_id) == ("oidc", "tenant:user:42", user.user_id)


async def test_update_key_password_sets_and_removes(auth: Auth) -> None:
    await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    await auth.update_key_password("username", "ada", "new password")
    await auth.use_key("username", "ada", "new password")
    with pytest.raises(LuciaError):
        await auth.use_key("username", "ada", "correct horse")
    key = await auth.update_key_password("username", "ada", None)
    assert key.password_defined is False
    with pytest.raises(LuciaError) as info:
        await auth.update_key_password("username", "missing", "x")
    assert info.value.code == "AUTH_INVALID_KEY_ID"


async def test_delete_key(auth: Auth) -> None:
    await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    await auth.delete_key("username", "ada")
    with pytest.raises(LuciaError):
        await auth.get_key("username", "ada")
    await auth.delete_key("username", "ada")


async def test_custom_password_hasher_sync_and_async(make_auth: Any) -> None:
    calls: list[str] = []

    def generate(password: str) -> str:
        calls.append("generate")
        return "plain$" + password[::-1]

    async def validate(password: str, hashed: str) -> bool:
        calls.append("validate")
        return hashed == "plain$" + password[::-1]

    auth = make_auth(password_hash={"generate": generate, "validate": validate})
    await auth.create_user(key=USERNAME_KEY, attributes={"username": "Ada"})
    await auth.use_key("username", "ada", "correct horse")
    assert calls == ["generate", "validate"]
