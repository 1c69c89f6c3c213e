"""Checks of the arguments callers pass to :class:`~lucia_core.Auth`'s methods."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .ids import is_plausible_id


def require_str(name: str, value: object) -> str:
    """``value``, or TypeError when it is not a str."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    return value


def require_new_id(name: str, value: object) -> str:
    """A caller-chosen id for a new row, or ValueError when it could not be stored and looked up."""
    if not is_plausible_id(require_str(name, value)):
        raise ValueError(f"{name} must be 1 to 255 characters without control characters")
    return value  # type: ignore[return-value]


def attribute_columns(name: str, value: object, reserved: frozenset[str]) -> dict[str, Any]:
    """A copy of the attribute columns ``value``; TypeError for another shape, ValueError when it
    sets a ``reserved`` column."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict of column names to values, not {type(value).__name__}")
    if not all(isinstance(k, str) for k in value):
        raise TypeError(f"{name} keys must be str")
    clash = reserved.intersection(value)
    if clash:
        raise ValueError(f"{name} must not set {', '.join(sorted(clash))}")
    return dict(value)
