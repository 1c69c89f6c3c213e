"""The session half of :class:`~lucia_core.Auth`: creating, validating, renewing and deleting
sessions (the user and key half is in :mod:`lucia_core.auth`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from .adapter import Adapter
from .arguments import attribute_columns, require_new_id, require_str
from .configuration import Configuration
from .database import SESSION_COLUMNS, SessionRow, UserRow
from .debug import DebugLog
from .errors import LuciaError
from .expiration import now_ms
from .frozen import frozen_mapping
from .ids import SESSION_ID_LENGTH, generate_random_string, is_plausible_id
from .masking import mask
from .renewal import Renewals
from .session import Session, SessionState, new_expirations, session_state
from .user import User


class SessionMethods:
    """What :class:`~lucia_core.Auth` does with sessions; its constructor sets these attributes."""

    adapter: Adapter
    config: Configuration
    _debug: DebugLog
    _renewals: Renewals
    _read_session_and_user: Callable[[str], Awaitable[tuple[Any, Any]]] | None

    def transform_database_user(self, row: UserRow) -> User:
        """The :class:`User` for a user row."""
        return User._of(row["id"], frozen_mapping(self.config.get_user_attributes(row)))

    def transform_database_session(
        self, row: SessionRow, *, user: User, fresh: bool, state: SessionState | None = None
    ) -> Session:
        """The :class:`Session` for a session row whose user is ``user``.

        ``state`` defaults to the row's state now; a dead row raises AUTH_INVALID_SESSION_ID.
        """
        state = state or session_state(row)
        if state is None:
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        return Session._of(
            row["id"],
            user,
            row["active_expires"],
            row["idle_expires"],
            state,
            fresh,
            frozen_mapping(self.config.get_session_attributes(row)),
        )

    async def create_session(
        self, *, user_id: str, attributes: Mapping[str, Any], session_id: str | None = None
    ) -> Session:
        """Create and store a session for the user; ``session_id`` defaults to 40 random characters
        of ``[a-z0-9]``. The session comes back with ``fresh=False``, as in Lucia v2 (``fresh``
        means just renewed; set its cookie with ``AuthRequest.set_session``). AUTH_INVALID_USER_ID
        when the user does not exist; on any error nothing is left stored.
        """
        row: SessionRow = attribute_columns("attributes", attributes, SESSION_COLUMNS)
        require_str("user_id", user_id)
        session_id = (
            generate_random_string(SESSION_ID_LENGTH)
            if session_id is None
            else require_new_id("session_id", session_id)
        )
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        active_expires, idle_expires = new_expirations(self.config.active_period, self.config.idle_period)
        row.update(id=session_id, user_id=user_id, active_expires=active_expires, idle_expires=idle_expires)
        session_attributes = frozen_mapping(self.config.get_session_attributes(row))  # fails before storing
        # Both calls in parallel: one round trip of latency. If the user turns out not to exist
        # (an adapter that cannot enforce foreign keys), the stored session is removed again.
        user_row, stored = await asyncio.gather(
            self.adapter.get_user(user_id), self.adapter.set_session(row), return_exceptions=True
        )
        if isinstance(stored, BaseException):
            raise stored
        try:
            if isinstance(user_row, BaseException):
                raise user_row
            if user_row is None:
                raise LuciaError("AUTH_INVALID_USER_ID")
            user = self.transform_database_user(user_row)
        except BaseException:
            await self.adapter.delete_session(session_id)
            raise
        self._debug("session %s created", mask(session_id))
        return Session._of(
            session_id, user, active_expires, idle_expires, "active", False, session_attributes
        )

    async def _live_session_and_user(self, session_id: str) -> tuple[SessionRow, UserRow, SessionState]:
        require_str("session_id", session_id)
        if not is_plausible_id(session_id):
            self._debug("session id rejected: not a plausible id")
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        if self._read_session_and_user is not None:
            session_row, user_row = await self._read_session_and_user(session_id)
        else:
            session_row = await self.adapter.get_session(session_id)
            state = session_state(session_row) if session_row is not None else None
            user_row = await self.adapter.get_user(session_row["user_id"]) if session_row and state else None
        return session_row, user_row, self._live_state(session_id, session_row, user_row)

    def _live_state(
        self, session_id: str, session_row: SessionRow | None, user_row: UserRow | None
    ) -> SessionState:
        """The state of a session read for ``session_id``; AUTH_INVALID_SESSION_ID unless it is
        that session's row, live, with its user."""
        # A store whose ids compare case- or accent-insensitively, or ignore trailing spaces (a
        # MySQL default collation, SQLite's NOCASE), finds the session of another spelling: only
        # the exact id is that session's credential.
        if session_row is None or session_row.get("id") != session_id:
            self._debug("session %s not found", mask(session_id))
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        state = session_state(session_row)
        if state is None:
            self._debug("session %s expired (dead)", mask(session_id))
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        if user_row is None:
            self._debug("session %s belongs to a missing user", mask(session_id))
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        return state

    async def validate_session(self, session_id: str) -> Session:
        """The session if it is live. An active session is returned as is, after one adapter call
        and no write; an idle one has both expirations renewed and stored and comes back with
        ``fresh=True``. A dead, missing or malformed id raises AUTH_INVALID_SESSION_ID.
        """
        session_row, user_row, state = await self._live_session_and_user(session_id)
        user = self.transform_database_user(user_row)
        if state == "active":
            if self._debug.enabled:  # mask() is not free: skip it when nothing is logged
                self._debug("session %s validated (active)", mask(session_id))
            return self.transform_database_session(session_row, user=user, fresh=False, state="active")
        active_expires, idle_expires = await self._renew(session_row)
        renewed = {**session_row, "active_expires": active_expires, "idle_expires": idle_expires}
        self._debug("session %s was idle: renewed", mask(session_id))
        return self.transform_database_session(renewed, user=user, fresh=True, state="active")

    async def _renew(self, row: SessionRow) -> tuple[int, int]:
        expirations = new_expirations(self.config.active_period, self.config.idle_period)
        replaced = (row["active_expires"], row["idle_expires"])
        return await self._renewals.renew(row["id"], replaced, expirations, self._write_expirations)

    async def _write_expirations(self, session_id: str, expirations: tuple[int, int]) -> None:
        await self.adapter.update_session(
            session_id, {"active_expires": expirations[0], "idle_expires": expirations[1]}
        )

    async def get_session(self, session_id: str) -> Session:
        """Like :meth:`validate_session` but never renews: the session may come back idle."""
        session_row, user_row, state = await self._live_session_and_user(session_id)
        return self.transform_database_session(
            session_row, user=self.transform_database_user(user_row), fresh=False, state=state
        )

    async def get_all_user_sessions(self, user_id: str) -> list[Session]:
        """The user's live (active or idle) sessions; AUTH_INVALID_USER_ID for an unknown user."""
        require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            raise LuciaError("AUTH_INVALID_USER_ID")
        read_both = getattr(self.adapter, "get_user_and_sessions", None)
        if read_both is not None:  # one round trip (UserAndSessionsReader)
            user_row, rows = await read_both(user_id)
        else:
            user_row, rows = await asyncio.gather(
                self.adapter.get_user(user_id), self.adapter.get_sessions_by_user_id(user_id)
            )
        if user_row is None:
            raise LuciaError("AUTH_INVALID_USER_ID")
        return self._live_sessions(rows, self.transform_database_user(user_row))

    def _live_sessions(self, rows: list[SessionRow], user: User) -> list[Session]:
        # The per-session work of transform_database_session, with its lookups done once: a user
        # with many sessions pays this for each of them.
        now, attributes_of, make = now_ms(), self.config.get_session_attributes, Session._of
        sessions: list[Session] = []
        for row in rows:
            state = session_state(row, now)
            if state is not None:
                attributes = frozen_mapping(attributes_of(row))
                sessions.append(
                    make(
                        row["id"], user, row["active_expires"], row["idle_expires"], state, False, attributes
                    )
                )
        return sessions

    async def update_session_attributes(self, session_id: str, attributes: Mapping[str, Any]) -> Session:
        """Update the named session attribute columns; the updated session, or
        AUTH_INVALID_SESSION_ID."""
        partial = attribute_columns("attributes", attributes, SESSION_COLUMNS)
        require_str("session_id", session_id)
        if not is_plausible_id(session_id):
            raise LuciaError("AUTH_INVALID_SESSION_ID")
        if partial:
            await self.adapter.update_session(session_id, partial)
        return await self.get_session(session_id)

    async def invalidate_session(self, session_id: str) -> None:
        """Delete the session. Succeeds for unknown ids."""
        require_str("session_id", session_id)
        if is_plausible_id(session_id):
            await self.adapter.delete_session(session_id)
            self._debug("session %s invalidated", mask(session_id))

    async def invalidate_all_user_sessions(self, user_id: str) -> None:
        """Delete every session of the user. Succeeds for unknown ids."""
        require_str("user_id", user_id)
        if is_plausible_id(user_id):
            await self.adapter.delete_sessions_by_user_id(user_id)

    async def delete_dead_user_sessions(self, user_id: str) -> None:
        """Delete the user's dead sessions (every deletion awaited). Succeeds for unknown ids."""
        require_str("user_id", user_id)
        if not is_plausible_id(user_id):
            return
        rows = await self.adapter.get_sessions_by_user_id(user_id)
        now = now_ms()
        dead = [row["id"] for row in rows if session_state(row, now) is None]
        await asyncio.gather(*(self.adapter.delete_session(session_id) for session_id in dead))
