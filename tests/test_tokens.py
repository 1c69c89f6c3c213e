"""One-time tokens and codes (Auth.create_token / use_token / create_code / use_code /
invalidate_user_tokens), as the contract states them, on a real SQLite database."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import aiosqlite
import pytest

import lucia_core.token as token_module
from lucia_core import Auth, LuciaError, Token, TokenAdapter, join_adapters
from lucia_core.adapter import JoinedAdapter
from lucia_core.expiration import now_ms
from lucia_core.token import MAX_CODE_ATTEMPTS, code_id, hash_secret

HOUR = timedelta(hours=1)
PURPOSE = "password-reset"


@pytest.fixture
async def connection(connection: aiosqlite.Connection) -> aiosqlite.Connection:
    """The core tests' database, with the ``email`` attribute column on tokens."""
    await connection.execute("ALTER TABLE user_token ADD COLUMN email TEXT")
    await connection.commit()
    return connection


@pytest.fixture
async def user_id(auth: Auth) -> str:
    return (await auth.create_user(key=None, attributes={"username": "ada"})).user_id


async def stored_tokens(connection: aiosqlite.Connection) -> list[dict[str, Any]]:
    async with connection.execute("SELECT * FROM user_token") as cursor:
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in await cursor.fetchall()]


async def expire_all(connection: aiosqlite.Connection) -> None:
    await connection.execute("UPDATE user_token SET expires = ?", (now_ms() - 1,))
    await connection.commit()


async def error_code(call: Any) -> str | None:
    try:
        await call
    except LuciaError as error:
        return error.code
    return None


# ------------------------------------------------------------------ tokens


async def test_create_token_returns_40_characters_of_a_z_0_9(auth: Auth, user_id: str) -> None:
    secret = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    assert re.fullmatch(r"[a-z0-9]{40}", secret)


