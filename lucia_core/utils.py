"""Public utilities, as in Lucia v2's ``lucia/utils``. Each lives in the module of its concept."""

from __future__ import annotations

from .cookie import parse_cookie, serialize_cookie
from .expiration import is_within_expiration
from .ids import generate_random_string
from .key import create_key_id
from .scrypt import generate_lucia_password_hash, validate_lucia_password_hash

__all__ = [
    "create_key_id",
    "generate_lucia_password_hash",
    "generate_random_string",
    "is_within_expiration",
    "parse_cookie",
    "serialize_cookie",
    "validate_lucia_password_hash",
]
