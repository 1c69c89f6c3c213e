"""Throttle: back-off per key, retry_after, claims, reset and release, device cookies, bad input;
on the memory store and on Redis, standalone and cluster (the ``throttle_store`` fixture)."""

from __future__ import annotations

import asyncio
import hashlib
import pickle
import re
import secrets
from datetime import timedelta
from typing import Any

import pytest

from lucia_core import LuciaError
from lucia_core.errors import ERROR_CODES
from lucia_core.throttling import (
    MemoryThrottleStore,
    RedisThrottleStore,
    Throttle,
    ThrottleStore,
    TooManyAttempts,
    memory_store,
)
from tests.throttling.stores import open_store

SECOND = timedelta(seconds=1)
#: Seconds a check may take on a loaded machine (retry_after is compared within this).
SLACK = 0.5


def key(label: str = "username") -> str:
    return f"{label}:{secrets.token_hex(6)}"


async def retry_after(throttle: Throttle, *keys: str) -> float:
    with pytest.raises(TooManyAttempts) as refused:
        await throttle.check(*keys)
    return refused.value.retry_after


def claiming(store: ThrottleStore) -> Throttle:
    """A throttle whose timeouts end soon and whose claims last long."""
    return Throttle(store=store, base_delay=timedelta(milliseconds=200), claim_timeout=timedelta(seconds=30))


# back-off


async def test_a_key_without_failures_passes_every_check(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store), key()
    for _ in range(5):
        await throttle.check(name)
    await asyncio.gather(*(throttle.check(name) for _ in range(10)))


async def test_each_failure_doubles_the_timeout_from_base_delay(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=SECOND, max_delay=timedelta(minutes=1)), key()
    for failures in range(1, 6):
        await throttle.fail(name)
        delay = 2 ** (failures - 1)
        assert delay - SLACK <= await retry_after(throttle, name) <= delay


async def test_the_timeout_is_capped_at_max_delay(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=SECOND, max_delay=timedelta(seconds=5)), key()
    for _ in range(20):
        await throttle.fail(name)
    assert 5 - SLACK <= await retry_after(throttle, name) <= 5


async def test_a_refused_check_raises_lucia_error_too_many_attempts(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store), key()
    await throttle.fail(name)
    with pytest.raises(LuciaError) as refused:
        await throttle.check(name)
    assert refused.value.code == "AUTH_TOO_MANY_ATTEMPTS"
    assert str(refused.value).startswith("AUTH_TOO_MANY_ATTEMPTS")
    assert isinstance(refused.value, TooManyAttempts)
    assert type(refused.value.retry_after) is float


async def test_retry_after_is_the_longest_timeout_of_the_keys(store: ThrottleStore) -> None:
    throttle = Throttle(store=store, base_delay=SECOND)
    username, address, fresh = key(), key("ip"), key()
    await throttle.fail(username, address)
    await throttle.fail(address)
    await throttle.fail(address)
    assert 4 - SLACK <= await retry_after(throttle, username, fresh, address) <= 4
    assert 1 - SLACK <= await retry_after(throttle, username, fresh) <= 1


async def test_the_check_passes_once_the_timeout_ended(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=timedelta(milliseconds=200)), key()
    await throttle.fail(name)
    await retry_after(throttle, name)
    await asyncio.sleep(0.25)
    await throttle.check(name)


async def test_reset_clears_failures_and_timeout(store: ThrottleStore) -> None:
    throttle, name, other = Throttle(store=store, base_delay=SECOND), key(), key()
    for _ in range(4):
        await throttle.fail(name, other)
    await throttle.reset(name)
    await throttle.check(name)
    await throttle.fail(name)
    assert await retry_after(throttle, name) <= 1  # the first failure again
    assert await retry_after(throttle, other) > 4


# claims


async def test_a_passing_check_claims_the_keys_until_the_attempt_fails(store: ThrottleStore) -> None:
    throttle = Throttle(
        store=store, base_delay=timedelta(milliseconds=200), claim_timeout=timedelta(seconds=30)
    )
    name = key()
    await throttle.fail(name)
    await asyncio.sleep(0.25)
    await throttle.check(name)
    assert 30 - SLACK <= await retry_after(throttle, name) <= 30  # the attempt is under way
    await throttle.fail(name)
    assert await retry_after(throttle, name) <= 0.4  # its failure ended the claim: 2 failures


async def test_a_claim_ends_with_reset(store: ThrottleStore) -> None:
    throttle = Throttle(
        store=store, base_delay=timedelta(milliseconds=200), claim_timeout=timedelta(seconds=30)
    )
    name = key()
    await throttle.fail(name)
    await asyncio.sleep(0.25)
    await throttle.check(name)
    await throttle.reset(name)
    await throttle.check(name)
    await throttle.check(name)


