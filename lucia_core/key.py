"""Keys: a way to sign in (``provider_id:provider_user_id``), optionally with a password."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Key:
    """A key as the application sees it. ``password_defined`` tells whether it holds a password."""

    user_id: str
    provider_id: str
    provider_user_id: str
    password_defined: bool


def create_key_id(provider_id: str, provider_user_id: str) -> str:
    """Return ``f"{provider_id}:{provider_user_id}"``.

    The provider id must be a non-empty string without ``:`` (ValueError otherwise), so that a key
    id splits back unambiguously at its first colon; the provider user id may contain anything.
    """
    if not isinstance(provider_id, str) or not isinstance(provider_user_id, str):
        raise TypeError("provider_id and provider_user_id must be str")
    if not provider_id:
        raise ValueError("provider_id must not be empty")
    if ":" in provider_id:
        raise ValueError("provider_id must not contain ':'")
    return f"{provider_id}:{provider_user_id}"


def split_key_id(key_id: str) -> tuple[str, str]:
    """Split a key id at its first ``:`` into ``(provider_id, provider_user_id)``.

    Raises ValueError when the id has no colon or an empty provider id.
    """
    provider_id, sep, provider_user_id = key_id.partition(":")
    if not sep or not provider_id:
        raise ValueError("a key id has the form 'provider_id:provider_user_id'")
    return provider_id, provider_user_id
