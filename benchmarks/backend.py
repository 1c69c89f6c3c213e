"""What every benchmarked backend provides: connections, private stores, bulk loading, the floor.

A :class:`Backend` holds the connections to one server (a pool, a client): the adapter package's
``floor.Server``, for every backend of ``lucia_core.backends``. A :class:`Store` is one private set
of Lucia's tables on it (a PostgreSQL schema, prefixed MariaDB tables, prefixed MongoDB collections
or Redis keys, an SQLite file), created with lucia-core's own schema functions, with an
:class:`~lucia_core.Auth` over it and *the floor*: the same operations written directly with the
driver, as few statements and round trips as the layout allows. The floor and every driver call
live in the adapter package's ``floor`` module (its ``Floor``); :class:`FloorStore` runs it. A
session-only backend (Redis) keeps its users in :data:`USERS_OF_SESSIONS`' store. Stores are
dropped at the end, so runs sharing a server (other test suites) never see each other's rows.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from lucia_core import Auth, lucia
from lucia_core.backends import BACKENDS
from lucia_core.database import KeyRow, SessionRow

from .data import active_expirations, chunks, session_id, sessions, user_id

#: Rows per bulk-load batch.
CHUNK = 20_000
#: The backend holding the users of a session-only backend's sessions.
USERS_OF_SESSIONS = "postgres"


def run_label() -> str:
    """A name unique to this process, for the private schemas, tables, collections and keys."""
    return f"lucia_bench_{os.getpid()}"


class Store(ABC):
    """One private set of Lucia's tables, lucia-core over it, and the floor over it."""

    #: lucia-core over this store, with default options.
    auth: Auth

    @abstractmethod
    async def insert_users(self, ids: Sequence[str]) -> None:
        """Bulk-load users (no attribute columns) with the driver."""

    @abstractmethod
    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        """Bulk-load sessions with the driver (COPY, executemany, insert_many, a pipeline)."""

    @abstractmethod
    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """Insert keys with the driver."""

    @abstractmethod
    async def drop(self) -> None:
        """Remove every table, collection, key or file of the store."""

    async def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk load, where the backend has them."""
        return None

    # The floor: each returns something derived from the rows read, so none is optimized away.

    @abstractmethod
    async def floor_validate(self, session_id: str) -> bool:
        """Read an active session and its user; True when found and active."""

    @abstractmethod
    async def floor_validate_idle(self, session_id: str) -> bool:
        """Read an idle session and its user, then store renewed expirations; True when renewed."""

    @abstractmethod
    async def floor_create_session(self, session_id: str, user_id: str) -> None:
        """Store a new active session for an existing user (checking that the user exists)."""

    @abstractmethod
    async def floor_invalidate_session(self, session_id: str) -> None:
        """Delete a session (and, where the layout keeps one, its entry in the user's index)."""

    @abstractmethod
    async def floor_get_user_sessions(self, user_id: str) -> int:
        """Read a user and its live sessions; the number of live sessions."""

    def round_trips(self) -> int | None:
        """Requests sent to the session server so far (Redis only; None where not counted)."""
        return None


class FloorStore(Store):
    """A store whose floor and bulk loading are the adapter package's ``testing.Floor``."""

    def __init__(self, auth: Auth, floor: Any) -> None:
        self.auth = auth
        self.floor = floor

    async def insert_users(self, ids: Sequence[str]) -> None:
        """Bulk-load users with the driver."""
        await self.floor.insert_users(ids)

    async def insert_sessions(self, rows: Sequence[SessionRow]) -> None:
        """Bulk-load sessions with the driver."""
        await self.floor.insert_sessions(rows)

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """Insert keys with the driver."""
        await self.floor.insert_keys(rows)

    async def analyze(self) -> None:
        """Refresh the planner's statistics."""
        await self.floor.analyze()

    async def drop(self) -> None:
        """Remove the store."""
        await self.floor.drop()

    async def floor_validate(self, session_id: str) -> bool:
        """The floor's read of an active session and its user."""
        return bool(await self.floor.validate(session_id))

    async def floor_validate_idle(self, session_id: str) -> bool:
        """The floor's read and renewal of an idle session."""
        return bool(await self.floor.validate_idle(session_id, active_expirations()))

    async def floor_create_session(self, session_id: str, user_id: str) -> None:
        """The floor's insert of a new session."""
        await self.floor.create_session(session_id, user_id, active_expirations())

    async def floor_invalidate_session(self, session_id: str) -> None:
        """The floor's delete of a session."""
        await self.floor.invalidate_session(session_id)

    async def floor_get_user_sessions(self, user_id: str) -> int:
        """The floor's read of a user and its live sessions."""
        return int(await self.floor.get_user_sessions(user_id))


class JoinedStore(FloorStore):
    """Sessions in a session-only backend's store; users and keys in another backend's store."""

    def __init__(self, auth: Auth, floor: Any, user_floor: Any, server: Any) -> None:
        super().__init__(auth, floor)
        self.user_floor = user_floor
        self.server = server

    def round_trips(self) -> int | None:
        """Requests written to the session server so far by this store's client."""
        requests = getattr(self.server, "requests", None)
        return None if requests is None else int(requests)

    async def insert_users(self, ids: Sequence[str]) -> None:
        """Bulk-load users into the user store."""
        await self.user_floor.insert_users(ids)

    async def insert_keys(self, rows: Sequence[KeyRow]) -> None:
        """Insert keys into the user store."""
        await self.user_floor.insert_keys(rows)

    async def analyze(self) -> None:
        """Refresh the user store's statistics."""
        await self.user_floor.analyze()

    async def drop(self) -> None:
        """Remove the session keys, then the user store."""
        await self.floor.drop()
        await self.user_floor.drop()


def url_variables(name: str) -> tuple[str, ...]:
    """The environment variables backend ``name`` needs (a session-only one: its users' too)."""
    backend = BACKENDS[name]
    own = (backend.url_var,) if backend.server else ()
    return own if backend.stores_users else (*own, *url_variables(USERS_OF_SESSIONS))


class Backend:
    """The connections to one server (the package's ``floor.Server``), and the stores made on it;
    its URL from ``LUCIA_<NAME>_URL``."""

    def __init__(self, name: str) -> None:
        backend = BACKENDS[name]
        #: Short name used on the command line and in the JSON.
        self.name = name
        #: The server's URL ("" for an embedded backend).
        self.url = os.environ[backend.url_var] if backend.server else ""
        floor = backend.module("floor")
        self.server: Any = floor.Server(self.url or None, run_label())
        #: What the floor is, per operation, in words (for the report).
        self.floor: dict[str, str] = floor.FLOOR
        #: Whether the scale scenario goes to its large sizes on this backend.
        self.large_scale: bool = self.server.large_scale
        self.users: Any = None
        if not backend.stores_users:
            users = BACKENDS[USERS_OF_SESSIONS]
            self.users = users.module("floor").Server(os.environ[users.url_var], run_label())

    @property
    def client(self) -> Any:
        """The session server's client, once connected (Redis: the throttle store uses it)."""
        return getattr(self.server, "client", None)

    async def connect(self) -> None:
        """Open the connections (pools sized for the highest concurrency measured)."""
        if self.users is not None:
            await self.users.connect()
        await self.server.connect()

    async def close(self) -> None:
        """Close the connections (stores must have been dropped)."""
        await self.server.close()
        if self.users is not None:
            await self.users.close()

    async def store(self, tag: str) -> Store:
        """Create a new private store named after ``tag`` (lucia-core's schema functions)."""
        if self.users is None:
            adapter, floor = await self.server.store(tag)
            return FloorStore(lucia(adapter=adapter, env="PROD"), floor)
        user_adapter, user_floor = await self.users.store(f"{tag}_r")
        session_adapter, floor = await self.server.store(f"{tag}_r", user_floor)
        auth = lucia(adapter={"user": user_adapter, "session": session_adapter}, env="PROD")
        return JoinedStore(auth, floor, user_floor, self.server)

    async def server_version(self) -> str:
        """The server's version string (a session-only backend: its users' server's too)."""
        version = str(await self.server.version())
        if self.users is None:
            return version
        users = await self.users.version()
        return f"{BACKENDS[self.name].label} {version}, {BACKENDS[USERS_OF_SESSIONS].label} {users}"


async def load(
    store: Store,
    label: str,
    *,
    sessions_count: int,
    users_count: int,
    idle: bool = False,
    start: int = 0,
    with_users: bool = True,
) -> None:
    """Bulk-load ``users_count`` users and ``sessions_count`` sessions of ``label`` into ``store``.

    Session i of ``label`` belongs to user ``i % users_count`` (see :mod:`benchmarks.data`).
    """
    if with_users:
        ids = [user_id(label, number) for number in range(users_count)]
        for offset in range(0, len(ids), CHUNK):
            await store.insert_users(ids[offset : offset + CHUNK])
    for batch in chunks(sessions(label, sessions_count, users=users_count, idle=idle, start=start), CHUNK):
        await store.insert_sessions(batch)


def session_ids(label: str, count: int, start: int = 0) -> list[str]:
    """The ids of sessions ``start`` .. ``start + count - 1`` of ``label``."""
    return [session_id(label, number) for number in range(start, start + count)]
