"""Sessions: their value object and their states (active, idle, dead)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

from .database import SessionRow
from .expiration import now_ms
from .masking import mask
from .user import User

SessionState = Literal["active", "idle"]

#: Lucia's defaults: active for a day, then idle (renewable) for another 14 days.
DEFAULT_ACTIVE_PERIOD = timedelta(days=1)
DEFAULT_IDLE_PERIOD = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class Session:
    """A live session.

    ``state`` is ``"active"`` until ``active_period_expires_at`` and ``"idle"`` until
    ``idle_period_expires_at`` (timezone-aware UTC). ``fresh`` is True when the session was just
    created or renewed, meaning its cookie should be (re)sent. Attributes from
    ``get_session_attributes`` read as ``session.attributes[...]`` or as attributes. Immutable.
    """

    session_id: str
    user: User
    active_period_expires_at: datetime
    idle_period_expires_at: datetime
    state: SessionState
    fresh: bool
    attributes: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("__"):
            try:
                return object.__getattribute__(self, "attributes")[name]
            except (KeyError, AttributeError):
                pass
        raise AttributeError(f"Session has no attribute {name!r}")

    def __repr__(self) -> str:
        # The session id is a credential: show only a prefix.
        return (
            f"Session(session_id={mask(self.session_id)!r}, user={self.user!r}, state={self.state!r}, "
            f"fresh={self.fresh!r}, idle_period_expires_at={self.idle_period_expires_at.isoformat()!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__} | {
            "attributes": dict(self.attributes)
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        object.__setattr__(self, "attributes", MappingProxyType(state["attributes"]))


def session_state(row: SessionRow, at_ms: int | None = None) -> SessionState | None:
    """The state of a stored session at ``at_ms`` (now by default); None when it is dead.

    Expirations that are not integers (a corrupt row) count as dead.
    """
    now = now_ms() if at_ms is None else at_ms
    active, idle = row.get("active_expires"), row.get("idle_expires")
    if not isinstance(active, int) or not isinstance(idle, int) or isinstance(active, bool):
        return None
    if now < active:
        return "active"
    if now < idle:
        return "idle"
    return None


def new_expirations(active_period: timedelta, idle_period: timedelta) -> tuple[int, int]:
    """``(active_expires, idle_expires)`` in ms for a session created or renewed now."""
    active_expires = now_ms() + active_period // timedelta(milliseconds=1)
    return active_expires, active_expires + idle_period // timedelta(milliseconds=1)
