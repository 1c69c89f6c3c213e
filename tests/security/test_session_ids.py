"""Session ids: enough entropy, drawn from the operating system's CSPRNG (``secrets``), uniformly;
and secret comparisons that do not leak through timing."""

from __future__ import annotations

import hmac
import math
import secrets

import argon2
import pytest

import lucia_core.ids
from lucia_core import Argon2idHasher, Auth
from lucia_core.ids import ID_ALPHABET, SESSION_ID_LENGTH, USER_ID_LENGTH, generate_random_string
from lucia_core.utils import generate_lucia_password_hash, validate_lucia_password_hash


def test_session_ids_carry_at_least_128_bits_of_entropy() -> None:
    """40 characters drawn uniformly from 36: 40 * log2(36) ≈ 206.8 bits (at least 128, OWASP's
    minimum for session ids being 64). User ids are not secrets: 15 characters, ≈ 77.5 bits."""
    assert len(set(ID_ALPHABET)) == len(ID_ALPHABET) == 36
    session_bits = SESSION_ID_LENGTH * math.log2(len(ID_ALPHABET))
    assert SESSION_ID_LENGTH == 40
    assert session_bits >= 128
    assert round(session_bits, 1) == 206.8
    assert round(USER_ID_LENGTH * math.log2(len(ID_ALPHABET)), 1) == 77.5


class ScriptedBytes:
    """Stands in for ``secrets.token_bytes``: hands out the given bytes, records each request."""

    def __init__(self, data: bytes) -> None:
        self.data = iter(data)
        self.requests: list[int] = []

    def __call__(self, count: int) -> bytes:
        self.requests.append(count)
        return bytes(next(self.data, 0) for _ in range(count))


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> ScriptedBytes:
    """Replace ``secrets.token_bytes`` (the function ``lucia_core.ids`` calls) with scripted bytes."""
    source = ScriptedBytes(bytes(range(256)) * 4)
    monkeypatch.setattr(secrets, "token_bytes", source)
    return source


def expected_from(data: bytes, length: int) -> str:
    """The id the scripted bytes must give: bytes >= 252 (256 - 256 % 36) are skipped, the rest
    taken modulo 36, so every character has exactly 7 of the 252 kept byte values."""
    kept = [byte for byte in data if byte < 252]
    return "".join(ID_ALPHABET[byte % 36] for byte in kept[:length])


def test_ids_come_from_secrets_token_bytes(scripted: ScriptedBytes) -> None:
    """generate_random_string draws every character from secrets.token_bytes (no other source):
    with scripted bytes, the id is exactly what those bytes give."""
    assert generate_random_string(SESSION_ID_LENGTH) == expected_from(bytes(range(256)), SESSION_ID_LENGTH)
    assert scripted.requests
    assert "random" not in vars(lucia_core.ids)  # the module never imports the random module


def test_biased_bytes_are_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bytes 252..255 would favour the first four characters (a..d) if used modulo 36: they are
    thrown away and more bytes are drawn."""
    source = ScriptedBytes(bytes([252, 253, 254, 255, 0, 35, 36, 251]) + bytes(64))
    monkeypatch.setattr(secrets, "token_bytes", source)
    assert generate_random_string(4) == "a9a" + ID_ALPHABET[251 % 36]
    assert len(source.requests) >= 1


async def test_sessions_and_users_get_ids_from_secrets(auth: Auth, scripted: ScriptedBytes) -> None:
    """create_user and create_session (without an explicit id) take their ids from the same
    secrets-backed generator: 15 and 40 characters of [a-z0-9]."""
    user = await auth.create_user(key=None, attributes={})
    session = await auth.create_session(user_id=user.user_id, attributes={})
    assert len(scripted.requests) >= 2
    assert len(user.user_id) == USER_ID_LENGTH
    assert len(session.session_id) == SESSION_ID_LENGTH
    assert set(user.user_id + session.session_id) <= set(ID_ALPHABET)
    # The stream of bytes was consumed in order: user id first, then the session id.
    assert user.user_id == expected_from(bytes(range(256)), USER_ID_LENGTH)


async def test_scrypt_hashes_are_compared_with_hmac_compare_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lucia v2 scrypt hashes: the derived key is compared with hmac.compare_digest (constant
    time), for a match and a mismatch alike."""
    compared: list[tuple[object, object]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", recording)
    hashed = await generate_lucia_password_hash("correct horse")
    assert await validate_lucia_password_hash("correct horse", hashed)
    assert not await validate_lucia_password_hash("wrong horse", hashed)
    assert len(compared) == 2
    assert all(isinstance(a, bytes) and isinstance(b, bytes) for a, b in compared)


def test_argon2_hashes_are_checked_by_argon2_verify(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id hashes are checked by argon2-cffi's PasswordHasher.verify, that is the reference C
    library's argon2_verify, which compares the derived key in constant time; Python compares
    nothing itself."""
    verified: list[str] = []
    real = argon2.PasswordHasher.verify

    def recording(self: argon2.PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        verified.append(str(hash))
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", recording)
    hasher = Argon2idHasher(time_cost=2, memory_cost=19456, parallelism=1)
    hashed = hasher.generate_sync("correct horse")
    assert hasher.validate_sync("correct horse", hashed)
    assert not hasher.validate_sync("wrong horse", hashed)
    assert verified == [hashed, hashed]
