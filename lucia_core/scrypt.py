"""Lucia v2's password hash format, so that passwords stored by Lucia v2 keep working.

``s2:<salt>:<hex key>``: scrypt (N=16384, r=16, p=1, 64-byte key) over the NFKC-normalized
password, the 16-character salt used as UTF-8 bytes. The older two-part form ``<salt>:<hex key>``
is the same with r=8. Lucia v2 generated only the ``s2`` form; both still validate.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import unicodedata

from .ids import generate_random_string

_N = 16384
_P = 1
_KEY_LENGTH = 64
_SALT_LENGTH = 16
_MAXMEM = 64 * 1024 * 1024  # 128 * r * N is 32 MiB for r=16; hashlib's default limit is 32 MiB


def _derive(password: str, salt: str, block_size: int) -> str:
    key = hashlib.scrypt(
        unicodedata.normalize("NFKC", password).encode(),
        salt=salt.encode(),
        n=_N,
        r=block_size,
        p=_P,
        dklen=_KEY_LENGTH,
        maxmem=_MAXMEM,
    )
    return key.hex()


def generate_lucia_password_hash_sync(password: str) -> str:
    """Blocking form of :func:`generate_lucia_password_hash`."""
    salt = generate_random_string(_SALT_LENGTH)
    return f"s2:{salt}:{_derive(password, salt, 16)}"


def validate_lucia_password_hash_sync(password: str, hash: str) -> bool:
    """Blocking form of :func:`validate_lucia_password_hash`."""
    parts = hash.split(":")
    if len(parts) == 3 and parts[0] == "s2":
        _, salt, expected, block_size = *parts, 16
    elif len(parts) == 2:
        salt, expected, block_size = *parts, 8
    else:
        return False
    actual = _derive(password, salt, block_size)
    # Constant-time, and on bytes so that a stored hash with non-ASCII text cannot raise.
    return hmac.compare_digest(actual.encode(), expected.encode("utf-8", "replace"))


def is_lucia_password_hash(hash: str) -> bool:
    """True when ``hash`` has the shape of a Lucia v2 scrypt hash (either form)."""
    parts = hash.split(":")
    return (len(parts) == 3 and parts[0] == "s2") or (len(parts) == 2 and not hash.startswith("$"))


async def generate_lucia_password_hash(password: str) -> str:
    """Hash ``password`` in Lucia v2's ``s2:`` scrypt format, off the event loop (on the loop's
    default executor: an Argon2idHasher validates Lucia v2 hashes on its own threads)."""
    return await asyncio.to_thread(generate_lucia_password_hash_sync, password)


async def validate_lucia_password_hash(password: str, hash: str) -> bool:
    """True when ``password`` matches a Lucia v2 scrypt hash (``s2:`` or the older two-part form).

    Any other string gives False. Runs off the event loop (the loop's default executor); the
    comparison is constant-time.
    """
    return await asyncio.to_thread(validate_lucia_password_hash_sync, password, hash)