async def test_release_ends_the_claim_on_keys_that_are_not_reset(store: ThrottleStore) -> None:
    throttle = Throttle(
        store=store, base_delay=timedelta(milliseconds=200), claim_timeout=timedelta(seconds=30)
    )
    username, address = key(), key("ip")
    await throttle.fail(username, address)
    await asyncio.sleep(0.25)
    await throttle.check(username, address)
    await throttle.reset(username)
    await throttle.release(address)
    await throttle.check(address)
    await throttle.fail(address)
    assert await retry_after(throttle, address) > 0.2  # two failures on record: 400 ms


async def test_the_claim_of_an_attempt_that_never_reports_back_expires(store: ThrottleStore) -> None:
    throttle = Throttle(store=store, base_delay=timedelta(milliseconds=100), claim_timeout=SECOND)
    name = key()
    await throttle.fail(name)
    await asyncio.sleep(0.15)
    await throttle.check(name)  # this attempt crashes: no fail, no reset
    assert await retry_after(throttle, name) <= 1
    await asyncio.sleep(1.1)
    await throttle.check(name)


async def test_a_key_without_failures_is_not_claimed_so_concurrent_sign_ins_pass(
    store: ThrottleStore,
) -> None:
    throttle = Throttle(store=store)
    username, address = key(), key("ip")
    await asyncio.gather(*(throttle.check(username, address) for _ in range(10)))


# device cookies


async def test_device_cookie_is_random_http_only_strict_and_secure(store: ThrottleStore) -> None:
    throttle = Throttle(store=store, device_cookie_max_age=timedelta(days=30))
    cookie = await throttle.device_cookie("user-1")
    assert cookie.name == "__Host-device_cookie"
    assert re.fullmatch(r"[a-z0-9]{40}", cookie.value)
    assert cookie.value != (await throttle.device_cookie("user-1")).value
    header = cookie.serialize()
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/", f"Max-Age={30 * 86400}"):
        assert attribute in header.split("; ")
    assert cookie.value not in repr(cookie)


async def test_read_device_cookie_finds_it_in_a_cookie_header(store: ThrottleStore) -> None:
    throttle = Throttle(store=store)
    cookie = await throttle.device_cookie("user-1")
    header = f"auth_session=abc; {cookie.name}={cookie.value}; other=1"
    assert throttle.read_device_cookie(header) == cookie.value
    assert throttle.read_device_cookie("auth_session=abc") is None
    assert throttle.read_device_cookie(f"{cookie.name}=") is None
    assert throttle.read_device_cookie(None) is None


async def test_a_device_cookie_tossed_by_a_sibling_subdomain_does_not_hide_the_users_own(
    store: ThrottleStore,
) -> None:
    # evil.example.com set device_cookie for the parent domain and the sign-in page's path, so
    # that browsers send it first: the user's own cookie is a __Host- one, which no other host can
    # set, and the tossed one is not it.
    throttle = Throttle(store=store)
    cookie = await throttle.device_cookie("user-1")
    header = f"device_cookie=tossed; {cookie.name}={cookie.value}"
    assert throttle.read_device_cookie(header) == cookie.value


@pytest.mark.parametrize("name", ["__Host-device", "__host-device", "__Secure-device", "__SECURE-device"])
def test_a_prefixed_device_cookie_name_without_secure_is_refused(name: str) -> None:
    # Browsers drop such a cookie: the device protection would silently never apply.
    with pytest.raises(ValueError, match="needs Secure"):
        Throttle(store=memory_store(), secure=False, device_cookie_name=name)
    assert Throttle(store=memory_store(), device_cookie_name=name).device_cookie_name == name


async def test_device_cookie_without_secure_for_local_development(store: ThrottleStore) -> None:
    throttle = Throttle(store=store, secure=False, device_cookie_name="__dev")
    cookie = await throttle.device_cookie("user-1")
    assert cookie.name == "__dev"
    assert "Secure" not in cookie.serialize()


async def test_a_device_cookie_skips_the_timeout_for_its_first_five_attempts(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=timedelta(minutes=1)), key()
    cookie = await throttle.device_cookie("user-1")
    for _ in range(10):
        await throttle.fail(name)  # an attacker failing on purpose
    for _ in range(5):
        await throttle.check(name, device_cookie=cookie.value, user_id="user-1")
        await throttle.fail(name)  # the user mistypes, still not locked out
    with pytest.raises(TooManyAttempts):
        await throttle.check(name, device_cookie=cookie.value, user_id="user-1")


async def test_a_device_cookie_of_another_user_gives_no_bypass_and_is_spent(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=timedelta(minutes=1)), key()
    cookie = await throttle.device_cookie("user-1")
    await throttle.fail(name)
    with pytest.raises(TooManyAttempts):
        await throttle.check(name, device_cookie=cookie.value, user_id="user-2")
    with pytest.raises(TooManyAttempts):
        await throttle.check(name, device_cookie=cookie.value, user_id="user-1")


