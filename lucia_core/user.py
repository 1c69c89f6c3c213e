"""The user as the application sees it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .frozen import EMPTY, Frozen, frozen_mapping, set_slot


class _UserSlots:
    __slots__ = ("attributes", "user_id")
    user_id: str
    attributes: Mapping[str, Any]


class User(_UserSlots, Frozen):
    """A user: ``user_id`` plus the attributes returned by ``get_user_attributes``.

    Attributes read as ``user.attributes["username"]`` or ``user.username``. Immutable; equal when
    the id and the attributes are.
    """

    __slots__ = ()

    def __init__(self, user_id: str, attributes: Mapping[str, Any] = EMPTY) -> None:
        set_slot(self, "user_id", user_id)
        set_slot(self, "attributes", frozen_mapping(attributes))

    @staticmethod
    def _of(user_id: str, attributes: MappingProxyType[str, Any]) -> User:
        """A user from values the core made itself (``attributes`` already read-only), for the
        validation hot path: filled in as a draft, then made a User (see :mod:`.frozen`)."""
        draft = _UserDraft()
        draft.user_id = user_id
        draft.attributes = attributes
        draft.__class__ = User  # type: ignore[assignment]
        return draft  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, User)
        return self.user_id == other.user_id and self.attributes == other.attributes

    def __hash__(self) -> int:
        return hash(self.user_id)

    def __repr__(self) -> str:
        return f"User(user_id={self.user_id!r}, attributes={self.attributes!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (User, (self.user_id, dict(self.attributes)))


class _UserDraft(_UserSlots):
    """A :class:`User` being filled in: the same slots, assignable."""

    __slots__ = ()
