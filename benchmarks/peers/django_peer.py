# mypy: disable-error-code="import-untyped"
"""Django's own session authentication as a benchmark peer, on the same PostgreSQL.

What one validation is: a request carrying the ``sessionid`` cookie goes through Django's request
handler (``BaseHandler.get_response_async``: the middleware chain and URL resolution, no HTTP
server) to an async view behind ``SessionMiddleware`` (``django.contrib.sessions``, database
backend) and ``AuthenticationMiddleware`` (``django.contrib.auth``). The view awaits
``request.auser()``, which loads the session row, then the user row, and checks the session's
auth hash (an HMAC of the user's password hash) as every authenticated request does; it answers
200 with the user's id, or 401. The request objects are built with ``AsyncRequestFactory``.

Django's documented production settings where they matter: persistent connections
(``CONN_MAX_AGE=None``, no connect per request; ``CONN_HEALTH_CHECKS`` off), ``DEBUG=False``
(no query log), psycopg 3. Django runs async ORM calls in its one thread for sync code
(``sync_to_async(thread_sensitive=True)``), so it uses one connection whatever the concurrency:
that is how Django works, not a setting. The tables (Django's migrations for ``auth``,
``contenttypes`` and ``sessions``) live in a private schema, reached through the connection's
``search_path``. Queries per request are counted by an execute wrapper, given to every
connection Django opens (one function call per statement, counting only for the counted calls).
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

#: The same (real) password hash for every user: validation reads it (the session hash is an HMAC
#: of it) but never verifies a password, and hashing per user is slow.
_PASSWORD = "correct horse battery staple"  # noqa: S105 - benchmark data
_configured_schema: str | None = None
_configure_lock = threading.Lock()
#: Statements run while counting (count_queries), by the wrapper every connection gets.
_QUERIES = {"counting": False, "count": 0}


def _count_query(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    if _QUERIES["counting"]:
        _QUERIES["count"] += 1
    return execute(sql, params, many, context)


def _on_connection_created(sender: Any, connection: Any, **kwargs: Any) -> None:
    # Every connection Django opens (whichever thread or context asks) counts its statements:
    # one function call per statement, which only adds when counting.
    connection.execute_wrappers.append(_count_query)


def _database(pg_url: str, schema: str) -> dict[str, Any]:
    """Django's DATABASES entry for a ``postgresql://`` URL, with ``schema`` first on the path."""
    url = urlsplit(pg_url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/"),
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        "HOST": url.hostname or "",
        "PORT": str(url.port or ""),
        "CONN_MAX_AGE": None,
        "OPTIONS": {"options": f"-c search_path={schema}"},
    }


def _configure(pg_url: str, schema: str) -> None:
    """Configure Django once per process (its settings are global)."""
    global _configured_schema
    import django
    from django.conf import settings

    with _configure_lock:
        if _configured_schema is not None:
            if _configured_schema != schema:
                raise RuntimeError("Django is already configured for another schema in this process")
            return
        settings.configure(
            DEBUG=False,
            SECRET_KEY=secrets.token_urlsafe(32),
            ALLOWED_HOSTS=["testserver"],
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions"],
            MIDDLEWARE=[
                "django.contrib.sessions.middleware.SessionMiddleware",
                "django.contrib.auth.middleware.AuthenticationMiddleware",
            ],
            ROOT_URLCONF=__name__,
            DATABASES={"default": _database(pg_url, schema)},
            SESSION_ENGINE="django.contrib.sessions.backends.db",
            USE_TZ=True,
            LOGGING_CONFIG=None,
        )
        django.setup()
        from django.db.backends.signals import connection_created

        connection_created.connect(_on_connection_created)
        _configured_schema = schema


async def whoami(request: Any) -> Any:
    """The view: 200 with the signed-in user's id, 401 for an anonymous request."""
    from django.http import HttpResponse

    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(str(user.pk))


def _urlpatterns() -> list[Any]:
    from django.urls import path

    return [path("whoami", whoami)]


def __getattr__(name: str) -> Any:
    # ROOT_URLCONF is this module; its patterns are built on first use, after django.setup().
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


@dataclass
class DjangoPeer:
    """Users and their sessions in a private schema, and a request through Django's handler."""

    schema: str
    session_keys: list[str] = field(default_factory=list)
    _handler: Any = None
    _factory: Any = None

    def __post_init__(self) -> None:
        from django.core.handlers.base import BaseHandler
        from django.test import AsyncRequestFactory

        self._handler = BaseHandler()
        self._handler.load_middleware(is_async=True)
        self._factory = AsyncRequestFactory()

    async def validate(self, session_key: str) -> bool:
        """True when the request with this session cookie reaches the view as its user."""
        request = self._factory.get("/whoami")
        request.COOKIES["sessionid"] = session_key
        response = await self._handler.get_response_async(request)
        return bool(response.status_code == 200)

    async def count_queries(self, calls: int) -> float:
        """SQL statements per request, over ``calls`` requests (outside the timed rounds)."""
        _QUERIES.update(counting=True, count=0)
        try:
            for number in range(calls):
                if not await self.validate(self.session_keys[number % len(self.session_keys)]):
                    raise AssertionError("django: a session did not validate")
        finally:
            _QUERIES["counting"] = False
        return _QUERIES["count"] / calls

    async def close(self) -> None:
        """Drop the private schema and close Django's connections."""
        from asgiref.sync import sync_to_async

        await sync_to_async(_drop, thread_sensitive=True)(self.schema)


def _drop(schema: str) -> None:
    from django.db import connection, connections

    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    connections.close_all()


def _create(schema: str, count: int) -> list[str]:
    """Django's tables in ``schema`` (its migrations), ``count`` active users with a session each."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    call_command("migrate", interactive=False, verbosity=0)
    hashed = make_password(_PASSWORD)
    users = User.objects.bulk_create(
        [User(username=f"user{number}", password=hashed, is_active=True) for number in range(count)]
    )
    expires = timezone.now() + timedelta(days=14)
    sessions = []
    for user in users:
        store = SessionStore()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        key = store._get_new_session_key()
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
    Session.objects.bulk_create(sessions)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE auth_user")
        cursor.execute("ANALYZE django_session")
    return [session.session_key for session in sessions]


async def prepare(pg_url: str, count: int, *, schema: str | None = None) -> DjangoPeer:
    """Configure Django for ``pg_url``, create its tables in a new schema and ``count`` users with
    one session each (one Django process-wide configuration: one schema per process)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    schema = schema or f"peer_django_{secrets.token_hex(4)}"
    _configure(pg_url, schema)
    from asgiref.sync import sync_to_async

    peer = DjangoPeer(schema=schema)
    try:
        peer.session_keys = await sync_to_async(_create, thread_sensitive=True)(schema, count)
    except BaseException:
        await asyncio.shield(peer.close())
        raise
    return peer
