"""Random identifiers (user ids, session ids) from the operating system's CSPRNG."""

from __future__ import annotations

import re
import secrets

#: Lucia's alphabet for generated ids: lowercase letters and digits.
ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

#: Generated user ids are 15 characters (about 77 bits); session ids 40 (about 206 bits).
USER_ID_LENGTH = 15
SESSION_ID_LENGTH = 40


def generate_random_string(length: int, alphabet: str = ID_ALPHABET) -> str:
    """Return ``length`` characters drawn uniformly from ``alphabet`` using :mod:`secrets`.

    Raises ValueError for a negative length or an alphabet that is empty, longer than 256
    characters or has repeated characters (which would bias the draw).
    """
    if not isinstance(length, int) or isinstance(length, bool):
        raise TypeError("length must be an int")
    if length < 0:
        raise ValueError("length must not be negative")
    size = len(alphabet)
    if not 0 < size <= 256 or len(set(alphabet)) != size:
        raise ValueError("alphabet must have 1 to 256 distinct characters")
    # Rejection sampling over random bytes: keep only bytes below the largest multiple of the
    # alphabet size, so every character is equally likely.
    limit = 256 - (256 % size)
    out: list[str] = []
    while len(out) < length:
        for byte in secrets.token_bytes(length - len(out) + 8):
            if byte < limit:
                out.append(alphabet[byte % size])
                if len(out) == length:
                    break
    return "".join(out)


#: Longest id the core will look up; anything longer cannot be a stored Lucia id.
MAX_ID_LENGTH = 255

# Control characters (C0 and DEL) and lone surrogates: never part of a stored id.
_IMPLAUSIBLE = re.compile("[\\x00-\\x1f\\x7f\\ud800-\\udfff]")


def is_plausible_id(value: object) -> bool:
    """True for a str that could be a stored id: 1 to 255 characters, no control characters, no
    lone surrogates. Anything else is rejected before it reaches a database driver."""
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
        return False
    # One regex scan in C: this runs on every validate_session, before any database work.
    return _IMPLAUSIBLE.search(value) is None
