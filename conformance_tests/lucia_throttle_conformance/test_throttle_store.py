"""ThrottleStore, one test per sentence of its docstrings (quoted by ``@contract``).

Each test uses keys and device ids of its own (random), so the store need not be empty. Times are
real: timeouts of some hundred milliseconds, with margins for a loaded machine and a network
round trip; a result of ``claim`` is compared with what the timeouts make it at most, and at least
after the time a call can take.
"""

from __future__ import annotations

import asyncio
import secrets

import pytest

from lucia_conformance.contract import contract
from lucia_core.throttling import ThrottleStore

pytestmark = pytest.mark.asyncio

#: Milliseconds a store call (and the scheduling around it) may take on a loaded machine.
SLACK = 500
HOUR = 3_600_000

CLAIM_ATOMIC = "Decide and claim in one atomic step."
CLAIM_TIMED_OUT = (
    "If any of the keys is timed out, nothing changes and the result is the milliseconds until the"
    " last of those timeouts and claims ends."
)
CLAIM_CLAIMS = (
    "Otherwise each key with failures on record is claimed for hold_ms milliseconds and the result is 0."
)
CLAIM_FRESH = "A key without failures on record is never claimed."
CLAIM_CONCURRENT = (
    "Of concurrent calls for a key whose timeout has ended, exactly one gets 0 while its claim lasts."
)
CLAIM_EXPIRES = (
    "A claim that is never ended by fail, reset or release ends by itself after hold_ms milliseconds."
)
FAIL_BACKOFF = (
    "Add one failure to each key and time it out from now for base_ms * 2 ** (failures - 1)"
    " milliseconds, at most max_ms."
)
FAIL_ENDS_CLAIM = "This ends any claim on the key."
FAIL_FORGOTTEN = (
    "A key is forgotten, as if reset, forget_ms milliseconds after its timeout ends, unless a claim on"
    " it lasts longer."
)
RESET = "Forget the keys: their failures, timeouts and claims."
RESET_OTHERS = "Other keys are untouched."
RESET_MISSING = "A key not on record is a no-op."
RELEASE = "End any claim on the keys; their failures and timeouts stay."
RELEASE_MISSING = "A key not on record is a no-op."
ADD_DEVICE = "Store a device for the user with this many attempts, replacing any device with this id."
ADD_DEVICE_TTL = "The device is forgotten ttl_ms milliseconds later."
USE_DEVICE = (
    "Count one attempt of the device as the user: True if it is stored for this user with attempts left."
)
USE_DEVICE_DELETED = "A device stored for another user, or without attempts left, is deleted and gives False."
USE_DEVICE_UNKNOWN = "An unknown device gives False."
USE_DEVICE_CONCURRENT = "Of concurrent calls, no more get True than the device had attempts left."

#: Keys an application might make from hostile input: each must be a key of its own.
ODD_KEYS = {
    "braces": "username:{throttle}:x}",
    "colons": "ip:2001:db8::1",
    "unicode": "username:Ådå 漢字 🙂",
    "whitespace": "username: ada \t\n",
    "nul": "username:a\x00b",
    "glob": "username:*?[a]\\",
    "long": "username:" + "a" * 10_000,
}
#: Pairs of keys that differ only a little, and must never be taken for each other.
NEAR_MISSES = {
    "case": ("username:Ada", "username:ada"),
    "trailing-space": ("username:ada ", "username:ada"),
    "prefix": ("username:ada", "username:adam"),
    "accents": ("username:ad\u00e1", "username:ada\u0301"),
}


def new_key(label: str = "user") -> str:
    return f"{label}:{secrets.token_hex(8)}"


def new_device() -> str:
    return secrets.token_hex(32)


async def timed_out_once(store: ThrottleStore, *keys: str, base_ms: int = 100) -> None:
    """One failure on each key, then wait until its timeout ended."""
    await store.fail(list(keys), base_ms, HOUR, HOUR)
    await asyncio.sleep((base_ms + 20) / 1000)