async def test_a_token_is_stored_only_as_the_sha256_hex_of_its_secret(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    secret = await auth.create_token(
        user_id=user_id, purpose=PURPOSE, expires_in=HOUR, attributes={"email": "ada@example.com"}
    )
    [row] = await stored_tokens(connection)
    assert row["id"] == hashlib.sha256(secret.encode()).hexdigest() == hash_secret(secret)
    assert row["user_id"] == user_id
    assert row["purpose"] == PURPOSE
    assert abs(row["expires"] - (now_ms() + 3_600_000)) < 5_000
    assert not any(secret in str(value) for value in row.values())


async def test_use_token_returns_the_token_once(auth: Auth, user_id: str) -> None:
    secret = await auth.create_token(
        user_id=user_id, purpose=PURPOSE, expires_in=HOUR, attributes={"email": "ada@example.com"}
    )
    token = await auth.use_token(secret, purpose=PURPOSE)
    assert isinstance(token, Token)
    assert token.user_id == user_id
    assert token.purpose == PURPOSE
    assert token.attributes == {"email": "ada@example.com"}
    assert token.expires_at.tzinfo == timezone.utc
    assert abs(token.expires_at - (datetime.now(timezone.utc) + HOUR)) < timedelta(seconds=5)
    with pytest.raises(LuciaError, match=r"^AUTH_INVALID_TOKEN"):
        await auth.use_token(secret, purpose=PURPOSE)


async def test_a_token_is_immutable(auth: Auth, user_id: str) -> None:
    secret = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    token = await auth.use_token(secret, purpose=PURPOSE)
    with pytest.raises(AttributeError):
        token.user_id = "mallory"  # type: ignore[misc]
    with pytest.raises(TypeError):
        token.attributes["email"] = "mallory@example.com"  # type: ignore[index]


@pytest.mark.parametrize("secret", ["", "x" * 40, "x" * 10_000], ids=["empty", "unknown", "huge"])
async def test_use_token_of_an_unknown_token_raises_invalid_token(
    auth: Auth, user_id: str, secret: str
) -> None:
    await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    assert await error_code(auth.use_token(secret, purpose=PURPOSE)) == "AUTH_INVALID_TOKEN"


async def test_use_token_with_another_purpose_leaves_the_token_unused(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    secret = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    assert await error_code(auth.use_token(secret, purpose="email-verification")) == "AUTH_INVALID_TOKEN"
    assert len(await stored_tokens(connection)) == 1
    assert (await auth.use_token(secret, purpose=PURPOSE)).user_id == user_id


async def test_an_expired_token_raises_expired_token_and_is_deleted(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    secret = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    await expire_all(connection)
    assert await error_code(auth.use_token(secret, purpose=PURPOSE)) == "AUTH_EXPIRED_TOKEN"
    assert await stored_tokens(connection) == []
    assert await error_code(auth.use_token(secret, purpose=PURPOSE)) == "AUTH_INVALID_TOKEN"


async def test_a_token_expires_at_its_expiry(auth: Auth, user_id: str) -> None:
    secret = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=timedelta(milliseconds=50))
    await asyncio.sleep(0.1)
    assert await error_code(auth.use_token(secret, purpose=PURPOSE)) == "AUTH_EXPIRED_TOKEN"


async def test_concurrent_uses_of_one_token_succeed_exactly_once(auth: Auth, user_id: str) -> None:
    secret = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    results = await asyncio.gather(
        *(auth.use_token(secret, purpose=PURPOSE) for _ in range(25)), return_exceptions=True
    )
    assert sum(isinstance(result, Token) for result in results) == 1
    losers = [result for result in results if not isinstance(result, Token)]
    assert all(isinstance(error, LuciaError) and error.code == "AUTH_INVALID_TOKEN" for error in losers)


async def test_create_token_deletes_the_users_other_tokens_of_that_purpose_only(
    auth: Auth, user_id: str
) -> None:
    other_user = (await auth.create_user(key=None, attributes={"username": "grace"})).user_id
    first = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    verification = await auth.create_token(user_id=user_id, purpose="email-verification", expires_in=HOUR)
    others = await auth.create_token(user_id=other_user, purpose=PURPOSE, expires_in=HOUR)
    second = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    assert await error_code(auth.use_token(first, purpose=PURPOSE)) == "AUTH_INVALID_TOKEN"
    assert (await auth.use_token(second, purpose=PURPOSE)).user_id == user_id
    assert (await auth.use_token(verification, purpose="email-verification")).user_id == user_id
    assert (await auth.use_token(others, purpose=PURPOSE)).user_id == other_user


@pytest.mark.parametrize("user_id", ["no-such-user", "", "x" * 300], ids=["unknown", "empty", "too-long"])
async def test_create_token_for_an_unknown_user_raises_invalid_user_id(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    assert await error_code(auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)) == (
        "AUTH_INVALID_USER_ID"
    )
    assert await stored_tokens(connection) == []


async def test_a_token_backend_that_cannot_tell_still_gets_no_token_of_an_unknown_user(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    """The user adapter is asked; the token stored meanwhile is removed again."""
    await connection.execute("PRAGMA foreign_keys = OFF")
    blind = join_adapters(auth.adapter, auth.adapter, NoForeignKeys(auth.adapter))
    other = Auth(adapter=blind)
    assert await error_code(other.create_token(user_id="no-such-user", purpose=PURPOSE, expires_in=HOUR)) == (
        "AUTH_INVALID_USER_ID"
    )
    assert await stored_tokens(connection) == []


class NoForeignKeys:
    """A token adapter over the same table that never reports a missing user."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def set_token(self, token: dict[str, Any]) -> None:
        try:
            await self.inner.set_token(token)
        except LuciaError:
            pytest.fail("foreign keys are off: set_token cannot tell")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"purpose": 1}, TypeError),
        ({"purpose": ""}, ValueError),
        ({"purpose": "a\nb"}, ValueError),
        ({"expires_in": 3600}, TypeError),
        ({"expires_in": timedelta(0)}, ValueError),
        ({"expires_in": -HOUR}, ValueError),
        ({"attributes": {"purpose": "x"}}, ValueError),
        ({"attributes": {"expires": 1}}, ValueError),
        ({"attributes": {1: "x"}}, TypeError),
        ({"attributes": ["email"]}, TypeError),
        ({"user_id": 1}, TypeError),
    ],
)
async def test_create_token_refuses_bad_input_clearly(
    auth: Auth, user_id: str, options: dict[str, Any], error: type[Exception]
) -> None:
    arguments: dict[str, Any] = {"user_id": user_id, "purpose": PURPOSE, "expires_in": HOUR, **options}
    with pytest.raises(error):
        await auth.create_token(**arguments)
    with pytest.raises(error):
        await auth.create_code(**arguments)


async def test_use_token_refuses_a_non_str_token(auth: Auth) -> None:
    with pytest.raises(TypeError, match="token must be a str"):
        await auth.use_token(b"secret", purpose=PURPOSE)  # type: ignore[arg-type]


# ------------------------------------------------------------------ codes


async def test_create_code_returns_length_random_digits(auth: Auth, user_id: str) -> None:
    assert re.fullmatch(
        r"[0-9]{8}", await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    )
    six = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR, length=6)
    assert re.fullmatch(r"[0-9]{6}", six)


@pytest.mark.parametrize(
    ("length", "error"), [(5, ValueError), (65, ValueError), ("8", TypeError), (True, TypeError)]
)
async def test_create_code_refuses_a_bad_length(
    auth: Auth, user_id: str, length: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR, length=length)


async def test_a_code_is_stored_only_as_the_sha256_of_user_purpose_and_code(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    code = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    [row] = await stored_tokens(connection)
    assert row["id"] == code_id(user_id, PURPOSE, code)
    assert re.fullmatch(r"[0-9a-f]{64}", row["id"])
    assert not any(code in str(value) for value in row.values() if value != user_id)


def test_code_ids_encode_their_parts_unambiguously() -> None:
    ids = {
        code_id("ab", "c", "123456"),
        code_id("a", "bc", "123456"),
        code_id("a", "b", "c123456"),
        code_id("a:", "b", "123456"),
        code_id("a", ":b", "123456"),
        code_id("2:a", "b", "123456"),
    }
    assert len(ids) == 6
    assert code_id("a", "b", "123456") != hash_secret("123456")


async def test_use_code_returns_the_token_once(auth: Auth, user_id: str) -> None:
    code = await auth.create_code(
        user_id=user_id,
        purpose="email-verification",
        expires_in=HOUR,
        attributes={"email": "ada@example.com"},
    )
    token = await auth.use_code(user_id=user_id, purpose="email-verification", code=code)
    assert (token.user_id, token.purpose, dict(token.attributes)) == (
        user_id,
        "email-verification",
        {"email": "ada@example.com"},
    )
    assert await error_code(auth.use_code(user_id=user_id, purpose="email-verification", code=code)) == (
        "AUTH_INVALID_TOKEN"
    )


async def test_use_code_of_another_user_or_purpose_raises_invalid_token(auth: Auth, user_id: str) -> None:
    other = (await auth.create_user(key=None, attributes={"username": "grace"})).user_id
    code = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    assert await error_code(auth.use_code(user_id=other, purpose=PURPOSE, code=code)) == "AUTH_INVALID_TOKEN"
    assert (
        await error_code(auth.use_code(user_id=user_id, purpose="other", code=code)) == "AUTH_INVALID_TOKEN"
    )
    assert await error_code(auth.use_code(user_id="", purpose=PURPOSE, code=code)) == "AUTH_INVALID_TOKEN"
    assert (await auth.use_code(user_id=user_id, purpose=PURPOSE, code=code)).user_id == user_id


def wrong(code: str, number: int = 1) -> str:
    """A code of the same length that is not ``code``."""
    candidate = f"{(int(code) + number) % 10 ** len(code):0{len(code)}d}"
    assert candidate != code
    return candidate


async def test_four_wrong_codes_leave_the_code_usable(auth: Auth, user_id: str) -> None:
    code = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    for number in range(1, MAX_CODE_ATTEMPTS):
        assert await error_code(
            auth.use_code(user_id=user_id, purpose=PURPOSE, code=wrong(code, number))
        ) == ("AUTH_INVALID_TOKEN")
    assert (await auth.use_code(user_id=user_id, purpose=PURPOSE, code=code)).user_id == user_id


async def test_the_fifth_wrong_code_deletes_the_code(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    code = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    for number in range(1, MAX_CODE_ATTEMPTS + 1):
        await error_code(auth.use_code(user_id=user_id, purpose=PURPOSE, code=wrong(code, number)))
    assert await stored_tokens(connection) == []
    assert (
        await error_code(auth.use_code(user_id=user_id, purpose=PURPOSE, code=code)) == "AUTH_INVALID_TOKEN"
    )


class SlowFirstDelete(NoForeignKeys):
    """The first consume_token (the 5th wrong guess deleting the code) reaches the database late,
    as it can on a server with a pool of connections."""

    delayed = False

    async def consume_token(self, token_id: str) -> dict[str, Any] | None:
        if not self.delayed:
            self.delayed = True
            await asyncio.sleep(0.2)
        result: dict[str, Any] | None = await self.inner.consume_token(token_id)
        return result


async def test_a_burst_of_concurrent_guesses_gets_no_more_than_five_tries(
    make_auth: Callable[..., Auth], adapter: Any, connection: aiosqlite.Connection
) -> None:
    """Guesses sent together all read the code before the 5th wrong one deletes it: the right code
    among them, judged after five wrong ones, is refused all the same."""
    auth = make_auth(adapter={"user": adapter, "session": adapter, "token": SlowFirstDelete(adapter.inner)})
    user_id = (await auth.create_user(key=None, attributes={"username": "ada"})).user_id
    code = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    guesses = [wrong(code, number) for number in range(1, 30)] + [code]
    results = await asyncio.gather(
        *(auth.use_code(user_id=user_id, purpose=PURPOSE, code=guess) for guess in guesses),
        return_exceptions=True,
    )
    assert not any(isinstance(result, Token) for result in results)
    assert await stored_tokens(connection) == []


async def test_codes_are_compared_in_constant_time(
    auth: Auth, user_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    code = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    await error_code(auth.use_code(user_id=user_id, purpose=PURPOSE, code=wrong(code)))
    await auth.use_code(user_id=user_id, purpose=PURPOSE, code=code)
    assert len(compared) == 2
    assert all(len(a) == len(b) == 64 for a, b in compared)


async def test_an_expired_code_raises_expired_token_and_is_deleted(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    code = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    await expire_all(connection)
    assert (
        await error_code(auth.use_code(user_id=user_id, purpose=PURPOSE, code=code)) == "AUTH_EXPIRED_TOKEN"
    )
    assert await stored_tokens(connection) == []


async def test_create_code_replaces_the_users_other_tokens_of_that_purpose(auth: Auth, user_id: str) -> None:
    first = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    link = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    second = await auth.create_code(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    assert await error_code(auth.use_token(link, purpose=PURPOSE)) == "AUTH_INVALID_TOKEN"
    if first != second:
        assert await error_code(auth.use_code(user_id=user_id, purpose=PURPOSE, code=first)) == (
            "AUTH_INVALID_TOKEN"
        )
    assert (await auth.use_code(user_id=user_id, purpose=PURPOSE, code=second)).user_id == user_id


async def test_the_wrong_code_count_is_bounded(
    auth: Auth, user_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(token_module, "REMEMBERED_CODES", 3)
    users = [(await auth.create_user(key=None, attributes={"username": f"u{n}"})).user_id for n in range(6)]
    for user in users:
        code = await auth.create_code(user_id=user, purpose=PURPOSE, expires_in=HOUR)
        await error_code(auth.use_code(user_id=user, purpose=PURPOSE, code=wrong(code)))
    assert len(auth._tokens._failures) == 3


# ------------------------------------------------------------------ invalidation, deletion, joining


async def test_invalidate_user_tokens_deletes_all_or_one_purpose(auth: Auth, user_id: str) -> None:
    reset = await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    verification = await auth.create_token(user_id=user_id, purpose="email-verification", expires_in=HOUR)
    await auth.invalidate_user_tokens(user_id, "email-verification")
    assert (
        await error_code(auth.use_token(verification, purpose="email-verification")) == "AUTH_INVALID_TOKEN"
    )
    await auth.invalidate_user_tokens(user_id)
    assert await error_code(auth.use_token(reset, purpose=PURPOSE)) == "AUTH_INVALID_TOKEN"
    await auth.invalidate_user_tokens("no-such-user")
    await auth.invalidate_user_tokens("")


async def test_delete_user_deletes_the_users_tokens(
    auth: Auth, user_id: str, connection: aiosqlite.Connection
) -> None:
    await auth.create_token(user_id=user_id, purpose=PURPOSE, expires_in=HOUR)
    await auth.create_code(user_id=user_id, purpose="email-verification", expires_in=HOUR)
    await auth.delete_user(user_id)  # the foreign key would refuse deleting a user with tokens
    assert await stored_tokens(connection) == []
    assert await error_code(auth.get_user(user_id)) == "AUTH_INVALID_USER_ID"


_USER_AND_SESSION_METHODS = (
    "get_user", "set_user", "update_user", "delete_user", "get_key", "get_keys_by_user_id", "set_key",
    "update_key", "delete_key", "delete_keys_by_user_id", "get_session", "get_sessions_by_user_id",
    "set_session", "update_session", "delete_session", "delete_sessions_by_user_id",
)  # fmt: skip


class WithoutTokens:
    def __init__(self, inner: Any) -> None:
        for name in _USER_AND_SESSION_METHODS:
            setattr(self, name, getattr(inner, name))


async def test_an_auth_without_a_token_adapter_says_so_and_still_deletes_users(
    make_auth: Callable[..., Auth], adapter: Any
) -> None:
    auth = make_auth(adapter=WithoutTokens(adapter))
    user = await auth.create_user(key=None, attributes={"username": "ada"})
    with pytest.raises(TypeError, match="does not implement TokenAdapter"):
        await auth.create_token(user_id=user.user_id, purpose=PURPOSE, expires_in=HOUR)
    await auth.delete_user(user.user_id)


def test_tokens_default_to_the_user_adapter_then_the_session_adapter(adapter: Any) -> None:
    inner: Any = adapter.inner
    sessions_only: Any = WithoutTokens(inner)
    to_user = join_adapters(inner, sessions_only)
    assert isinstance(to_user, JoinedAdapter)
    assert to_user.token_adapter is adapter.inner
    to_session = join_adapters(sessions_only, inner)
    assert isinstance(to_session, JoinedAdapter)
    assert to_session.token_adapter is adapter.inner
    nowhere = join_adapters(sessions_only, WithoutTokens(inner))  # type: ignore[arg-type]
    assert isinstance(nowhere, JoinedAdapter)
    assert nowhere.token_adapter is None
    assert not isinstance(nowhere, TokenAdapter)
    assert join_adapters(inner, inner) is inner
    explicit = join_adapters(inner, inner, token=NoForeignKeys(inner))
    assert isinstance(explicit, JoinedAdapter)
    assert isinstance(explicit.token_adapter, NoForeignKeys)
    assert isinstance(explicit, TokenAdapter)


async def test_lucia_accepts_a_token_adapter_in_the_adapter_mapping(
    make_auth: Callable[..., Auth], adapter: Any
) -> None:
    tokens = NoForeignKeys(adapter.inner)
    auth = make_auth(adapter={"user": adapter, "session": adapter, "token": tokens})
    assert isinstance(auth.adapter, JoinedAdapter)
    assert auth.adapter.token_adapter is tokens
    with pytest.raises(ValueError, match='"token"'):
        make_auth(adapter={"user": adapter, "session": adapter, "tokens": tokens})
    with pytest.raises(TypeError, match="token adapter"):
        make_auth(adapter={"user": adapter, "session": adapter, "token": object()})
