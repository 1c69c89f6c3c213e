"""Django (ASGI, async views) on SQLite, in one file; DjangoCookies sets the session cookie.

DATABASE=app.db python django_app.py  (after: lucia-core schema sqlite --apply sqlite:///app.db)
"""

# mypy: disable-error-code="import-untyped"
# (Django ships no type hints; with django-stubs installed this line changes nothing.)

import asyncio
import json
import os
import unicodedata

import aiosqlite
import django
import uvicorn
from django.conf import settings
from django.core.asgi import get_asgi_application
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from lucia_adapter_sqlite import sqlite_adapter
from lucia_core import Auth, LuciaError, lucia
from lucia_core.middleware import django as django_middleware

settings.configure(
    SECRET_KEY=os.environ.get("SECRET_KEY", "development only"),
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["lucia_core.frameworks.django.DjangoCookies"],  # sets the queued cookies
)
django.setup()
_auth: list[Auth] = []
_opening = asyncio.Lock()


async def get_auth() -> Auth:
    """The Auth, over one connection opened on first use (Django has no lifespan)."""
    async with _opening:
        if not _auth:
            connection = await aiosqlite.connect(os.environ.get("DATABASE", "app.db"))
            _auth.append(lucia(adapter=sqlite_adapter(connection), env="DEV", middleware=django_middleware()))
    return _auth[0]


def normalize_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).casefold().strip()


async def sign_in(request: HttpRequest) -> HttpResponse:
    auth = await get_auth()
    body = json.loads(request.body)
    username, password = normalize_username(body["username"]), body["password"]
    try:
        if request.path == "/signup":
            key = {"provider_id": "username", "provider_user_id": username, "password": password}
            user_id = (await auth.create_user(key=key, attributes={})).user_id
        else:
            user_id = (await auth.use_key("username", username, password)).user_id
    except LuciaError:
        return JsonResponse({"detail": "incorrect username or password"}, status=400)
    session = await auth.create_session(user_id=user_id, attributes={})
    auth.handle_request(request).set_session(session)  # queued; DjangoCookies sets it
    return JsonResponse({"user_id": user_id}, status=201 if request.path == "/signup" else 200)


async def me(request: HttpRequest) -> HttpResponse:
    session = await (await get_auth()).handle_request(request).validate()
    if session is None:
        return JsonResponse({"detail": "Not authenticated"}, status=401)
    return JsonResponse({"user_id": session.user.user_id})


async def log_out(request: HttpRequest) -> HttpResponse:
    auth = await get_auth()
    auth_request = auth.handle_request(request)
    session = await auth_request.validate()  # None for a cross-site POST: CSRF-checked
    if session is None:
        return JsonResponse({"detail": "Not authenticated"}, status=401)
    await auth.invalidate_session(session.session_id)
    auth_request.set_session(None)
    return HttpResponse(status=204)


# Method checks are left out for brevity: a GET to /logout has no origin check, so keep it harmless.
urlpatterns = [path("signup", sign_in), path("login", sign_in), path("me", me), path("logout", log_out)]
application = get_asgi_application()

if __name__ == "__main__":
    uvicorn.run(application, host="127.0.0.1", port=int(os.environ.get("PORT", "8000")), lifespan="off")
