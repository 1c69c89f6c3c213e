"""Password hashing: Argon2id defaults, Lucia v2 scrypt vectors (made by Lucia v2 itself), limits."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import argon2
import pytest

from lucia_core import MAX_PASSWORD_BYTES, Argon2idHasher, Auth, LuciaError
from lucia_core.password import DEFAULT_NICENESS, DEFAULT_PROFILE, normalize_password
from lucia_core.utils import generate_lucia_password_hash, validate_lucia_password_hash

VECTORS = json.loads((Path(__file__).parent / "vectors" / "lucia_v2_scrypt.json").read_text())


def test_vectors_were_made_by_lucia_v2() -> None:
    assert VECTORS["generator"].startswith("lucia@2.7.7")
    assert {v["form"] for v in VECTORS["vectors"]} == {"s2", "legacy"}


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: f"{v['form']}:{v['password'][:12]!r}")
async def test_lucia_v2_scrypt_vector(vector: dict[str, Any]) -> None:
    for check in vector["checks"]:
        assert await validate_lucia_password_hash(check["password"], vector["hash"]) is check["valid"], check


@pytest.mark.parametrize(
    "case", VECTORS["edge_cases"], ids=lambda c: str(c.get("name", c.get("hash", "")))[:30]
)
async def test_lucia_v2_scrypt_edge_cases(case: dict[str, Any]) -> None:
    if case["hash"].startswith("$2a"):
        pytest.skip("bcrypt is handled by use_key (AUTH_OUTDATED_PASSWORD), not by the scrypt validator")
    assert await validate_lucia_password_hash(case["password"], case["hash"]) is False


async def test_generated_lucia_hash_has_v2_shape_and_validates() -> None:
    hashed = await generate_lucia_password_hash("pässwörd")
    prefix, salt, key = hashed.split(":")
    assert prefix == "s2"
    assert len(salt) == 16
    assert len(key) == 128
    assert await validate_lucia_password_hash("pässwörd", hashed)
    assert not await validate_lucia_password_hash("passwörd", hashed)


def test_default_hasher_is_argon2id_at_or_above_owasp() -> None:
    params = Argon2idHasher().parameters
    # OWASP Password Storage Cheat Sheet: Argon2id with at least m=19 MiB, t=2, p=1.
    assert params["memory_cost"] >= 19456
    assert params["time_cost"] >= 2
    assert params["parallelism"] >= 1
    # argon2-cffi's RFC 9106 low-memory profile (m=64 MiB, t=3), in one lane.
    assert Argon2idHasher().generate_sync("x").startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    with pytest.raises(ValueError, match="OWASP"):
        Argon2idHasher(memory_cost=1024)


async def test_default_hasher_runs_off_the_event_loop() -> None:
    hasher = Argon2idHasher()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await hasher.generate("password")
    elapsed = time.perf_counter() - started
    task.cancel()
    # The loop kept turning while the hash was computed elsewhere (a blocked loop would tick 0-1 times).
    assert ticks >= max(2, int(elapsed / 0.005) // 4)


def test_needs_rehash() -> None:
    hasher = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
    assert not hasher.needs_rehash(hasher.generate_sync("x"))
    assert hasher.needs_rehash(Argon2idHasher().generate_sync("x"))
    assert hasher.needs_rehash("s2:abcdefghijklmnop:00")


def test_password_length_is_limited_before_hashing() -> None:
    assert normalize_password("a" * MAX_PASSWORD_BYTES) == "a" * MAX_PASSWORD_BYTES
    for too_long in ("a" * (MAX_PASSWORD_BYTES + 1), "é" * (MAX_PASSWORD_BYTES // 2 + 1), "a" * 1_000_000):
        with pytest.raises(LuciaError) as info:
            normalize_password(too_long)
        assert info.value.code == "AUTH_INVALID_PASSWORD"
    with pytest.raises(LuciaError):
        normalize_password("\ud800")
    with pytest.raises(TypeError):
        normalize_password(b"bytes")  # type: ignore[arg-type]


async def test_nfkc_equivalent_passwords_sign_in(auth: Auth) -> None:
    await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "x", "password": "ﬁsh Å"},
        attributes={"username": "x"},
    )
    await auth.use_key("username", "x", "fish \u00c5")
    await auth.use_key("username", "x", "ﬁsh \u212b")


async def test_megabyte_password_is_rejected_quickly(auth: Auth) -> None:
    await auth.create_user(
        key={"provider_id": "username", "provider_user_id": "x", "password": "pw"},
        attributes={"username": "x"},
    )
    with pytest.raises(LuciaError) as info:
        await auth.use_key("username", "x", "p" * 1_000_000)
    assert info.value.code == "AUTH_INVALID_PASSWORD"
    with pytest.raises(LuciaError) as info:
        await auth.create_user(
            key={"provider_id": "username", "provider_user_id": "y", "password": "p" * 10_000},
            attributes={"username": "y"},
        )
    assert info.value.code == "AUTH_INVALID_PASSWORD"


def test_default_hasher_names_its_profile() -> None:
    """The default parameters are argon2-cffi's RFC 9106 low-memory profile in one lane; any
    Argon2id profile can be given, and single values overridden."""
    low_memory = argon2.profiles.RFC_9106_LOW_MEMORY
    assert dataclasses.replace(low_memory, parallelism=1) == DEFAULT_PROFILE
    assert Argon2idHasher(profile=low_memory).parameters == {
        "time_cost": 3,
        "memory_cost": 65536,
        "parallelism": 4,
    }
    assert Argon2idHasher(profile=low_memory, time_cost=4).parameters["time_cost"] == 4
    with pytest.raises(TypeError, match="Argon2id"):
        Argon2idHasher(profile=dataclasses.replace(low_memory, type=argon2.Type.I))
    with pytest.raises(ValueError, match="OWASP"):
        Argon2idHasher(profile=argon2.profiles.CHEAPEST)


class TrackingHasher(Argon2idHasher):
    """The real hasher (fast parameters), recording how many hashes run at once and where."""

    def __init__(self, **options: Any) -> None:
        super().__init__(time_cost=2, memory_cost=19456, parallelism=1, **options)
        self.running = 0
        self.most_at_once = 0
        self.niceness_seen: set[int] = set()
        self.threads_seen: set[threading.Thread] = set()
        self._count = threading.Lock()

    def generate_sync(self, password: str) -> str:
        with self._count:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        self.threads_seen.add(threading.current_thread())
        if sys.platform.startswith("linux"):
            self.niceness_seen.add(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        try:
            return super().generate_sync(password)
        finally:
            with self._count:
                self.running -= 1


async def test_hasher_runs_at_most_max_concurrent_hashes_on_its_own_threads() -> None:
    hasher = TrackingHasher(max_concurrent=2)
    await asyncio.gather(*(hasher.generate(f"password {n}") for n in range(8)))
    assert hasher.most_at_once == 2
    assert hasher.threads_seen
    assert all(thread.name.startswith("lucia-hash") for thread in hasher.threads_seen)
    hasher.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")
@pytest.mark.parametrize("niceness", [0, 7, DEFAULT_NICENESS])
async def test_hashing_threads_run_at_the_configured_niceness(niceness: int) -> None:
    own = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    hasher = TrackingHasher(niceness=niceness)
    await hasher.generate("password")
    assert hasher.niceness_seen == {max(own, niceness)}  # a thread can lower its priority, not raise it
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == own  # the loop's is untouched
    hasher.close()


async def test_close_stops_the_hashing_threads_and_a_later_hash_starts_them_again() -> None:
    hasher = TrackingHasher()

    def hashing_threads() -> list[threading.Thread]:
        return [thread for thread in hasher.threads_seen if thread.is_alive()]

    hashed = await hasher.generate("password")
    assert hashing_threads()
    hasher.close()
    assert hashing_threads() == []
    assert await hasher.validate("password", hashed)
    hasher.close()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_concurrent": 0}, "max_concurrent"),
        ({"niceness": 20}, "niceness"),
        ({"niceness": -1}, "niceness"),
    ],
)
def test_hashing_thread_options_are_checked(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Argon2idHasher(**options)
