"""Sessions: their value object and their states (active, idle, dead)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal, TypeGuard

from .database import SessionRow
from .expiration import ms_to_datetime, now_ms
from .frozen import EMPTY, Frozen, frozen_mapping, set_slot
from .masking import mask
from .user import User

SessionState = Literal["active", "idle"]

#: Lucia's defaults: active for a day, then idle (renewable) for another 14 days.
DEFAULT_ACTIVE_PERIOD = timedelta(days=1)
DEFAULT_IDLE_PERIOD = timedelta(days=14)


class _SessionSlots:
    # The expirations are kept as given: stored milliseconds become datetimes on first read
    # (most validations never read them).
    __slots__ = ("_active", "_idle", "attributes", "fresh", "session_id", "state", "user")
    session_id: str
    user: User
    _active: int | datetime
    _idle: int | datetime
    state: SessionState
    fresh: bool
    attributes: Mapping[str, Any]


class Session(_SessionSlots, Frozen):
    """A live session.

    ``state`` is ``"active"`` until ``active_period_expires_at`` and ``"idle"`` until
    ``idle_period_expires_at`` (timezone-aware UTC). ``fresh`` is True when the session was just
    created or renewed, meaning its cookie should be (re)sent. Attributes from
    ``get_session_attributes`` read as ``session.attributes[...]`` or as attributes. Immutable.
    """

    __slots__ = ()

    def __init__(
        self,
        session_id: str,
        user: User,
        active_period_expires_at: datetime,
        idle_period_expires_at: datetime,
        state: SessionState,
        fresh: bool,
        attributes: Mapping[str, Any] = EMPTY,
    ) -> None:
        for name, value in (
            ("session_id", session_id),
            ("user", user),
            ("_active", active_period_expires_at),
            ("_idle", idle_period_expires_at),
            ("state", state),
            ("fresh", fresh),
            ("attributes", frozen_mapping(attributes)),
        ):
            set_slot(self, name, value)

    @staticmethod
    def _of(
        session_id: str,
        user: User,
        active_expires: int,
        idle_expires: int,
        state: SessionState,
        fresh: bool,
        attributes: MappingProxyType[str, Any],
    ) -> Session:
        """A session from values the core made itself (expirations in ms, ``attributes`` already
        read-only), for the hot path: filled in as a draft, then made a Session (see
        :mod:`.frozen`)."""
        draft = _SessionDraft()
        draft.session_id = session_id
        draft.user = user
        draft._active = active_expires
        draft._idle = idle_expires
        draft.state = state
        draft.fresh = fresh
        draft.attributes = attributes
        draft.__class__ = Session  # type: ignore[assignment]
        return draft  # type: ignore[return-value]

    @property
    def active_period_expires_at(self) -> datetime:
        """When the session stops being active (timezone-aware UTC)."""
        return self._expiration("_active")

    @property
    def idle_period_expires_at(self) -> datetime:
        """When the session dies unless renewed (timezone-aware UTC)."""
        return self._expiration("_idle")

    def _expiration(self, slot: str) -> datetime:
        value = object.__getattribute__(self, slot)
        if isinstance(value, datetime):
            return value
        moment = ms_to_datetime(value)
        set_slot(self, slot, moment)
        return moment

    def _fields(self) -> tuple[Any, ...]:
        return (
            self.session_id,
            self.user,
            self.active_period_expires_at,
            self.idle_period_expires_at,
            self.state,
            self.fresh,
            self.attributes,
        )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Session)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self.session_id)

    def __repr__(self) -> str:
        # The session id is a credential: show only a prefix.
        return (
            f"Session(session_id={mask(self.session_id)!r}, user={self.user!r}, state={self.state!r}, "
            f"fresh={self.fresh!r}, idle_period_expires_at={self.idle_period_expires_at.isoformat()!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Session, (*self._fields()[:-1], dict(self.attributes)))


class _SessionDraft(_SessionSlots):
    """A :class:`Session` being filled in: the same slots, assignable."""

    __slots__ = ()


def session_state(row: SessionRow, at_ms: int | None = None) -> SessionState | None:
    """The state of a stored session at ``at_ms`` (now by default); None when it is dead.

    Expirations that are not integers (a corrupt row) count as dead.
    """
    now = now_ms() if at_ms is None else at_ms
    active, idle = row.get("active_expires"), row.get("idle_expires")
    # type() first: the common case costs no call (bool, an int subclass, still counts as corrupt).
    if not (type(active) is int and type(idle) is int) and not (_is_int(active) and _is_int(idle)):
        return None
    if now < active:
        return "active"
    if now < idle:
        return "idle"
    return None


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def new_expirations(active_period: timedelta, idle_period: timedelta) -> tuple[int, int]:
    """``(active_expires, idle_expires)`` in ms for a session created or renewed now."""
    active_expires = now_ms() + active_period // timedelta(milliseconds=1)
    return active_expires, active_expires + idle_period // timedelta(milliseconds=1)
