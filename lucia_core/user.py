"""The user as the application sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class User:
    """A user: ``user_id`` plus the attributes returned by ``get_user_attributes``.

    Attributes read as ``user.attributes["username"]`` or ``user.username``. Immutable.
    """

    user_id: str
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: fall back to the user attributes.
        if not name.startswith("__"):
            try:
                return object.__getattribute__(self, "attributes")[name]
            except (KeyError, AttributeError):
                pass
        raise AttributeError(f"User has no attribute {name!r}")

    def __getstate__(self) -> tuple[str, dict[str, Any]]:
        return (self.user_id, dict(self.attributes))

    def __setstate__(self, state: tuple[str, dict[str, Any]]) -> None:
        object.__setattr__(self, "user_id", state[0])
        object.__setattr__(self, "attributes", MappingProxyType(state[1]))