# claim


@contract(ThrottleStore.claim, CLAIM_ATOMIC)
async def test_claim_decides_and_claims_in_one_step(store: ThrottleStore) -> None:
    key = new_key()
    await timed_out_once(store, key)
    assert await store.claim([key], HOUR) == 0
    assert await store.claim([key], HOUR) > HOUR - 10 * SLACK


@contract(ThrottleStore.claim, CLAIM_ATOMIC)
async def test_claim_of_overlapping_keys_concurrently_lets_one_attempt_through(store: ThrottleStore) -> None:
    shared, left, right = new_key(), new_key(), new_key()
    await timed_out_once(store, shared, left, right)
    results = await asyncio.gather(
        *(store.claim(keys, HOUR) for keys in ([left, shared], [shared, right], [shared]) * 4)
    )
    assert results.count(0) == 1


@contract(ThrottleStore.claim, CLAIM_TIMED_OUT)
async def test_claim_returns_the_wait_until_the_last_timeout_ends(store: ThrottleStore) -> None:
    short, long, free = new_key(), new_key(), new_key()
    await store.fail([short], 1000, HOUR, HOUR)
    for _ in range(3):
        await store.fail([long], 1000, HOUR, HOUR)
    wait = await store.claim([short, free, long], HOUR)
    assert 4000 - SLACK <= wait <= 4000


@contract(ThrottleStore.claim, CLAIM_TIMED_OUT)
async def test_claim_that_is_refused_changes_nothing(store: ThrottleStore) -> None:
    timed_out, ended = new_key(), new_key()
    await store.fail([timed_out], HOUR, HOUR, HOUR)
    await timed_out_once(store, ended)
    assert await store.claim([ended, timed_out], 1000) > 0
    # The refused call claimed nothing: the key whose timeout ended is free for the next attempt.
    assert await store.claim([ended], 1000) == 0


@contract(ThrottleStore.claim, CLAIM_TIMED_OUT)
async def test_claim_counts_a_claim_as_a_timeout(store: ThrottleStore) -> None:
    key = new_key()
    await timed_out_once(store, key)
    assert await store.claim([key], 2000) == 0
    wait = await store.claim([key], HOUR)
    assert 2000 - SLACK <= wait <= 2000


@contract(ThrottleStore.claim, CLAIM_CLAIMS)
async def test_claim_claims_each_key_with_failures_for_hold_ms(store: ThrottleStore) -> None:
    first, second, fresh = new_key(), new_key(), new_key()
    await timed_out_once(store, first, second)
    assert await store.claim([first, fresh, second], 3000) == 0
    for key in (first, second):
        assert 3000 - SLACK <= await store.claim([key], HOUR) <= 3000


@contract(ThrottleStore.claim, CLAIM_FRESH)
async def test_claim_never_claims_a_key_without_failures(store: ThrottleStore) -> None:
    key = new_key()
    assert await store.claim([key], HOUR) == 0
    assert await store.claim([key], HOUR) == 0
    assert await asyncio.gather(*(store.claim([key], HOUR) for _ in range(10))) == [0] * 10


