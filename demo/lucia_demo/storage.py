"""Where the demo keeps its users, keys and sessions, chosen by URL.

``open_storage(database_url, session_url)`` connects to the database through the adapter
package's ``connect(url)``, creates Lucia's tables (or MongoDB indexes) and the demo's attribute
columns with the package's ``create_schema`` and ``add_attributes``, and returns a
:class:`Storage` holding the adapter. Every step is idempotent, so it runs on each start. The
demo knows no backend's DDL or driver calls: which package serves which URL scheme is
``Backend.schemes`` in ``lucia_core.backends``.

The demo's attributes: users have a ``username`` (unique: a column with a unique index, or a
unique MongoDB index), an ``email`` and ``email_verified`` (0 or 1); sessions have
``user_agent`` and ``created_at`` (unix milliseconds), shown in the list of a user's sessions.

Database URLs: ``sqlite:///relative.db``, ``sqlite:////absolute.db`` (or a plain file path),
``postgresql://...``, ``mysql://...`` (or ``mariadb://``), ``mongodb://host/database``. A session
URL, ``redis://...`` (``rediss://``, or ``redis-cluster://`` for a Redis Cluster), keeps the
sessions in Redis and the users in the database. Each driver is imported only when its URL is used.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lucia_core import Adapter, SessionAdapter, join_adapters
from lucia_core.backends import BACKENDS
from lucia_core.database import Attribute

#: The file the demo uses when no database URL is given.
DEFAULT_DATABASE_URL = "sqlite:///lucia-demo.sqlite3"

#: The demo's attribute columns.
ATTRIBUTES = (
    Attribute("user", "username", unique=True),
    Attribute("user", "email"),
    Attribute("user", "email_verified", "integer"),
    Attribute("session", "user_agent"),
    Attribute("session", "created_at", "integer"),
)

#: Database URL schemes, by the backend that serves them (``Backend.schemes``).
DATABASE_SCHEMES = {
    scheme: backend.name
    for backend in BACKENDS.values()
    if backend.stores_users
    for scheme in backend.schemes
}
#: Session URL schemes (a session-only backend: the users stay in the database).
SESSION_SCHEMES = {
    scheme: backend.name
    for backend in BACKENDS.values()
    if not backend.stores_users
    for scheme in backend.schemes
}

IsUniqueViolation = Callable[[BaseException], bool]


@dataclass
class Storage:
    """An open database (and, optionally, a Redis for sessions) behind one Lucia adapter.

    ``adapter``: what to give ``lucia(adapter=...)``. ``description``: where users and sessions
    live, in words, for the page footer. ``is_unique_violation``: whether an exception raised by
    ``create_user`` is the database refusing a duplicate username (the user row's unique index
    can fire before the key's ``AUTH_DUPLICATE_KEY_ID``). Close it with :meth:`aclose`.
    """

    adapter: Adapter
    description: str
    is_unique_violation: IsUniqueViolation
    _exit_stack: AsyncExitStack = field(default_factory=AsyncExitStack, repr=False)

    async def aclose(self) -> None:
        """Close every connection opened for this storage."""
        await self._exit_stack.aclose()


async def open_storage(database_url: str = DEFAULT_DATABASE_URL, session_url: str | None = None) -> Storage:
    """Connect to ``database_url`` (and ``session_url`` for sessions), creating what is missing.

    Raises ValueError for a URL of an unknown kind, and the driver's own errors when a server
    cannot be reached.
    """
    stack = AsyncExitStack()
    try:
        scheme = urlsplit(database_url).scheme if "://" in database_url else "sqlite"
        if scheme not in DATABASE_SCHEMES:
            raise ValueError(
                f"unsupported database URL {describe_url(database_url)!r}: use a URL starting"
                f" {_listed(DATABASE_SCHEMES)} (sqlite:///file.db, mongodb://host/database)"
            )
        backend = BACKENDS[DATABASE_SCHEMES[scheme]]
        package = backend.module()
        url = f"sqlite:///{sqlite_path(database_url)}" if backend.name == "sqlite" else database_url
        handle = await stack.enter_async_context(package.connect(url))
        await package.create_schema(handle)
        await package.add_attributes(handle, ATTRIBUTES)
        adapter: Adapter = getattr(package, f"{backend.name}_adapter")(handle)
        description = (
            f"the SQLite file {sqlite_path(database_url)}"
            if backend.name == "sqlite"
            else (f"{backend.label} ({describe_url(database_url)})")
        )
        if session_url:
            sessions = await _open_sessions(session_url, stack)
            adapter = join_adapters(adapter, sessions)
            where = BACKENDS[SESSION_SCHEMES[urlsplit(session_url).scheme]].label
            description = f"users in {description}, sessions in {where} ({describe_url(session_url)})"
        return Storage(adapter, description, package.is_unique_violation, stack)
    except BaseException:
        await stack.aclose()
        raise


async def _open_sessions(url: str, stack: AsyncExitStack) -> SessionAdapter:
    scheme = urlsplit(url).scheme
    if scheme not in SESSION_SCHEMES:
        raise ValueError(
            f"unsupported session URL {describe_url(url)!r}: use a URL starting {_listed(SESSION_SCHEMES)}"
            " (redis://host:6379/0, redis-cluster://host:7000)"
        )
    backend = BACKENDS[SESSION_SCHEMES[scheme]]
    package = backend.module()
    client = await stack.enter_async_context(package.connect(url))
    adapter: SessionAdapter = getattr(package, f"{backend.name}_session_adapter")(client)
    return adapter


def _listed(schemes: dict[str, str]) -> str:
    """``a://, b:// or c://``."""
    names = [f"{scheme}://" for scheme in schemes]
    return ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else names[0]


def describe_url(url: str) -> str:
    """A URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def sqlite_path(url: str) -> Path:
    """The file of ``sqlite:///relative.db``, ``sqlite:////absolute.db`` or a plain path."""
    if "://" not in url:
        return Path(url)
    parts = urlsplit(url)
    if parts.scheme != "sqlite" or parts.netloc or len(parts.path) < 2:
        raise ValueError("an SQLite URL looks like sqlite:///relative.db or sqlite:////absolute/path.db")
    return Path(unquote(parts.path[1:]))


__all__ = ["DEFAULT_DATABASE_URL", "Storage", "describe_url", "open_storage", "sqlite_path"]