@pytest.mark.parametrize(
    "forged",
    ["a" * 40, secrets.token_hex(20), "", "x", "A" * 40, "a" * 41, "a" * 39 + "\x00", "é" * 40],
    ids=["as", "random", "empty", "short", "upper", "long", "nul", "unicode"],
)
async def test_a_forged_device_cookie_gives_no_bypass(store: ThrottleStore, forged: str) -> None:
    throttle, name = Throttle(store=store, base_delay=timedelta(minutes=1)), key()
    await throttle.device_cookie("user-1")
    await throttle.fail(name)
    with pytest.raises(TooManyAttempts):
        await throttle.check(name, device_cookie=forged, user_id="user-1")


async def test_a_device_cookie_without_a_user_gives_no_bypass(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=timedelta(minutes=1)), key()
    cookie = await throttle.device_cookie("user-1")
    await throttle.fail(name)
    with pytest.raises(TooManyAttempts):
        await throttle.check(name, device_cookie=cookie.value, user_id=None)
    await throttle.check(name, device_cookie=cookie.value, user_id="user-1")  # not spent by that


async def test_device_attempts_are_configurable(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=timedelta(minutes=1), device_attempts=2), key()
    cookie = await throttle.device_cookie("user-1")
    await throttle.fail(name)
    for _ in range(2):
        await throttle.check(name, device_cookie=cookie.value, user_id="user-1")
    with pytest.raises(TooManyAttempts):
        await throttle.check(name, device_cookie=cookie.value, user_id="user-1")


async def test_the_store_keeps_the_sha256_of_a_device_cookie_not_its_value() -> None:
    store = memory_store()
    cookie = await Throttle(store=store).device_cookie("user-1")
    assert list(store._devices) == [hashlib.sha256(cookie.value.encode()).hexdigest()]


async def test_the_redis_store_keeps_no_device_cookie_or_key_in_plain_text() -> None:
    store, close = await open_store("redis")
    try:
        assert isinstance(store, RedisThrottleStore)
        throttle = Throttle(store=store)
        cookie = await throttle.device_cookie("user-1")
        await throttle.fail("username:ada-lovelace")
        client: Any = store._client
        names = [name.decode() async for name in client.scan_iter(match="{" + store._prefix + "}:*")]
        assert len(names) == 2
        assert not any(cookie.value in name or "ada-lovelace" in name for name in names)
        assert store.device_name(hashlib.sha256(cookie.value.encode()).hexdigest()) in names
    finally:
        await close()


# errors and bad input


def test_too_many_attempts_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(TooManyAttempts(1.5)))
    assert isinstance(error, TooManyAttempts)
    assert (error.code, error.retry_after) == ("AUTH_TOO_MANY_ATTEMPTS", 1.5)
    assert "AUTH_TOO_MANY_ATTEMPTS" in ERROR_CODES


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"store": object()}, TypeError, "ThrottleStore"),
        ({"base_delay": 1}, TypeError, "base_delay must be a datetime.timedelta"),
        ({"base_delay": timedelta(0)}, ValueError, "base_delay must be at least one millisecond"),
        ({"max_delay": timedelta(seconds=-1)}, ValueError, "max_delay"),
        (
            {"base_delay": timedelta(hours=1), "max_delay": SECOND},
            ValueError,
            "max_delay must not be shorter",
        ),
        ({"claim_timeout": timedelta(0)}, ValueError, "claim_timeout"),
        ({"forget_after": 5.0}, TypeError, "forget_after"),
        ({"device_attempts": 0}, ValueError, "device_attempts"),
        ({"device_attempts": True}, ValueError, "device_attempts"),
        ({"device_cookie_name": "bad name"}, ValueError, "invalid cookie name"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], error: type[Exception], message: str) -> None:
    options.setdefault("store", MemoryThrottleStore())
    with pytest.raises(error, match=message):
        Throttle(**options)


@pytest.mark.parametrize(
    ("keys", "error", "message"),
    [
        ((), TypeError, "at least one key"),
        ((None,), TypeError, "keys must be str, not NoneType"),
        ((b"username:ada",), TypeError, "keys must be str, not bytes"),
        (("username:ada", ""), ValueError, "must not be empty"),
    ],
)
async def test_bad_keys_are_refused(keys: tuple[Any, ...], error: type[Exception], message: str) -> None:
    throttle = Throttle(store=memory_store())
    for method in (throttle.check, throttle.fail, throttle.reset, throttle.release):
        with pytest.raises(error, match=message):
            await method(*keys)


async def test_bad_device_cookie_arguments_are_refused() -> None:
    throttle = Throttle(store=memory_store())
    with pytest.raises(TypeError, match="device_cookie must be"):
        await throttle.check("k", device_cookie=b"x", user_id="u")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="user_id must be"):
        await throttle.check("k", device_cookie="x", user_id=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="user_id must be a non-empty str"):
        await throttle.device_cookie("")


async def test_repeated_keys_count_once(store: ThrottleStore) -> None:
    throttle, name = Throttle(store=store, base_delay=SECOND), key()
    await throttle.fail(name, name, name)
    assert await retry_after(throttle, name, name) <= 1