@contract(ThrottleStore.claim, CLAIM_FRESH)
@pytest.mark.parametrize(("failed", "fresh"), NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
async def test_claim_tells_near_miss_keys_apart(store: ThrottleStore, failed: str, fresh: str) -> None:
    suffix = secrets.token_hex(4)
    failed, fresh = f"{suffix}:{failed}", f"{suffix}:{fresh}"
    await store.fail([failed], HOUR, HOUR, HOUR)
    assert await store.claim([fresh], HOUR) == 0
    assert await store.claim([failed], HOUR) > 0


@contract(ThrottleStore.claim, CLAIM_CONCURRENT)
async def test_claim_called_concurrently_lets_exactly_one_through(store: ThrottleStore) -> None:
    key = new_key()
    await timed_out_once(store, key)
    results = await asyncio.gather(*(store.claim([key], HOUR) for _ in range(20)))
    assert results.count(0) == 1
    assert all(HOUR - 10 * SLACK <= wait <= HOUR for wait in results if wait)


@contract(ThrottleStore.claim, CLAIM_CONCURRENT)
async def test_claim_called_concurrently_with_a_fresh_key_alongside_lets_exactly_one_through(
    store: ThrottleStore,
) -> None:
    key = new_key()
    await timed_out_once(store, key)
    results = await asyncio.gather(*(store.claim([new_key("ip"), key], HOUR) for _ in range(20)))
    assert results.count(0) == 1


@contract(ThrottleStore.claim, CLAIM_EXPIRES)
async def test_claim_ends_by_itself_after_hold_ms(store: ThrottleStore) -> None:
    key = new_key()
    await timed_out_once(store, key)
    assert await store.claim([key], 1000) == 0
    assert await store.claim([key], 1000) > 0
    await asyncio.sleep(1.1)
    assert await store.claim([key], 1000) == 0


# fail


@contract(ThrottleStore.fail, FAIL_BACKOFF)
async def test_fail_doubles_the_timeout_with_each_failure(store: ThrottleStore) -> None:
    key = new_key()
    for failures in range(1, 6):
        await store.fail([key], 1000, HOUR, HOUR)
        delay = 1000 * 2 ** (failures - 1)
        assert delay - SLACK <= await store.claim([key], 1) <= delay


@contract(ThrottleStore.fail, FAIL_BACKOFF)
async def test_fail_caps_the_timeout_at_max_ms(store: ThrottleStore) -> None:
    key = new_key()
    for _ in range(4):
        await store.fail([key], 1000, 2500, HOUR)
    assert 2500 - SLACK <= await store.claim([key], 1) <= 2500


@contract(ThrottleStore.fail, FAIL_BACKOFF)
async def test_fail_after_many_failures_stays_at_max_ms(store: ThrottleStore) -> None:
    key = new_key()
    for _ in range(70):
        await store.fail([key], 1000, 3000, HOUR)
    assert 3000 - SLACK <= await store.claim([key], 1) <= 3000


@contract(ThrottleStore.fail, FAIL_BACKOFF)
async def test_fail_adds_one_failure_to_each_key(store: ThrottleStore) -> None:
    first, second, untouched = new_key(), new_key(), new_key()
    await store.fail([first], 1000, HOUR, HOUR)
    await store.fail([first, second], 1000, HOUR, HOUR)
    assert 2000 - SLACK <= await store.claim([first], 1) <= 2000
    assert 1000 - SLACK <= await store.claim([second], 1) <= 1000
    assert await store.claim([untouched], 1) == 0


@contract(ThrottleStore.fail, FAIL_BACKOFF)
@pytest.mark.parametrize("odd", ODD_KEYS.values(), ids=ODD_KEYS.keys())
async def test_fail_counts_odd_keys_on_their_own(store: ThrottleStore, odd: str) -> None:
    key = f"{secrets.token_hex(4)}:{odd}"
    await store.fail([key], 1000, HOUR, HOUR)
    assert 1000 - SLACK <= await store.claim([key], 1) <= 1000
    assert await store.claim([key[:-1]], 1) == 0


@contract(ThrottleStore.fail, FAIL_ENDS_CLAIM)
async def test_fail_ends_the_claim_of_the_attempt(store: ThrottleStore) -> None:
    key = new_key()
    await timed_out_once(store, key)
    assert await store.claim([key], HOUR) == 0
    await store.fail([key], 100, HOUR, HOUR)
    # Two failures now: 200 ms of timeout, and no claim of an hour behind it.
    assert await store.claim([key], 1) <= 200
    await asyncio.sleep(0.25)
    assert await store.claim([key], 1) == 0


@contract(ThrottleStore.fail, FAIL_FORGOTTEN)
async def test_fail_is_forgotten_forget_ms_after_the_timeout(store: ThrottleStore) -> None:
    key = new_key()
    await store.fail([key], 100, HOUR, 200)
    await asyncio.sleep(0.4)
    await store.fail([key], 1000, HOUR, HOUR)
    # Forgotten: this is the first failure again (1000 ms), not the second (2000 ms).
    assert await store.claim([key], 1) <= 1000


@contract(ThrottleStore.fail, FAIL_FORGOTTEN)
async def test_fail_is_remembered_until_forget_ms_after_the_timeout(store: ThrottleStore) -> None:
    key = new_key()
    await store.fail([key], 100, HOUR, 2000)
    await asyncio.sleep(0.3)
    await store.fail([key], 1000, HOUR, HOUR)
    assert await store.claim([key], 1) > 1000


@contract(ThrottleStore.fail, FAIL_FORGOTTEN)
async def test_fail_is_kept_while_a_claim_lasts_longer(store: ThrottleStore) -> None:
    key = new_key()
    await store.fail([key], 100, HOUR, 1000)
    await asyncio.sleep(0.15)
    assert await store.claim([key], 3000) == 0
    await asyncio.sleep(1.2)  # past the timeout's end + forget_ms, within the claim
    assert await store.claim([key], 1) > 0


# reset


@contract(ThrottleStore.reset, RESET)
async def test_reset_forgets_failures_timeouts_and_claims(store: ThrottleStore) -> None:
    timed_out, claimed = new_key(), new_key()
    for _ in range(3):
        await store.fail([timed_out], 1000, HOUR, HOUR)
    await timed_out_once(store, claimed)
    assert await store.claim([claimed], HOUR) == 0
    await store.reset([timed_out, claimed])
    assert await store.claim([timed_out, claimed], HOUR) == 0
    assert await store.claim([timed_out, claimed], HOUR) == 0  # no failures: never claimed
    await store.fail([timed_out], 1000, HOUR, HOUR)
    assert await store.claim([timed_out], 1) <= 1000  # the first failure again


@contract(ThrottleStore.reset, RESET_OTHERS)
async def test_reset_leaves_other_keys_alone(store: ThrottleStore) -> None:
    reset, other = new_key(), new_key()
    await store.fail([reset, other], 1000, HOUR, HOUR)
    await store.reset([reset])
    assert await store.claim([reset], 1) == 0
    assert await store.claim([other], 1) > 0


@contract(ThrottleStore.reset, RESET_MISSING)
async def test_reset_of_a_key_not_on_record_is_a_no_op(store: ThrottleStore) -> None:
    key = new_key()
    await store.reset([key])
    assert await store.claim([key], HOUR) == 0
    assert await store.claim([key], HOUR) == 0


# release


@contract(ThrottleStore.release, RELEASE)
async def test_release_ends_the_claim(store: ThrottleStore) -> None:
    key = new_key()
    await timed_out_once(store, key)
    assert await store.claim([key], HOUR) == 0
    await store.release([key])
    assert await store.claim([key], HOUR) == 0


@contract(ThrottleStore.release, RELEASE)
async def test_release_keeps_failures_and_timeouts(store: ThrottleStore) -> None:
    timed_out, claimed = new_key(), new_key()
    await store.fail([timed_out], 10_000, HOUR, HOUR)
    await timed_out_once(store, claimed, base_ms=100)
    assert await store.claim([claimed], HOUR) == 0
    await store.release([timed_out, claimed])
    assert await store.claim([timed_out], 1) > 10_000 - 5 * SLACK
    await store.fail([claimed], 100, HOUR, HOUR)
    assert await store.claim([claimed], 1) > 100  # the second failure: 200 ms


@contract(ThrottleStore.release, RELEASE_MISSING)
async def test_release_of_a_key_not_on_record_is_a_no_op(store: ThrottleStore) -> None:
    key = new_key()
    await store.release([key])
    assert await store.claim([key], HOUR) == 0
    await store.fail([key], 1000, HOUR, HOUR)
    assert await store.claim([key], 1) <= 1000


# add_device


@contract(ThrottleStore.add_device, ADD_DEVICE)
async def test_add_device_stores_the_attempts(store: ThrottleStore) -> None:
    device = new_device()
    await store.add_device(device, "user-1", 3, HOUR)
    assert [await store.use_device(device, "user-1") for _ in range(4)] == [True, True, True, False]


@contract(ThrottleStore.add_device, ADD_DEVICE)
async def test_add_device_replaces_a_device_with_this_id(store: ThrottleStore) -> None:
    device = new_device()
    await store.add_device(device, "user-1", 1, HOUR)
    await store.add_device(device, "user-2", 2, HOUR)
    assert [await store.use_device(device, "user-2") for _ in range(3)] == [True, True, False]


@contract(ThrottleStore.add_device, ADD_DEVICE)
async def test_add_device_keeps_other_devices(store: ThrottleStore) -> None:
    device, other = new_device(), new_device()
    await store.add_device(device, "user-1", 1, HOUR)
    await store.add_device(other, "user-1", 1, HOUR)
    assert await store.use_device(device, "user-1")
    assert await store.use_device(other, "user-1")


@contract(ThrottleStore.add_device, ADD_DEVICE_TTL)
async def test_add_device_is_forgotten_after_ttl_ms(store: ThrottleStore) -> None:
    kept, forgotten = new_device(), new_device()
    await store.add_device(forgotten, "user-1", 5, 200)
    await store.add_device(kept, "user-1", 5, HOUR)
    await asyncio.sleep(0.3)
    assert not await store.use_device(forgotten, "user-1")
    assert await store.use_device(kept, "user-1")


# use_device


@contract(ThrottleStore.use_device, USE_DEVICE)
async def test_use_device_counts_attempts_of_the_user(store: ThrottleStore) -> None:
    device = new_device()
    await store.add_device(device, "user-1", 2, HOUR)
    assert await store.use_device(device, "user-1")
    assert await store.use_device(device, "user-1")
    assert not await store.use_device(device, "user-1")


@contract(ThrottleStore.use_device, USE_DEVICE_DELETED)
async def test_use_device_of_another_user_deletes_it(store: ThrottleStore) -> None:
    device = new_device()
    await store.add_device(device, "user-1", 5, HOUR)
    assert not await store.use_device(device, "user-2")
    assert not await store.use_device(device, "user-1")


@contract(ThrottleStore.use_device, USE_DEVICE_DELETED)
async def test_use_device_matches_the_user_exactly(store: ThrottleStore) -> None:
    for near_miss in ("User-1", "user-1 ", "user-", "user-1\x00"):
        device = new_device()
        await store.add_device(device, "user-1", 5, HOUR)
        assert not await store.use_device(device, near_miss)


@contract(ThrottleStore.use_device, USE_DEVICE_DELETED)
async def test_use_device_without_attempts_left_deletes_it(store: ThrottleStore) -> None:
    device = new_device()
    await store.add_device(device, "user-1", 1, HOUR)
    assert await store.use_device(device, "user-1")
    assert not await store.use_device(device, "user-1")
    await store.add_device(device, "user-1", 1, HOUR)  # a new device with that id
    assert await store.use_device(device, "user-1")


@contract(ThrottleStore.use_device, USE_DEVICE_UNKNOWN)
async def test_use_device_unknown_gives_false(store: ThrottleStore) -> None:
    await store.add_device(new_device(), "user-1", 5, HOUR)
    assert not await store.use_device(new_device(), "user-1")


@contract(ThrottleStore.use_device, USE_DEVICE_CONCURRENT)
async def test_use_device_called_concurrently_grants_only_the_attempts_left(store: ThrottleStore) -> None:
    device = new_device()
    await store.add_device(device, "user-1", 5, HOUR)
    results = await asyncio.gather(*(store.use_device(device, "user-1") for _ in range(20)))
    assert results.count(True) == 5
