"""The immutable value objects' shared base: ``User`` and ``Session`` are slotted classes whose
attributes are set once, on construction, and whose stored attributes read as Python attributes.

They are written by hand rather than as frozen dataclasses because one of each is built on every
validation (and one ``Session`` per session a user has, in ``get_all_user_sessions``). The core
builds them as drafts: an instance of a twin class with the same slots and ordinary assignment,
whose ``__class__`` is then set to the frozen class (Python allows that between classes of the
same layout). That is a quarter of the cost of setting each slot through ``object.__setattr__``,
as a frozen dataclass does; once built, the value refuses every assignment, ``__class__``
included.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import FrozenInstanceError
from types import MappingProxyType
from typing import Any

#: The attributes of a value without any (shared: it cannot be changed).
EMPTY: MappingProxyType[str, Any] = MappingProxyType({})

#: Sets a slot of a value under construction (``__setattr__`` refuses every other assignment).
set_slot = object.__setattr__


def frozen_mapping(attributes: Mapping[str, Any]) -> MappingProxyType[str, Any]:
    """A read-only copy of ``attributes`` (later changes to the caller's dict do not show);
    :data:`EMPTY`, which the default attribute getters return, for none."""
    return MappingProxyType(dict(attributes)) if attributes else EMPTY


class Frozen:
    """Immutable, with ``value.name`` falling back to ``value.attributes["name"]``."""

    __slots__ = ()
    attributes: Mapping[str, Any]

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}: {type(self).__name__} is immutable")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}: {type(self).__name__} is immutable")

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: fall back to the stored attributes.
        if not name.startswith("__"):
            try:
                return object.__getattribute__(self, "attributes")[name]
            except (KeyError, AttributeError):
                pass
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
